package io.nncompress.lnr;

import io.nncompress.linalg.DenseMatrix;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point for one group-lasso solve: picks FISTA or BCD, solves to a certified relative KKT
 * tolerance, and debiases.
 *
 * <p>Rule (AUTO): estimate the number of kept columns k by the strong rule (penalised j with
 * ||G_j(M0)|| >= 2 lambda - lambda_max, see {@link GroupLassoProblem#strongRuleCount}), or by the
 * support of the warm start when larger; use BCD when k <= {@value #BCD_MAX_KEPT_FRACTION} * p,
 * FISTA otherwise. Why: a BCD sweep costs h k^2 flops through level-2 dger, a FISTA iteration
 * h k p through one level-3 GEMM, and BCD needs far fewer sweeps than FISTA needs iterations; when k
 * is a large fraction of p, GEMM efficiency and the fact that BCD's sweep count grows with the
 * conditioning of R_SS make FISTA faster. The threshold comes from {@code io.nncompress.bench.FistaBenchmark}
 * (figures in its javadoc).
 */
public final class GroupLassoSolver {
  /** Which solver to use. */
  public enum Method {
    AUTO, FISTA, BCD
  }

  /** AUTO picks BCD when the expected kept fraction is at most this. */
  public static final double BCD_MAX_KEPT_FRACTION = 0.25;

  private static final Logger LOG = LoggerFactory.getLogger(GroupLassoSolver.class);

  private double tolerance = 1e-6;
  private int maxIterations = 20000;
  private Method method = Method.AUTO;
  private boolean debias = true;

  /** The defaults: AUTO, relative KKT tolerance 1e-6, at most 20000 iterations, debiasing on. */
  public static GroupLassoSolver defaults() {
    return new GroupLassoSolver();
  }

  /** Solves with the defaults from M = 0. */
  public static LnrResult solve(GroupLassoProblem problem, double lambda) {
    return defaults().run(problem, lambda, null);
  }

  public GroupLassoSolver tolerance(double tol) {
    if (!(tol > 0)) {
      throw new IllegalArgumentException("tolerance must be positive, cannot be: " + tol);
    }
    this.tolerance = tol;
    return this;
  }

  public GroupLassoSolver maxIterations(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("maxIterations must be at least 1, cannot be: " + n);
    }
    this.maxIterations = n;
    return this;
  }

  public GroupLassoSolver method(Method m) {
    this.method = java.util.Objects.requireNonNull(m, "method");
    return this;
  }

  public GroupLassoSolver debias(boolean on) {
    this.debias = on;
    return this;
  }

  public double tolerance() {
    return tolerance;
  }

  /** The solver AUTO would use at this lambda and warm start (see class comment). */
  public static Method choose(GroupLassoProblem problem, double lambda, DenseMatrix warmStart) {
    int k = problem.strongRuleCount(lambda);
    if (warmStart != null) {
      int[] nz = GroupLassoProblem.nonzeroColumns(warmStart);
      int w = 0;
      for (int j : nz) {
        w += problem.isPenalised(j) ? 1 : 0;
      }
      k = Math.max(k, w);
    }
    return k <= BCD_MAX_KEPT_FRACTION * problem.inputs() ? Method.BCD : Method.FISTA;
  }

  /** The configured method as a solver object (AUTO resolved for this lambda and warm start). */
  GroupLassoMethod solverFor(GroupLassoProblem problem, double lambda, DenseMatrix warmStart) {
    Method m = method == Method.AUTO ? choose(problem, lambda, warmStart) : method;
    if (m == Method.BCD) {
      return new GroupLassoBcd().tolerance(tolerance).maxSweeps(maxIterations);
    }
    return new FistaGroupLasso().tolerance(tolerance).maxIterations(maxIterations);
  }

  /** Solves at lambda from {@code warmStart} (null for 0), debiasing when configured. */
  public LnrResult run(GroupLassoProblem problem, double lambda, DenseMatrix warmStart) {
    GroupLassoMethod solver = solverFor(problem, lambda, warmStart);
    LnrResult r = solver.solve(problem, lambda, warmStart);
    LOG.debug("{}", r);
    return debias ? Debias.apply(problem, r) : r;
  }
}
