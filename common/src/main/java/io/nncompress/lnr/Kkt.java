package io.nncompress.lnr;

/**
 * The optimality certificate shared by every group-lasso solver.
 *
 * <p>M is optimal for f(M) + lambda sum_{j penalised} ||M_j|| iff 0 is in the subdifferential, i.e.
 * for every column j, with G = M R - C:
 * <ul>
 *   <li>unpenalised j: G_j = 0, violation ||G_j||;</li>
 *   <li>penalised, M_j != 0: G_j = -lambda M_j / ||M_j||, violation ||G_j + lambda M_j/||M_j|| ||;</li>
 *   <li>penalised, M_j = 0: ||G_j|| <= lambda, violation max(0, ||G_j|| - lambda).</li>
 * </ul>
 * With column groups the penalised conditions hold per group G with Frobenius norms: nonzero group
 * ||G_G + lambda M_G / ||M_G||_F||_F, zero group max(0, ||G_G||_F - lambda).
 * The residual is the largest violation. Solvers divide it by
 * {@link GroupLassoProblem#kktScale(double)} = max(lambda, max_j ||C_j||) so that the tolerance is
 * relative to the size of the gradient at M = 0.
 */
final class Kkt {
  private Kkt() {
  }

  /** Absolute KKT residual max_j violation_j for column-major M and G (h rows, p columns). */
  static double residual(GroupLassoProblem problem, double[] m, double[] g, double lambda) {
    int h = problem.outputs();
    int p = problem.inputs();
    double worst = 0;
    if (problem.hasColumnGroups()) {
      for (int j = 0; j < p; j++) {
        if (!problem.isPenalised(j)) {
          worst = Math.max(worst, columnViolation(false, m, j * h, g, j * h, h, lambda));
        }
      }
      for (int k = 0; k < problem.groupCount(); k++) {
        worst = Math.max(worst, groupViolation(problem.groupColumnsUnsafe(k), m, g, h, lambda));
      }
      return worst;
    }
    for (int j = 0; j < p; j++) {
      worst = Math.max(worst, columnViolation(problem.isPenalised(j), m, j * h, g, j * h, h, lambda));
    }
    return worst;
  }

  /** The violation of one penalised group of columns (M and G column-major with h rows). */
  static double groupViolation(int[] cols, double[] m, double[] g, int h, double lambda) {
    double mm = 0;
    double gg = 0;
    for (int j : cols) {
      for (int q = j * h; q < (j + 1) * h; q++) {
        mm += m[q] * m[q];
        gg += g[q] * g[q];
      }
    }
    if (mm == 0) {
      return Math.max(0.0, Math.sqrt(gg) - lambda); // ||G_G||_F <= lambda
    }
    double s = lambda / Math.sqrt(mm); // ||G_G + lambda M_G / ||M_G||_F||_F
    double v = 0;
    for (int j : cols) {
      for (int q = j * h; q < (j + 1) * h; q++) {
        double t = g[q] + s * m[q];
        v += t * t;
      }
    }
    return Math.sqrt(v);
  }

  /** The violation of one column: M_j at m[mb..mb+h), G_j at g[gb..gb+h) (see class comment). */
  static double columnViolation(boolean penalised, double[] m, int mb, double[] g, int gb, int h, double lambda) {
    double mm = 0;
    double gg = 0;
    for (int i = 0; i < h; i++) {
      mm += m[mb + i] * m[mb + i];
      gg += g[gb + i] * g[gb + i];
    }
    if (!penalised) {
      return Math.sqrt(gg);
    }
    if (mm == 0) {
      return Math.max(0.0, Math.sqrt(gg) - lambda);
    }
    double s = lambda / Math.sqrt(mm); // ||G_j + s M_j||, summed directly (no cancellation)
    double v = 0;
    for (int i = 0; i < h; i++) {
      double t = g[gb + i] + s * m[mb + i];
      v += t * t;
    }
    return Math.sqrt(v);
  }
}
