package io.nncompress.lnr;

import io.nncompress.linalg.DenseMatrix;

/**
 * Removes the lasso shrinkage (LNR talk, "Tackling Lasso bias"): keep the support S of the lasso
 * solution (nonzero plus unpenalised columns) and refit M_S = C_S R_SS^{-1} without penalty
 * ({@link LeastSquares}).
 */
public final class Debias {
  private Debias() {
  }

  /** The result with its debiased matrix and relative error; a no-op if already debiased. */
  public static LnrResult apply(GroupLassoProblem problem, LnrResult lasso) {
    if (lasso.debiased) {
      return lasso;
    }
    LeastSquares.Solution ls = LeastSquares.solveOnSupport(problem, lasso.support());
    DenseMatrix m = ls.matrix;
    double e = problem.squaredError(m);
    double rel = problem.yy > 0 ? e / problem.yy : (e == 0 ? 0.0 : Double.NaN);
    return lasso.withDebiased(m, rel, ls.fallback);
  }
}
