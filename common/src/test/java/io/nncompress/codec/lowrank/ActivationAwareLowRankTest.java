package io.nncompress.codec.lowrank;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import org.junit.jupiter.api.Test;

class ActivationAwareLowRankTest {

  @Test
  void neverWorseThanSvdOnDataAwareErrorAndStrictlyBetterWhenCorrelated() {
    int h = 15;
    int d = 12;
    DenseMatrix w = LowRankTestData.gaussian(h, d, 11);
    DenseMatrix r = LowRankTestData.secondMoment(d, d, 200, 12);
    double total = DataAwareError.quadratic(w, r);
    for (int rank = 1; rank < d; rank++) {
      LowRankFactors aa = ActivationAwareLowRank.factor(w, r, RankSelector.fixed(rank));
      double eAa = DataAwareError.of(w, aa.product(), r);
      double eSvd = DataAwareError.of(w, TruncatedSvd.factor(w, rank).product(), r);
      // the closed form reaches the Eckart-Young bound of W L
      assertEquals(aa.spectrum.error(rank), eAa, 1e-9 * total);
      assertTrue(eAa < eSvd * (1 - 1e-3), "rank " + rank + ": " + eAa + " vs svd " + eSvd);
    }
  }

  /** Moving S_r into Q keeps the product and leaves P = U_r with orthonormal columns, for both methods. */
  @Test
  void singularValuesIntoQKeepTheProduct() {
    DenseMatrix w = LowRankTestData.gaussian(9, 7, 21);
    DenseMatrix r = LowRankTestData.secondMoment(7, 4, 60, 22); // singular R
    for (LowRankFactors f : new LowRankFactors[] {TruncatedSvd.factor(w, 3),
        ActivationAwareLowRank.factor(w, r, RankSelector.fixed(3))}) {
      LowRankFactors g = f.singularValuesIntoQ();
      assertEquals(0.0, g.product().maxAbsDiff(f.product()), 1e-12);
      DenseMatrix ptp = new DenseMatrix(3, 3);
      DenseMatrix.gemm(1.0, g.p, true, g.p, false, 0.0, ptp);
      assertEquals(0.0, ptp.maxAbsDiff(DenseMatrix.identity(3)), 1e-12);
    }
  }

  @Test
  void beatsRandomRankRCandidates() {
    DenseMatrix w = LowRankTestData.gaussian(6, 5, 13);
    DenseMatrix r = LowRankTestData.secondMoment(5, 5, 40, 14);
    double best = DataAwareError.of(w, ActivationAwareLowRank.factor(w, r, RankSelector.fixed(2)).product(), r);
    // perturbations of the optimum never do better
    LowRankFactors f = ActivationAwareLowRank.factor(w, r, RankSelector.fixed(2));
    for (int t = 0; t < 50; t++) {
      DenseMatrix dp = LowRankTestData.gaussian(6, 2, 100 + t);
      DenseMatrix p = f.p.copy();
      for (int k = 0; k < p.data.length; k++) {
        p.data[k] += 1e-3 * dp.data[k];
      }
      double e = DataAwareError.of(w, new LowRankFactors(p, f.q, f.spectrum).product(), r);
      assertTrue(e >= best - 1e-12 * best);
    }
  }

  @Test
  void equalsPlainSvdWhenRIsIdentity() {
    DenseMatrix w = LowRankTestData.gaussian(10, 7, 15);
    for (int rank : new int[] {1, 3, 7}) {
      DenseMatrix aa = ActivationAwareLowRank.factor(w, DenseMatrix.identity(7), RankSelector.fixed(rank)).product();
      DenseMatrix svd = TruncatedSvd.factor(w, rank).product();
      assertTrue(aa.maxAbsDiff(svd) < 1e-10, "rank " + rank + ": " + aa.maxAbsDiff(svd));
    }
  }

  @Test
  void worksWhenRIsSingular() {
    int d = 10;
    DenseMatrix w = LowRankTestData.gaussian(8, d, 16);
    DenseMatrix r = LowRankTestData.secondMoment(d, 4, 50, 17); // rank 4
    double total = DataAwareError.quadratic(w, r);
    for (int rank = 1; rank <= 4; rank++) {
      LowRankFactors aa = ActivationAwareLowRank.factor(w, r, RankSelector.fixed(rank));
      DenseMatrix m = aa.product();
      for (double v : m.data) {
        assertFalse(Double.isNaN(v) || Double.isInfinite(v));
      }
      double eAa = DataAwareError.of(w, m, r);
      double eSvd = DataAwareError.of(w, TruncatedSvd.factor(w, rank).product(), r);
      assertTrue(eAa <= eSvd + 1e-9 * total);
      assertEquals(aa.spectrum.error(aa.rank()), eAa, 1e-9 * total);
    }
    // inputs live in a 4-dim subspace: rank 4 reconstructs every output exactly; higher ranks add nothing
    LowRankFactors four = ActivationAwareLowRank.factor(w, r, RankSelector.fixed(4));
    assertEquals(0.0, DataAwareError.of(w, four.product(), r), 1e-9 * total);
    assertEquals(4, ActivationAwareLowRank.factor(w, r, RankSelector.fixed(7)).rank());
  }

  @Test
  void biasAugmentedFactorsReconstructOutputsWithBias() {
    int h = 7;
    int d = 6;
    int n = 300;
    DenseMatrix w = LowRankTestData.gaussian(h, d, 18);
    double[] b = LowRankTestData.gaussian(h, 1, 19).data;
    // samples x~ = [x; 1] with a non-zero mean, R~ = E[x~ x~^T]
    DenseMatrix x = LowRankTestData.gaussian(d + 1, n, 20);
    for (int k = 0; k < n; k++) {
      for (int i = 0; i < d; i++) {
        x.data[i + k * (d + 1)] += 2.0;
      }
      x.data[d + k * (d + 1)] = 1.0;
    }
    DenseMatrix r = new DenseMatrix(d + 1, d + 1);
    DenseMatrix.gemm(1.0 / n, x, false, x, true, 0.0, r);
    LowRankFactors f = ActivationAwareLowRank.factor(w, b, r, RankSelector.fixed(2));
    assertEquals(d + 1, f.cols());
    DenseMatrix wb = new DenseMatrix(h, d + 1);
    System.arraycopy(w.data, 0, wb.data, 0, w.data.length);
    System.arraycopy(b, 0, wb.data, w.data.length, h);
    // direct: mean over samples of ||W x + b - (P (Q_d^T x + q_b))||^2
    DenseMatrix diff = wb.minus(f.product()).times(x);
    double direct = 0;
    for (double v : diff.data) {
      direct += v * v;
    }
    direct /= n;
    double viaR = DataAwareError.of(wb, f.product(), r);
    assertEquals(direct, viaR, 1e-9 * direct);
    assertTrue(viaR < DataAwareError.of(wb, TruncatedSvd.factor(wb, 2).product(), r));
  }
}
