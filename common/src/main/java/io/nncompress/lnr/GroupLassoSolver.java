package io.nncompress.lnr;

import io.nncompress.linalg.DenseMatrix;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point for one group-lasso solve: picks FISTA or BCD, solves to a certified relative KKT
 * tolerance, and debiases.
 *
 * <p>Rule (AUTO), with F = {@value #BCD_MAX_KEPT_FRACTION}:
 * <ul>
 *   <li>a warm start that already keeps more than F p columns goes to FISTA;</li>
 *   <li>otherwise BCD runs with its working set limited to F p columns; if the working set would grow
 *       past that (the solution is dense), BCD stops and FISTA continues from the BCD iterate (method
 *       reported as "bcd&gt;fista", iterations = BCD sweeps + FISTA iterations).</li>
 * </ul>
 * The support size is not known before solving and a-priori estimates (the strong rule) keep almost
 * every column on correlated data, so the rule tests the support as it grows. Why the threshold: a
 * BCD sweep costs h k^2 flops through level-2 dger, a FISTA iteration h k p through one level-3 GEMM
 * (k = columns kept); BCD needs about as many sweeps as FISTA needs iterations at moderate sparsity,
 * but its sweep count grows with the conditioning of the kept block R_SS as k approaches p.
 * Evidence ({@code io.nncompress.bench.FistaBenchmark}, h = d = 1024, native OpenBLAS, 2 shared
 * cores, tolerance 1e-6): kept 25% BCD 3.1 s vs FISTA 6.7 s; 47% 2.7 s vs 7.1 s; 66% 14.0 s vs
 * 33.6 s; 91% BCD 278 s vs FISTA 61 s.
 */
public final class GroupLassoSolver {
  /** Which solver to use. */
  public enum Method {
    AUTO, FISTA, BCD
  }

  /** AUTO hands over from BCD to FISTA when more than this fraction of the columns is in play. */
  public static final double BCD_MAX_KEPT_FRACTION = 0.75;

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

  /**
   * The solver AUTO starts with at this warm start: FISTA when the warm start keeps more than
   * {@value #BCD_MAX_KEPT_FRACTION} of the penalised columns, BCD otherwise (BCD may still hand over).
   */
  public static Method choose(GroupLassoProblem problem, DenseMatrix warmStart) {
    if (warmStart == null) {
      return Method.BCD;
    }
    int w = 0;
    for (int j : GroupLassoProblem.nonzeroColumns(warmStart)) {
      w += problem.isPenalised(j) ? 1 : 0;
    }
    return w > BCD_MAX_KEPT_FRACTION * problem.penalisedCount() ? Method.FISTA : Method.BCD;
  }

  /** Solves at lambda from {@code warmStart} (null for 0), debiasing when configured. */
  public LnrResult run(GroupLassoProblem problem, double lambda, DenseMatrix warmStart) {
    LnrResult r = lasso(problem, lambda, warmStart);
    LOG.debug("{}", r);
    return debias ? Debias.apply(problem, r) : r;
  }

  private LnrResult lasso(GroupLassoProblem problem, double lambda, DenseMatrix warmStart) {
    FistaGroupLasso fista = new FistaGroupLasso().tolerance(tolerance).maxIterations(maxIterations);
    GroupLassoBcd bcd = new GroupLassoBcd().tolerance(tolerance).maxSweeps(maxIterations);
    switch (method) {
      case FISTA:
        return fista.solve(problem, lambda, warmStart);
      case BCD:
        return bcd.solve(problem, lambda, warmStart);
      default:
        if (choose(problem, warmStart) == Method.FISTA) {
          return fista.solve(problem, lambda, warmStart);
        }
        GroupLassoBcd.Outcome o = bcd.maxKeptFraction(BCD_MAX_KEPT_FRACTION).solveOutcome(problem, lambda, warmStart);
        if (!o.abandoned) {
          return o.result;
        }
        LnrResult f = fista.maxIterations(Math.max(1, maxIterations - o.result.iterations))
            .solve(problem, lambda, o.result.lassoMatrix);
        return f.relabel("bcd>fista", o.result.iterations + f.iterations);
    }
  }
}
