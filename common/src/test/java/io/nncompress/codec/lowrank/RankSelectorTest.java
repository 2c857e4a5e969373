package io.nncompress.codec.lowrank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import org.junit.jupiter.api.Test;

class RankSelectorTest {
  /** diag(4, 3, 2, 1): squared singular values 16, 9, 4, 1, total 30. */
  private static final DenseMatrix DIAG = DenseMatrix.fromRows(new double[][] {
      {0, 3, 0, 0}, {4, 0, 0, 0}, {0, 0, 0, 1}, {0, 0, 2, 0}});

  private static int rank(RankSelector s) {
    return TruncatedSvd.factor(DIAG, s).rank();
  }

  @Test
  void energyIsSmallestRankReachingFraction() {
    assertEquals(1, rank(RankSelector.energy(0.5))); // 16/30 = 0.533
    assertEquals(2, rank(RankSelector.energy(0.54))); // 25/30 = 0.833
    assertEquals(3, rank(RankSelector.energy(0.84))); // 29/30 = 0.967
    assertEquals(4, rank(RankSelector.energy(0.97)));
    assertEquals(4, rank(RankSelector.energy(1.0)));
  }

  @Test
  void maxBytesIsLargestRankThatFits() {
    // 16 + 4 r (4 + 4) = 16 + 32 r
    assertEquals(2, rank(RankSelector.maxBytes(80)));
    assertEquals(1, rank(RankSelector.maxBytes(79)));
    assertEquals(4, rank(RankSelector.maxBytes(10_000)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rank(RankSelector.maxBytes(47)));
    assertTrue(e.getMessage().contains("47") && e.getMessage().contains("48"), e.getMessage());
  }

  @Test
  void bitsPerWeightIsLargestRankWithinTheLayersBudgetAndAtLeastOne() {
    // budget b * 4 * 4 / 8 = 2b bytes for 16 + 32 r
    assertEquals(2, rank(RankSelector.bitsPerWeight(40))); // 80 bytes
    assertEquals(1, rank(RankSelector.bitsPerWeight(39.5))); // 79 bytes
    assertEquals(1, rank(RankSelector.bitsPerWeight(1))); // 2 bytes: rank 1 all the same
    assertEquals(3, rank(RankSelector.bitsPerWeight(64))); // 128 bytes: 16 + 32 * 3 = 112
    // 40 x 60 at 8 bits per weight: 2400 bytes, 16 + 400 r -> r = 5
    assertEquals(5, TruncatedSvd.factor(LowRankTestData.gaussian(40, 60, 3), RankSelector.bitsPerWeight(8)).rank());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RankSelector.bitsPerWeight(0)).getMessage()
        .endsWith("cannot be: 0.0"));
    assertThrows(IllegalArgumentException.class, () -> RankSelector.bitsPerWeight(65));
  }

  @Test
  void maxRelativeErrorIsSmallestRankWithinBound() {
    assertEquals(2, rank(RankSelector.maxRelativeError(0.17))); // 5/30 = 0.1667
    assertEquals(3, rank(RankSelector.maxRelativeError(0.16))); // 1/30
    assertEquals(4, rank(RankSelector.maxRelativeError(0.0)));
    assertEquals(1, rank(RankSelector.maxRelativeError(1.0)));
  }

  @Test
  void dataAwareErrorRuleMatchesBruteForce() {
    DenseMatrix w = LowRankTestData.gaussian(9, 8, 31);
    DenseMatrix r = LowRankTestData.secondMoment(8, 8, 100, 32);
    double total = DataAwareError.quadratic(w, r);
    for (double bound : new double[] {0.5, 0.2, 0.05, 0.01}) {
      int chosen = TruncatedSvd.factor(w, r, RankSelector.maxRelativeError(bound)).rank();
      int expected = 8;
      for (int k = 1; k <= 8; k++) {
        double rel = DataAwareError.of(w, TruncatedSvd.factor(w, k).product(), r) / total;
        if (rel <= bound) {
          expected = k;
          break;
        }
      }
      assertEquals(expected, chosen, "bound " + bound);
      // activation-aware: the same rule on its own (exact) errors, never a larger rank than SVD's
      int aa = ActivationAwareLowRank.factor(w, r, RankSelector.maxRelativeError(bound)).rank();
      double relAa = DataAwareError.of(w, ActivationAwareLowRank.factor(w, r, RankSelector.fixed(aa)).product(), r)
          / total;
      assertTrue(relAa <= bound + 1e-12);
      assertTrue(aa <= chosen);
    }
  }

  @Test
  void badParametersNameTheValue() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RankSelector.energy(0)).getMessage()
        .contains("energy fraction must be in (0, 1], cannot be: 0.0"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RankSelector.energy(1.5)).getMessage()
        .endsWith("1.5"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RankSelector.maxRelativeError(-0.1)).getMessage()
        .endsWith("-0.1"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RankSelector.fixed(0)).getMessage()
        .endsWith("cannot be: 0"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> RankSelector.maxBytes(0)).getMessage()
        .endsWith("cannot be: 0"));
  }
}
