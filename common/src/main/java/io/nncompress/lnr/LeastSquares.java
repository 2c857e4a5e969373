package io.nncompress.lnr;

import io.nncompress.linalg.Blas;
import io.nncompress.linalg.DenseMatrix;
import org.netlib.util.doubleW;
import org.netlib.util.intW;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpenalised least squares on a fixed set of input columns S (the debiasing step of LNR):
 *
 * <pre>  min_{M_S} E||Y - M_S X_S||^2   =>   M_S R_SS = C_S   =>   M_S = C_S R_SS^{-1}  </pre>
 *
 * solved with a Cholesky factorisation (dpotrf/dpotrs). When R_SS is singular (dpotrf fails) or
 * ill-conditioned (reciprocal condition number from dpocon below {@value #MIN_RCOND}) the solve falls
 * back to the eigen-decomposition R_SS = V diag(w) V^T (dsyevr) and the pseudo-inverse that drops
 * eigenvalues below {@value #MIN_RCOND} * max(w); it logs a WARN and sets {@link Solution#fallback}.
 */
public final class LeastSquares {
  /** Reciprocal condition number below which Cholesky is not trusted. */
  public static final double MIN_RCOND = 1e-12;

  private static final Logger LOG = LoggerFactory.getLogger(LeastSquares.class);

  private LeastSquares() {
  }

  /** The least squares matrix (h x p, zero outside S) and whether the pseudo-inverse was needed. */
  public static final class Solution {
    public final DenseMatrix matrix;
    public final boolean fallback;

    Solution(DenseMatrix matrix, boolean fallback) {
      this.matrix = matrix;
      this.fallback = fallback;
    }
  }

  /** Solves on the columns {@code support} (any order, no duplicates). */
  public static Solution solveOnSupport(GroupLassoProblem problem, int[] support) {
    int h = problem.outputs();
    int p = problem.inputs();
    int s = support.length;
    boolean[] seen = new boolean[p];
    for (int j : support) {
      if (j < 0 || j >= p || seen[j]) {
        throw new IllegalArgumentException("support must hold distinct columns in 0.." + (p - 1) + ", cannot hold: " + j);
      }
      seen[j] = true;
    }
    DenseMatrix out = new DenseMatrix(h, p);
    if (s == 0 || h == 0) {
      return new Solution(out, false);
    }
    DenseMatrix rss = problem.r.selectSymmetric(support);
    DenseMatrix cs = problem.c.selectColumns(support);
    boolean fallback = false;
    DenseMatrix ms = cholesky(rss, cs);
    if (ms == null) {
      fallback = true;
      ms = pseudoInverse(rss, cs);
    }
    for (int k = 0; k < s; k++) {
      System.arraycopy(ms.data, k * h, out.data, support[k] * h, h);
    }
    return new Solution(out, fallback);
  }

  /** M_S = C_S R_SS^{-1} by Cholesky, or null when R_SS is not safely positive definite. */
  private static DenseMatrix cholesky(DenseMatrix rss, DenseMatrix cs) {
    int s = rss.rows;
    int h = cs.rows;
    double[] a = rss.data.clone();
    double anorm = Blas.lapack().dlansy("1", "L", s, a, s, new double[s]);
    intW info = new intW(0);
    Blas.lapack().dpotrf("L", s, a, s, info); // R_SS = L L^T
    if (info.val != 0) {
      LOG.warn("Debias: R_SS ({}x{}) is not positive definite (dpotrf INFO = {}); using the eigen pseudo-inverse",
          s, s, info.val);
      return null;
    }
    doubleW rcond = new doubleW(0);
    Blas.lapack().dpocon("L", s, a, s, anorm, rcond, new double[3 * s], new int[s], info);
    if (info.val != 0 || !(rcond.val >= MIN_RCOND)) {
      LOG.warn("Debias: R_SS ({}x{}) is ill-conditioned (rcond = {}); using the eigen pseudo-inverse", s, s, rcond.val);
      return null;
    }
    DenseMatrix x = cs.transpose(); // solve R_SS X = C_S^T, then M_S = X^T
    Blas.lapack().dpotrs("L", s, h, a, s, x.data, s, info);
    if (info.val != 0) {
      throw new ArithmeticException("dpotrs failed with INFO = " + info.val);
    }
    return x.transpose();
  }

  /** M_S = C_S V diag(1/w) V^T over the eigenvalues w > MIN_RCOND * max(w). */
  private static DenseMatrix pseudoInverse(DenseMatrix rss, DenseMatrix cs) {
    SymmetricEigen.Result e = SymmetricEigen.decompose(rss);
    int s = rss.rows;
    double wmax = 0;
    for (double w : e.values) {
      wmax = Math.max(wmax, w);
    }
    double cut = MIN_RCOND * wmax;
    DenseMatrix t = cs.times(e.vectors); // T = C_S V
    int h = cs.rows;
    int dropped = 0;
    for (int k = 0; k < s; k++) {
      double w = e.values[k];
      double inv = w > cut ? 1.0 / w : 0.0; // T_k <- T_k / w_k, or 0 for a null direction
      if (inv == 0.0) {
        dropped++;
      }
      for (int i = k * h; i < (k + 1) * h; i++) {
        t.data[i] *= inv;
      }
    }
    LOG.warn("Debias: pseudo-inverse dropped {} of {} eigen-directions (eigenvalue <= {})", dropped, s, cut);
    DenseMatrix ms = new DenseMatrix(h, s);
    DenseMatrix.gemm(1.0, t, false, e.vectors, true, 0.0, ms); // M_S = T V^T
    return ms;
  }
}
