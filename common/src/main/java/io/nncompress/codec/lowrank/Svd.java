package io.nncompress.codec.lowrank;

import io.nncompress.linalg.Blas;
import io.nncompress.linalg.DenseMatrix;
import org.netlib.util.intW;

/**
 * The economy singular value decomposition A = U diag(s) V^T of an m x n matrix through LAPACK
 * dgesdd (divide and conquer), k = min(m, n): U is m x k, s has k values in descending order,
 * Vt = V^T is k x n. A is never modified (dgesdd works on a copy).
 */
public final class Svd {
  /** Left singular vectors, m x k, orthonormal columns. */
  public final DenseMatrix u;
  /** Singular values, descending, length k. */
  public final double[] s;
  /** Right singular vectors transposed, k x n, orthonormal rows. */
  public final DenseMatrix vt;

  private Svd(DenseMatrix u, double[] s, DenseMatrix vt) {
    this.u = u;
    this.s = s;
    this.vt = vt;
  }

  /** The economy SVD of {@code a} (jobz = 'S'). */
  public static Svd of(DenseMatrix a) {
    int m = a.rows;
    int n = a.cols;
    int k = Math.min(m, n);
    if (k == 0) {
      throw new IllegalArgumentException("SVD needs a non-empty matrix, cannot be: " + a.shape());
    }
    DenseMatrix u = new DenseMatrix(m, k);
    DenseMatrix vt = new DenseMatrix(k, n);
    double[] s = new double[k];
    gesdd("S", a.data.clone(), m, n, s, u.data, vt.data);
    return new Svd(u, s, vt);
  }

  /** The singular values of {@code a} only (jobz = 'N'), descending. */
  public static double[] singularValues(DenseMatrix a) {
    int k = Math.min(a.rows, a.cols);
    if (k == 0) {
      throw new IllegalArgumentException("SVD needs a non-empty matrix, cannot be: " + a.shape());
    }
    double[] s = new double[k];
    gesdd("N", a.data.clone(), a.rows, a.cols, s, new double[1], new double[1]);
    return s;
  }

  private static void gesdd(String jobz, double[] a, int m, int n, double[] s, double[] u, double[] vt) {
    int k = Math.min(m, n);
    boolean vectors = !"N".equals(jobz);
    int ldu = vectors ? m : 1;
    int ldvt = vectors ? k : 1;
    int[] iwork = new int[8 * k];
    intW info = new intW(0);
    double[] query = new double[1];
    // workspace query: lwork = -1 returns the optimal size in work[0]
    Blas.lapack().dgesdd(jobz, m, n, a, Math.max(1, m), s, u, ldu, vt, ldvt, query, -1, iwork, info);
    checkInfo(info.val, m, n);
    int lwork = Math.max(1, (int) query[0]);
    double[] work = new double[lwork];
    Blas.lapack().dgesdd(jobz, m, n, a, Math.max(1, m), s, u, ldu, vt, ldvt, work, lwork, iwork, info);
    checkInfo(info.val, m, n);
  }

  private static void checkInfo(int info, int m, int n) {
    if (info < 0) {
      throw new IllegalArgumentException("dgesdd: parameter " + (-info) + " had an illegal value (" + m + "x" + n + ")");
    }
    if (info > 0) {
      throw new ArithmeticException("dgesdd did not converge on a " + m + "x" + n + " matrix (info=" + info + ")");
    }
  }

  /** k = min(m, n). */
  public int size() {
    return s.length;
  }
}
