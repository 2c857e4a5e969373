package io.nncompress.lnr;

import io.nncompress.linalg.DenseMatrix;

/** A solver of {@link GroupLassoProblem} at a fixed lambda, certified by the KKT residual. */
public interface GroupLassoMethod {
  /**
   * Solves from {@code warmStart} (h x p, or null for M = 0). The result is the lasso solution, not
   * debiased; {@link LnrResult#converged} says whether the relative KKT residual reached the tolerance.
   */
  LnrResult solve(GroupLassoProblem problem, double lambda, DenseMatrix warmStart);

  /** The relative KKT tolerance this solver stops at. */
  double tolerance();
}
