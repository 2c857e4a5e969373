package io.nncompress.codec.lowrank;

import io.nncompress.linalg.Blas;
import io.nncompress.linalg.DenseMatrix;
import org.netlib.util.intW;

/**
 * The eigen-decomposition R = V diag(e) V^T of a symmetric n x n matrix through LAPACK dsyevd,
 * eigenvalues ascending (LAPACK's order), V orthogonal. Only the upper triangle of R is read.
 */
public final class SymmetricEigen {
  /** Eigenvalues, ascending. */
  public final double[] values;
  /** Eigenvectors as columns, n x n. */
  public final DenseMatrix vectors;

  private SymmetricEigen(double[] values, DenseMatrix vectors) {
    this.values = values;
    this.vectors = vectors;
  }

  public static SymmetricEigen of(DenseMatrix r) {
    r.requireSquare();
    int n = r.rows;
    if (n == 0) {
      throw new IllegalArgumentException("Eigen-decomposition needs a non-empty matrix, cannot be: " + r.shape());
    }
    double[] a = r.data.clone();
    double[] w = new double[n];
    intW info = new intW(0);
    double[] wq = new double[1];
    int[] iq = new int[1];
    // workspace query (lwork = liwork = -1)
    Blas.lapack().dsyevd("V", "U", n, a, n, w, wq, -1, iq, -1, info);
    check(info.val, n);
    double[] work = new double[Math.max(1, (int) wq[0])];
    int[] iwork = new int[Math.max(1, iq[0])];
    Blas.lapack().dsyevd("V", "U", n, a, n, w, work, work.length, iwork, iwork.length, info);
    check(info.val, n);
    return new SymmetricEigen(w, new DenseMatrix(n, n, a));
  }

  private static void check(int info, int n) {
    if (info < 0) {
      throw new IllegalArgumentException("dsyevd: parameter " + (-info) + " had an illegal value (n=" + n + ")");
    }
    if (info > 0) {
      throw new ArithmeticException("dsyevd did not converge on a " + n + "x" + n + " matrix (info=" + info + ")");
    }
  }

  /**
   * The eigenvalue cut below which an eigenvalue counts as zero: n * eps * max|e|. Eigenvalues of
   * a positive semi-definite R computed in floating point scatter around 0 by about that much.
   */
  public double zeroThreshold() {
    double max = 0;
    for (double v : values) {
      max = Math.max(max, Math.abs(v));
    }
    return values.length * Math.ulp(1.0) * max;
  }
}
