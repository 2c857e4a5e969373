package io.nncompress.codec.lowrank;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class RankBudgetTest {
  /**
   * A: 4 x 4, s = (4, 3, 2, 1): relative errors 14/30, 5/30, 1/30, 0; only rank 1 is stored factored
   * (16 + 32 = 48 bytes), else float32 12 + 64 = 76. B: 10 x 20, s = (3, 2, 1): relative errors
   * 5/14, 1/14, 0; 16 + 120 r bytes. Totals by hand: E >= 14/30: 48 + 136 = 184; [5/14, 14/30): 76 +
   * 136 = 212; [1/14, 5/14): 76 + 256 = 332; below 1/14: 76 + 376 = 452.
   */
  private static final List<Spectrum> LAYERS = List.of(Spectrum.ofSingularValues(4, 4, new double[] {4, 3, 2, 1}),
      Spectrum.ofSingularValues(10, 20, new double[] {3, 2, 1}));

  @Test
  void bytesFollowTheRanksOfTheBound() {
    assertEquals(184, RankBudget.bytes(LAYERS, 0.5));
    assertEquals(212, RankBudget.bytes(LAYERS, 0.4));
    assertEquals(332, RankBudget.bytes(LAYERS, 0.2));
    assertEquals(332, RankBudget.bytes(LAYERS, 0.1));
    assertEquals(452, RankBudget.bytes(LAYERS, 0.05));
    assertEquals(452, RankBudget.bytes(LAYERS, 0.0));
  }

  @Test
  void errorWithinIsTheSmallestBoundThatFits() {
    assertEquals(0.07143, RankBudget.errorWithin(LAYERS, 332), 0.0); // 1/14 rounded up
    assertEquals(332, RankBudget.bytes(LAYERS, 0.07143));
    assertEquals(0.3572, RankBudget.errorWithin(LAYERS, 331), 0.0); // 5/14
    assertEquals(212, RankBudget.bytes(LAYERS, 0.3572));
    assertEquals(0.0, RankBudget.errorWithin(LAYERS, 452), 0.0);
    assertEquals(0.4667, RankBudget.errorWithin(LAYERS, 200), 0.0); // 14/30
    assertEquals(1.0, RankBudget.errorWithin(LAYERS, 100), 0.0); // nothing fits: rank 1 everywhere
  }
}
