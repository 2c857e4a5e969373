package io.nncompress.lnr;

import io.nncompress.linalg.Blas;
import io.nncompress.linalg.DenseMatrix;
import java.util.Arrays;
import org.netlib.util.intW;

/** Eigenvalues of symmetric matrices through LAPACK dsyevr (MRRR). */
public final class SymmetricEigen {
  private SymmetricEigen() {
  }

  /**
   * The largest eigenvalue of a symmetric matrix, exactly (to LAPACK accuracy): dsyevr with
   * RANGE='I', IL = IU = n. The tridiagonal reduction costs about 4/3 n^3 flops, once per problem.
   */
  public static double largestEigenvalue(DenseMatrix a) {
    a.requireSquare();
    int n = a.rows;
    if (n == 0) {
      return 0.0;
    }
    Result r = run(a, "N", n, n);
    return r.values[0];
  }

  /** All eigenvalues (ascending) and orthonormal eigenvectors (columns of {@code vectors}). */
  public static Result decompose(DenseMatrix a) {
    a.requireSquare();
    return run(a, "V", 1, a.rows);
  }

  /** Eigenvalues w (ascending) and, when requested, eigenvectors Z (n x m). */
  public static final class Result {
    public final double[] values;
    public final DenseMatrix vectors;

    Result(double[] values, DenseMatrix vectors) {
      this.values = values;
      this.vectors = vectors;
    }
  }

  private static Result run(DenseMatrix a, String jobz, int il, int iu) {
    int n = a.rows;
    double[] work = a.data.clone(); // dsyevr destroys A
    int count = iu - il + 1;
    double[] w = new double[n];
    boolean vectors = jobz.equals("V");
    double[] z = new double[n * n]; // netlib's argument check wants LDZ * N even for JOBZ = 'N' or few vectors
    int[] isuppz = new int[2 * n];
    intW m = new intW(0);
    intW info = new intW(0);
    String range = count == n ? "A" : "I";
    // Workspace query (LWORK = LIWORK = -1), then the call.
    double[] wq = new double[1];
    int[] iwq = new int[1];
    Blas.lapack().dsyevr(jobz, range, "U", n, work, n, 0.0, 0.0, il, iu, 0.0, m, w, z, Math.max(1, n), isuppz,
        wq, -1, iwq, -1, info);
    int lwork = Math.max(26 * n, (int) wq[0]);
    int liwork = Math.max(10 * n, iwq[0]);
    Blas.lapack().dsyevr(jobz, range, "U", n, work, n, 0.0, 0.0, il, iu, 0.0, m, w, z, Math.max(1, n), isuppz,
        new double[lwork], lwork, new int[liwork], liwork, info);
    if (info.val != 0) {
      throw new ArithmeticException("dsyevr failed with INFO = " + info.val + " on a " + n + "x" + n + " matrix");
    }
    double[] values = Arrays.copyOf(w, m.val);
    DenseMatrix zm = vectors ? new DenseMatrix(n, m.val, m.val == n ? z : Arrays.copyOf(z, n * m.val)) : null;
    return new Result(values, zm);
  }
}
