package io.nncompress.lnr;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.IterationCounts.History;
import io.nncompress.lnr.IterationCounts.Start;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point for one group-lasso solve: picks FISTA or BCD, solves to a certified relative KKT
 * tolerance, and debiases.
 *
 * <p>Rule (AUTO): FISTA when lambda = 0 or the problem has column groups; otherwise the method
 * with the smaller predicted cost ({@link SolverCost}: work per iteration from h, p and the warm
 * start's kept fraction, times the iterations the previous solves on the path measured, carried to
 * this solve's kept fraction, step from the warm start's lambda and lambda over the tolerance, and
 * converted to the other method by a prior ratio when only one has run: {@link IterationCounts}).
 * BCD's sweep costs about 2 h k^2 flops (k the working set, mostly level-3 thanks to blocking)
 * against FISTA's 2 h k p per iteration, and it needs fewer sweeps than FISTA needs iterations
 * until the kept block R_SS becomes large and ill-conditioned; where the two meet depends on the
 * data, hence a model fed with the counts of the path rather than a fixed threshold. At lambda = 0
 * nothing is penalised and FISTA's acceleration beats cyclic Gauss-Seidel sweeps. The previous fixed
 * rule (FISTA above {@value #BCD_MAX_KEPT_FRACTION} kept, else BCD) stays available for
 * comparison ({@code FistaBenchmark --grid}; figures in docs/benchmarks.md). With {@link #probe} on (off by
 * default), where FISTA's count is measured and BCD is predicted dearer but within
 * {@value SolverCost#PROBE_BAND}x, AUTO probes instead ({@link BcdProbe}): BCD's rate over a few sweeps
 * decides between BCD to the end and FISTA from BCD's iterate; the result is then that of the method
 * that finished (its method and its iterations: FISTA's alone after a hand-over, which is what the
 * path's history needs). Off by default: it wins cells of the grid and, with the bias eliminated, time
 * on the demo's whole lambda searches, but its hand-overs end on other solutions within the tolerance
 * (fewer kept inputs at the same lambda, kept counts not monotone along a bracket), and the searches
 * then end on a worse layer: fc1's keep 627 at a debiased error 0.001805 instead of 0.001675
 * (LambdaSearchBenchmark --probe; docs/benchmarks.md).
 *
 * <p>The unpenalised columns (a layer's bias) are eliminated first ({@link UnpenalisedElimination}):
 * both methods solve the group lasso over the penalised columns with the Schur complement of R, whose
 * largest eigenvalue is the inputs' covariance's rather than their mean's, and the bias follows in
 * closed form. Off with {@link #eliminateUnpenalised} for comparisons.
 *
 * <p>Column groups with more than one column ({@link GroupLassoProblem#withColumnGroups(int[])}, conv
 * channels): AUTO uses FISTA. {@link GroupLassoBcd} solves them too (block proximal steps, no working
 * set and no blocking, see there) when BCD is asked for explicitly, but without an exact block
 * minimiser it needs far more sweeps than FISTA needs iterations on correlated channels.
 */
public final class GroupLassoSolver {
  /** Which solver to use. */
  public enum Method {
    AUTO, FISTA, BCD
  }

  /** The old fixed rule's threshold (FISTA above this kept fraction), kept for the benchmark's comparison. */
  public static final double BCD_MAX_KEPT_FRACTION = 0.9;

  private static final Logger LOG = LoggerFactory.getLogger(GroupLassoSolver.class);

  private double tolerance = 1e-6;
  private int maxIterations = 20000;
  private Method method = Method.AUTO;
  private boolean debias = true;
  private boolean fixedRule = false;
  private boolean probe = false;
  private boolean eliminate = true;

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
    this.method = Objects.requireNonNull(m, "method");
    return this;
  }

  /** AUTO by the old fixed rule ({@link #chooseFixed}) instead of the cost model: for before/after comparisons. */
  public GroupLassoSolver fixedRule(boolean on) {
    this.fixedRule = on;
    return this;
  }

  /**
   * Whether AUTO measures BCD's rate where the model's two predictions are close ({@link BcdProbe},
   * default false: the model's choice alone; see the class comment).
   */
  public GroupLassoSolver probe(boolean on) {
    this.probe = on;
    return this;
  }

  /**
   * Whether the unpenalised columns (a layer's bias) are eliminated in closed form before the solve
   * (default true; {@link UnpenalisedElimination}): the same solution, fewer iterations. Off only for
   * before/after comparisons.
   */
  public GroupLassoSolver eliminateUnpenalised(boolean on) {
    this.eliminate = on;
    return this;
  }

  boolean eliminatesUnpenalised() {
    return eliminate;
  }

  public GroupLassoSolver debias(boolean on) {
    this.debias = on;
    return this;
  }

  public double tolerance() {
    return tolerance;
  }

  /** The solver AUTO uses at this lambda and warm start, without history (see class comment). */
  public static Method choose(GroupLassoProblem problem, double lambda, DenseMatrix warmStart) {
    return choose(problem, lambda, warmStart, Start.UNKNOWN, History.NONE);
  }

  /** The solver AUTO uses at this lambda and warm start, given the previous solve's iterations. */
  public static Method choose(GroupLassoProblem problem, double lambda, DenseMatrix warmStart, History history) {
    return choose(problem, lambda, warmStart, Start.UNKNOWN, history);
  }

  /** The same for a solve from {@code start} ({@link IterationCounts.Start}). */
  public static Method choose(GroupLassoProblem problem, double lambda, DenseMatrix warmStart, Start start,
      History history) {
    return choose(problem, lambda, warmStart, start, history, problem.penalisedCount());
  }

  // base: the penalised columns of the whole problem when this one is screened (see Screening)
  static Method choose(GroupLassoProblem problem, double lambda, DenseMatrix warmStart, Start start, History history,
      int base) {
    if (lambda == 0 || problem.hasNonSingletonGroups()) {
      return Method.FISTA;
    }
    return SolverCost.choose(problem.outputs(), problem.inputs(), problem.penalisedCount(),
        keptPenalised(problem, warmStart), base, start, history);
  }

  /** The old fixed rule (FISTA above {@value #BCD_MAX_KEPT_FRACTION} kept, else BCD), for comparisons. */
  public static Method chooseFixed(GroupLassoProblem problem, double lambda, DenseMatrix warmStart) {
    if (lambda == 0 || problem.hasNonSingletonGroups()) {
      return Method.FISTA;
    }
    if (warmStart == null) {
      return Method.BCD;
    }
    return keptPenalised(problem, warmStart) > BCD_MAX_KEPT_FRACTION * problem.penalisedCount() ? Method.FISTA
        : Method.BCD;
  }

  /** The penalised columns the warm start keeps (0 for null). */
  static int keptPenalised(GroupLassoProblem problem, DenseMatrix warmStart) {
    if (warmStart == null) {
      return 0;
    }
    int w = 0;
    for (int j : GroupLassoProblem.nonzeroColumns(warmStart)) {
      w += problem.isPenalised(j) ? 1 : 0;
    }
    return w;
  }

  /** Solves at lambda from {@code warmStart} (null for 0), debiasing when configured. */
  public LnrResult run(GroupLassoProblem problem, double lambda, DenseMatrix warmStart) {
    LnrResult r = lasso(problem, lambda, warmStart);
    LOG.debug("{}", r);
    return debias ? Debias.apply(problem, r) : r;
  }

  /**
   * Solves at lambda from {@code warmStart} with the previous solve's iteration counts for AUTO
   * (the lasso solution only, not debiased).
   */
  public LnrResult lasso(GroupLassoProblem problem, double lambda, DenseMatrix warmStart, History history) {
    return lasso(problem, lambda, warmStart, tolerance, history, problem.penalisedCount());
  }

  private LnrResult lasso(GroupLassoProblem problem, double lambda, DenseMatrix warmStart) {
    return lasso(problem, lambda, warmStart, tolerance, History.NONE, problem.penalisedCount());
  }

  /** The lasso solve (not debiased) at the given tolerance, AUTO choosing with the path's history. */
  LnrResult lasso(GroupLassoProblem problem, double lambda, DenseMatrix warmStart, double tol,
      History history, int base) {
    UnpenalisedElimination e = eliminate && lambda < problem.lambdaMax() ? problem.elimination() : null;
    if (e != null) { // solve over the penalised columns alone, then M_U in closed form
      LnrResult r = lasso(e.reduced(), lambda, e.project(warmStart), e.tolerance(tol, lambda), history, base);
      return e.lift(r, lambda);
    }
    // tol x kktScale is the same absolute tolerance on every reduced problem: reported relative to the
    // problem the caller gave, the residual is this one's times tolerance / tol
    double report = tolerance / tol;
    // where the solve starts (the step from the warm start's lambda, lambda over the absolute tolerance):
    // only the cost model reads it
    Start start = method == Method.AUTO && !fixedRule && lambda > 0
        ? Start.of(history.warmLambda, lambda, tol * problem.kktScale(lambda)) : Start.UNKNOWN;
    FistaGroupLasso fista = new FistaGroupLasso().tolerance(tol).maxIterations(maxIterations).reportScale(report);
    GroupLassoBcd bcd = new GroupLassoBcd().tolerance(tol).maxSweeps(maxIterations).reportScale(report);
    if (method == Method.AUTO && !fixedRule && probe && lambda > 0 && lambda < problem.lambdaMax()
        && !problem.hasNonSingletonGroups()) {
      int h = problem.outputs();
      int p = problem.inputs();
      int pen = problem.penalisedCount();
      int kept = keptPenalised(problem, warmStart);
      int budget = SolverCost.probeSweeps(h, p, pen, kept, base, start, history);
      if (budget > 0) { // the two predictions are close: measure BCD's rate, then finish with the cheaper
        return probed(fista, bcd, problem, lambda, warmStart,
            new BcdProbe(budget, SolverCost.fista(h, p, pen, kept, base, start, history), h, p));
      }
    }
    Method m = method != Method.AUTO ? method
        : fixedRule ? chooseFixed(problem, lambda, warmStart) : choose(problem, lambda, warmStart, start, history, base);
    return m == Method.FISTA ? fista.solve(problem, lambda, warmStart) : bcd.solve(problem, lambda, warmStart);
  }

  /**
   * BCD watched by the probe: its result when it ran to the tolerance, else FISTA's from where the probe
   * stopped it (see {@link BcdProbe}).
   */
  static LnrResult probed(FistaGroupLasso fista, GroupLassoBcd bcd, GroupLassoProblem problem, double lambda,
      DenseMatrix warmStart, BcdProbe probe) {
    LnrResult r = bcd.solve(problem, lambda, warmStart, probe);
    return r != null ? r : fista.solve(problem, lambda, probe.stoppedAt());
  }
}
