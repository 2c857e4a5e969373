package io.nncompress.codec.lowrank;

import io.nncompress.linalg.DenseMatrix;
import java.util.Random;

/** Seeded random matrices for the low-rank tests. */
final class LowRankTestData {
  private LowRankTestData() {}

  static DenseMatrix gaussian(int rows, int cols, long seed) {
    Random rnd = new Random(seed);
    DenseMatrix m = new DenseMatrix(rows, cols);
    for (int k = 0; k < m.data.length; k++) {
      m.data[k] = rnd.nextGaussian();
    }
    return m;
  }

  /** R = X X^T / n for n samples x = A z (z standard normal, A d x latent): correlated, rank min(latent, n). */
  static DenseMatrix secondMoment(int d, int latent, int n, long seed) {
    DenseMatrix a = gaussian(d, latent, seed);
    DenseMatrix z = gaussian(latent, n, seed + 1);
    DenseMatrix x = a.times(z);
    DenseMatrix r = new DenseMatrix(d, d);
    DenseMatrix.gemm(1.0 / n, x, false, x, true, 0.0, r);
    return r;
  }

  static double sumSquaresFrom(double[] s, int r) {
    double t = 0;
    for (int i = r; i < s.length; i++) {
      t += s[i] * s[i];
    }
    return t;
  }
}
