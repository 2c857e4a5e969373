package io.nncompress.lnr;

import io.nncompress.linalg.Blas;
import io.nncompress.linalg.DenseMatrix;
import org.netlib.util.doubleW;
import org.netlib.util.intW;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Least squares on a fixed set of input columns S (the debiasing step of LNR):
 *
 * <pre>  min_{M_S} E||Y - M_S X_S||^2   =>   M_S R_SS = C_S   =>   M_S = C_S R_SS^{-1}  </pre>
 *
 * <p>Solved in the coordinates scaled to R's diagonal, D = diag(R_SS): R' = D^-1/2 R_SS D^-1/2 (unit
 * diagonal), C' = C_S D^-1/2, M_S = C' R'^{-1} D^-1/2; the scaling changes nothing in exact arithmetic
 * and makes the condition number a property of the inputs' correlations, not of their units.
 *
 * <p>Stability: when R' is well conditioned (reciprocal condition number from dpocon at least
 * {@value #STABLE_RCOND}) the refit is the plain Cholesky solve (dpotrf/dpotrs). Otherwise (nearly
 * collinear inputs, as top-down gets from an upstream layer that dropped neurons) the plain refit
 * fits the calibration data through directions of almost no variance with huge, cancelling weights
 * (weights in the hundreds where the layer's own are below 1), which float32 storage and any
 * quantisation then destroy. There the solve uses the eigen-decomposition R' = V diag(w) V^T (dsyevr):
 * directions with w &lt;= {@value #MIN_RCOND} * max(w) carry no information and are dropped (the
 * pseudo-inverse, the minimum-norm solution), and the rest get the smallest ridge mu &gt;= 0 that brings
 * their condition number to 1 / {@value #STABLE_RCOND}: M' = C' V diag(1 / (w + mu)) V^T, i.e. the
 * penalty mu * sum_j R_jj ||M_j||^2 on the kept columns, scaled to R's diagonal. Only as much as needed:
 * mu = 0 when the kept spectrum is already within the bound (then the result is the exact least
 * squares solution), and mu grows only as the smallest kept eigenvalue falls below the bound. Every
 * weight then obeys |M'_ij| &lt;= ||C'_i|| / (w_min + mu) with w_min + mu &gt;= {@value #STABLE_RCOND} * max(w):
 * bounded by {@link #weightBound}. A WARN and {@link Solution#fallback} report when directions were
 * dropped or a ridge applied.
 */
public final class LeastSquares {
  /** Reciprocal condition number below which an eigen-direction counts as null (dropped). */
  public static final double MIN_RCOND = 1e-12;
  /**
   * Largest reciprocal condition number of the diagonal-scaled R_SS the refit may invert as it is:
   * float32 weights carry a relative rounding error of 6e-8, which the refit amplifies by up to the
   * condition number; at 1e6 that stays below 6% in the worst case and is far smaller in practice.
   */
  public static final double STABLE_RCOND = 1e-6;

  private static final Logger LOG = LoggerFactory.getLogger(LeastSquares.class);

  private LeastSquares() {
  }

  /** The least squares matrix (h x p, zero outside S) and whether the pseudo-inverse or a ridge was needed. */
  public static final class Solution {
    public final DenseMatrix matrix;
    public final boolean fallback;
    /** The ridge mu applied in the scaled coordinates (0: none). */
    public final double ridge;

    Solution(DenseMatrix matrix, boolean fallback, double ridge) {
      this.matrix = matrix;
      this.fallback = fallback;
      this.ridge = ridge;
    }
  }

  /**
   * The bound every refit weight obeys: |M_ij| &lt;= ||C'_i|| / (STABLE_RCOND * lambda_max(R')) / sqrt(R_jj)
   * for the support's scaled problem (C' = C_S D^-1/2, R' = D^-1/2 R_SS D^-1/2); infinite for a
   * support column whose R_jj is 0 (a column that is always 0 gets weight 0 anyway).
   */
  public static double[][] weightBound(GroupLassoProblem problem, int[] support) {
    DenseMatrix rss = problem.r.selectSymmetric(support);
    DenseMatrix cs = problem.c.selectColumns(support);
    double[] dinv = inverseSqrtDiagonal(rss);
    DenseMatrix rt = scaleSymmetric(rss, dinv);
    DenseMatrix ct = scaleColumns(cs, dinv);
    double wmax = SymmetricEigen.largestEigenvalue(rt);
    double[][] bound = new double[cs.rows][support.length];
    for (int i = 0; i < cs.rows; i++) {
      double n = 0;
      for (int k = 0; k < support.length; k++) {
        n += ct.get(i, k) * ct.get(i, k);
      }
      for (int k = 0; k < support.length; k++) {
        bound[i][k] = Math.sqrt(n) / (STABLE_RCOND * wmax) * dinv[k];
      }
    }
    return bound;
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
      return new Solution(out, false, 0.0);
    }
    DenseMatrix rss = problem.r.selectSymmetric(support);
    double[] dinv = inverseSqrtDiagonal(rss);
    DenseMatrix rt = scaleSymmetric(rss, dinv);
    DenseMatrix ct = scaleColumns(problem.c.selectColumns(support), dinv);
    DenseMatrix mt = cholesky(rt, ct);
    double[] ridge = {0.0, 0.0}; // mu, dropped directions
    if (mt == null) {
      mt = stabilised(rt, ct, ridge);
    }
    boolean fallback = ridge[0] > 0 || ridge[1] > 0;
    DenseMatrix ms = scaleColumns(mt, dinv); // M_S = M' D^-1/2
    for (int k = 0; k < s; k++) {
      System.arraycopy(ms.data, k * h, out.data, support[k] * h, h);
    }
    return new Solution(out, fallback, ridge[0]);
  }

  /**
   * X = Y R_SS^-1 (Y n x |S|) by the plain Cholesky solve in the coordinates scaled to R_SS's diagonal,
   * or null where that solve is not stable: a zero diagonal entry, or the scaled R_SS not positive
   * definite or not conditioned within {@value #STABLE_RCOND} (no pseudo-inverse, no ridge).
   */
  static DenseMatrix solveWellConditioned(DenseMatrix rss, DenseMatrix y) {
    for (int k = 0; k < rss.rows; k++) {
      if (!(rss.get(k, k) > 0) || Double.isInfinite(rss.get(k, k))) {
        return null;
      }
    }
    double[] dinv = inverseSqrtDiagonal(rss);
    DenseMatrix mt = cholesky(scaleSymmetric(rss, dinv), scaleColumns(y, dinv));
    return mt == null ? null : scaleColumns(mt, dinv);
  }

  /** 1 / sqrt(R_jj), or 1 where R_jj = 0 (a column that is always 0). */
  private static double[] inverseSqrtDiagonal(DenseMatrix rss) {
    double[] d = new double[rss.rows];
    for (int k = 0; k < d.length; k++) {
      double v = rss.get(k, k);
      d[k] = v > 0 ? 1.0 / Math.sqrt(v) : 1.0;
    }
    return d;
  }

  private static DenseMatrix scaleSymmetric(DenseMatrix a, double[] d) {
    DenseMatrix out = new DenseMatrix(a.rows, a.cols);
    for (int j = 0; j < a.cols; j++) {
      for (int i = 0; i < a.rows; i++) {
        out.set(i, j, d[i] * a.get(i, j) * d[j]);
      }
    }
    return out;
  }

  private static DenseMatrix scaleColumns(DenseMatrix a, double[] d) {
    DenseMatrix out = new DenseMatrix(a.rows, a.cols);
    for (int j = 0; j < a.cols; j++) {
      for (int i = 0; i < a.rows; i++) {
        out.set(i, j, a.get(i, j) * d[j]);
      }
    }
    return out;
  }

  /** M' = C' R'^{-1} by Cholesky, or null when R' is not positive definite or not conditioned within STABLE_RCOND. */
  private static DenseMatrix cholesky(DenseMatrix rss, DenseMatrix cs) {
    int s = rss.rows;
    int h = cs.rows;
    double[] a = rss.data.clone();
    double anorm = Blas.lapack().dlansy("1", "L", s, a, s, new double[s]);
    intW info = new intW(0);
    Blas.lapack().dpotrf("L", s, a, s, info); // R_SS = L L^T
    if (info.val != 0) {
      LOG.debug("Least squares: R_SS ({}x{}) is not positive definite (dpotrf INFO = {})", s, s, info.val);
      return null;
    }
    doubleW rcond = new doubleW(0);
    Blas.lapack().dpocon("L", s, a, s, anorm, rcond, new double[3 * s], new int[s], info);
    if (info.val != 0 || !(rcond.val >= STABLE_RCOND)) {
      LOG.debug("Least squares: scaled R_SS ({}x{}) has rcond = {} < {}", s, s, rcond.val, STABLE_RCOND);
      return null;
    }
    DenseMatrix x = cs.transpose(); // solve R_SS X = C_S^T, then M_S = X^T
    Blas.lapack().dpotrs("L", s, h, a, s, x.data, s, info);
    if (info.val != 0) {
      throw new ArithmeticException("dpotrs failed with INFO = " + info.val);
    }
    return x.transpose();
  }

  /**
   * M' = C' V diag(1 / (w + mu)) V^T over the eigenvalues w &gt; MIN_RCOND * max(w), with the smallest
   * mu &gt;= 0 such that (w_min + mu) / (max(w) + mu) &gt;= STABLE_RCOND; mu is returned in
   * out[0] and the number of dropped directions in out[1].
   */
  private static DenseMatrix stabilised(DenseMatrix rt, DenseMatrix ct, double[] out) {
    SymmetricEigen.Result e = SymmetricEigen.decompose(rt);
    int s = rt.rows;
    double wmax = 0;
    for (double w : e.values) {
      wmax = Math.max(wmax, w);
    }
    double cut = MIN_RCOND * wmax;
    double wmin = Double.POSITIVE_INFINITY;
    int dropped = 0;
    for (double w : e.values) {
      if (w > cut) {
        wmin = Math.min(wmin, w);
      } else {
        dropped++;
      }
    }
    double mu = wmin < STABLE_RCOND * wmax ? (STABLE_RCOND * wmax - wmin) / (1 - STABLE_RCOND) : 0.0;
    DenseMatrix t = ct.times(e.vectors); // T = C' V
    int h = ct.rows;
    for (int k = 0; k < s; k++) {
      double w = e.values[k];
      double inv = w > cut ? 1.0 / (w + mu) : 0.0; // T_k <- T_k / (w_k + mu), or 0 for a null direction
      for (int i = k * h; i < (k + 1) * h; i++) {
        t.data[i] *= inv;
      }
    }
    if (dropped > 0 || mu > 0) {
      LOG.debug("Debias: the kept inputs are nearly collinear (scaled R_SS {}x{}, eigenvalues {} .. {}): dropped {} "
          + "null directions (eigenvalue <= {}) and applied the ridge mu = {} (relative to R's diagonal) so that the "
          + "refit stays stable", s, s, wmin, wmax, dropped, cut, mu);
    }
    out[0] = mu;
    out[1] = dropped;
    DenseMatrix mt = new DenseMatrix(h, s);
    DenseMatrix.gemm(1.0, t, false, e.vectors, true, 0.0, mt); // M' = T V^T
    return mt;
  }
}
