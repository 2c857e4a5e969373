package io.nncompress.lnr;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.progress.Edge;
import io.nncompress.progress.Progress;
import io.nncompress.progress.ProgressEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds lambda from a target: a number or fraction of input neurons (penalised groups: columns, or
 * column groups such as channels when the problem has them) to keep, or a
 * largest relative reconstruction error E||Y - M X||^2 / E||Y||^2 measured after debiasing.
 *
 * <p>Path ({@link Strategy#PATH}, the default, {@link PathSearch}): lambda_0 = lambda_max (closed form,
 * {@link GroupLassoProblem#lambdaMax()}: nothing kept), then the geometric grid
 * lambda_i = lambda_max * ratio^i, each solve warm-started from the previous solution and screened by
 * the strong rule with a KKT check of the discarded columns ({@link Screening}), until the target is
 * met or passed; then the bracket between the last two points is narrowed by interpolation in
 * log(lambda) (safeguarded by bisection), each solve starting from the nearer end. A count target
 * stops when the count is hit exactly; an error target returns the largest lambda found whose
 * debiased error meets it (fewest columns). Every solve is recorded in the path (lambda, kept, errors,
 * iterations). {@link Strategy#BISECTION} is the search before issue 18 ({@link BisectionSearch}).
 *
 * <p>Every target terminates. When lambda_max = 0, up to rounding (an all-zero weight, inputs that are
 * constant, or no output rows left to reconstruct), no input can lower the error, so the solution that keeps no penalised group is optimal
 * for every lambda: it is returned at once, with {@link Result#targetReached} false unless the target
 * asked for exactly that, {@link Result#noInputHelps} true and a WARN saying so (callers such as the LNR compressor keep such a layer
 * whole). A target of keeping 0 groups returns that closed-form solution at lambda_max; a fraction
 * f &gt; 0 keeps at least one group (see {@link Target#keepFraction}).
 */
public final class LambdaSearch {
  private static final Logger LOG = LoggerFactory.getLogger(LambdaSearch.class);

  /** What to aim for. */
  public static final class Target {
    final int keepCount; // -1 when the target is an error
    final double keepFraction; // NaN unless a fraction
    final double maxRelativeError; // NaN unless an error

    private Target(int keepCount, double keepFraction, double maxRelativeError) {
      this.keepCount = keepCount;
      this.keepFraction = keepFraction;
      this.maxRelativeError = maxRelativeError;
    }

    /** Keep exactly n input neurons (penalised groups; columns without groups). */
    public static Target keepCount(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("keepCount must be non-negative, cannot be: " + n);
      }
      return new Target(n, Double.NaN, Double.NaN);
    }

    /**
     * Keep round(f * number of penalised groups) input neurons, and at least one when f &gt; 0 (a small
     * fraction of a small layer keeps one input rather than emptying it); f = 0 keeps none.
     */
    public static Target keepFraction(double f) {
      if (!(f >= 0 && f <= 1)) {
        throw new IllegalArgumentException("keepFraction must be in [0, 1], cannot be: " + f);
      }
      return new Target(-1, f, Double.NaN);
    }

    /** Fewest columns with E||Y - M X||^2 / E||Y||^2 <= e after debiasing (needs E||Y||^2). */
    public static Target maxRelativeError(double e) {
      if (!(e >= 0) || Double.isInfinite(e)) {
        throw new IllegalArgumentException("maxRelativeError must be non-negative and finite, cannot be: " + e);
      }
      return new Target(-1, Double.NaN, e);
    }

    boolean isError() {
      return !Double.isNaN(maxRelativeError);
    }

    /** The number of inputs to keep of a {@link #keepCount(int)} target; -1 for the other targets. */
    public int keepCount() {
      return keepCount;
    }

    int count(GroupLassoProblem problem) {
      if (keepCount >= 0) {
        if (keepCount > problem.groupCount()) {
          throw new IllegalArgumentException("keepCount must be at most the " + problem.groupCount()
              + " penalised groups, cannot be: " + keepCount);
        }
        return keepCount;
      }
      int n = (int) Math.round(keepFraction * problem.groupCount());
      return keepFraction > 0 && problem.groupCount() > 0 ? Math.max(1, n) : n;
    }

    @Override
    public String toString() {
      return isError() ? "relative error <= " + maxRelativeError
          : keepCount >= 0 ? "keep " + keepCount : "keep fraction " + keepFraction;
    }
  }

  /** One solve on the path. */
  public static final class PathPoint implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    public final double lambda;
    /** Kept groups (columns without groups). */
    public final int kept;
    public final double relativeErrorLasso;
    public final double relativeErrorDebiased;
    public final int iterations;
    /** "grid" or "bisection". */
    public final String phase;
    public final String method;

    PathPoint(LnrResult r, String phase) {
      this.lambda = r.lambda;
      this.kept = r.keptGroupCount();
      this.relativeErrorLasso = r.relativeErrorLasso;
      this.relativeErrorDebiased = r.relativeErrorDebiased;
      this.iterations = r.iterations;
      this.phase = phase;
      this.method = r.method;
    }

    @Override
    public String toString() {
      return String.format("%s lambda=%.6g kept=%d err=%.4g debiased=%.4g iter=%d (%s)", phase, lambda, kept,
          relativeErrorLasso, relativeErrorDebiased, iterations, method);
    }
  }

  /** The chosen solution and the whole path. */
  public static final class Result {
    /** The chosen solution, debiased. */
    public final LnrResult solution;
    public final double lambdaMax;
    public final boolean targetReached;
    public final int totalIterations;
    public final List<PathPoint> path;
    /**
     * lambda_max is 0 up to rounding (relative to the gradient at M = 0): no input lowers the error,
     * keeping none is optimal at every lambda (an all-zero weight, inputs that are constant, or no
     * output rows).
     */
    public final boolean noInputHelps;

    Result(LnrResult solution, double lambdaMax, boolean targetReached, List<PathPoint> path) {
      this(solution, lambdaMax, targetReached, path, false);
    }

    Result(LnrResult solution, double lambdaMax, boolean targetReached, List<PathPoint> path, boolean noInputHelps) {
      this.noInputHelps = noInputHelps;
      this.solution = solution;
      this.lambdaMax = lambdaMax;
      this.targetReached = targetReached;
      this.path = Collections.unmodifiableList(path);
      int it = 0;
      for (PathPoint pt : path) {
        it += pt.iterations;
      }
      this.totalIterations = it;
    }

    /** The same result, marked as (not) meeting the caller's target. */
    public Result withTargetReached(boolean reached) {
      return new Result(solution, lambdaMax, reached, path, noInputHelps);
    }

    public double lambda() {
      return solution.lambda;
    }
  }

  /** lambda_max at most this times the gradient scale at M = 0 ({@link GroupLassoProblem#kktScale}) counts as 0. */
  static final double NEGLIGIBLE_LAMBDA_MAX = 1e-10;

  private final GroupLassoSolver solver;
  private double gridRatio = 0.7;
  private int maxBisections = 60;
  private double minLambdaRatio = 1e-6;

  /** A search with {@link GroupLassoSolver#defaults()} (AUTO method; debiasing is always applied here). */
  public LambdaSearch() {
    this(GroupLassoSolver.defaults());
  }

  public LambdaSearch(GroupLassoSolver solver) {
    this.solver = solver;
  }

  /** Grid ratio lambda_{i+1} / lambda_i in (0, 1), default 0.7. */
  public LambdaSearch gridRatio(double ratio) {
    if (!(ratio > 0 && ratio < 1)) {
      throw new IllegalArgumentException("gridRatio must be in (0, 1), cannot be: " + ratio);
    }
    this.gridRatio = ratio;
    return this;
  }

  /** Bisection steps at most (default 60). */
  public LambdaSearch maxBisections(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("maxBisections must be non-negative, cannot be: " + n);
    }
    this.maxBisections = n;
    return this;
  }

  /** How the search moves along lambda. */
  public enum Strategy {
    /**
     * The default: the path from lambda_max down with warm starts and strong-rule screening, then the
     * bracket narrowed by interpolation (see {@link PathSearch}).
     */
    PATH,
    /** The search before issue 18: grid, then bisection, no screening (see {@link BisectionSearch}). */
    BISECTION
  }

  private Strategy strategy = Strategy.PATH;
  private boolean resolvableTie = true;

  /**
   * The path search's tie (default on): a bracket narrower than the solver's tolerance can resolve ends
   * the search ({@link PathSearch#tie}); off, every bracket is narrowed to 1e-9 relative (the search
   * before, kept for {@code LambdaSearchBenchmark --tie}).
   */
  public LambdaSearch resolvableTie(boolean on) {
    this.resolvableTie = on;
    return this;
  }

  boolean resolvableTie() {
    return resolvableTie;
  }

  /** The search strategy (default PATH). */
  public LambdaSearch strategy(Strategy s) {
    this.strategy = java.util.Objects.requireNonNull(s, "strategy");
    return this;
  }

  double gridRatio() {
    return gridRatio;
  }

  int maxBisections() {
    return maxBisections;
  }

  double minLambdaRatio() {
    return minLambdaRatio;
  }

  GroupLassoSolver solver() {
    return solver;
  }

  public Result search(GroupLassoProblem problem, Target target) {
    if (target.isError() && !(problem.yy > 0)) {
      throw new IllegalArgumentException("An error target needs E||Y||^2 > 0 in the problem, given yy = " + problem.yy);
    }
    return strategy == Strategy.PATH ? PathSearch.run(this, problem, target) : BisectionSearch.run(this, problem, target);
  }

  /** The closed form at lambda_max when it is 0 up to rounding: nothing to search (see class comment). */
  static Result noInputHelps(GroupLassoProblem problem, Target target, LnrResult sparse, double lmax,
      List<PathPoint> path) {
    LOG.warn("Lambda search: lambda_max = {} ~ 0, no input lowers the reconstruction error (an all-zero weight, or no "
        + "output left to reconstruct); the target ({}) cannot be reached, returning the solution that keeps no "
        + "input", lmax, target);
    return new Result(sparse, lmax, false, path, true);
  }

  LnrResult solve(GroupLassoProblem problem, Target target, double lambda, DenseMatrix warm, String phase,
      List<PathPoint> path) {
    return record(problem, target, Debias.apply(problem, solver.run(problem, lambda, warm)), phase, path);
  }

  /** Adds a debiased solve to the path (and reports it). */
  static LnrResult record(GroupLassoProblem problem, Target target, LnrResult r, String phase, List<PathPoint> path) {
    double lambda = r.lambda;
    path.add(new PathPoint(r, phase));
    LOG.debug("{}", path.get(path.size() - 1));
    if (Progress.enabled()) {
      Progress.report("solver", Edge.END, ProgressEvent.info(ProgressEvent.LAMBDA)
          .put(ProgressEvent.LAMBDA_VALUE, lambda).put(ProgressEvent.MESSAGE, phase)
          .put(ProgressEvent.KEPT, r.keptGroupCount()).put(ProgressEvent.TOTAL, problem.groupCount())
          .put(ProgressEvent.TARGET, target.isError() ? (Object) target.maxRelativeError : target.count(problem))
          .put(ProgressEvent.RELATIVE_ERROR, r.relativeErrorDebiased).put(ProgressEvent.ITERATION, r.iterations)
          .put(ProgressEvent.METHOD, r.method));
    }
    return r;
  }

  /**
   * Compares a solution with the target: for a count, sign(kept - target); for an error, 0 when the
   * debiased error meets the target and -1 when it does not.
   */
  static int meets(GroupLassoProblem problem, Target target, LnrResult r) {
    if (target.isError()) {
      return r.relativeErrorDebiased <= target.maxRelativeError ? 0 : -1;
    }
    return Integer.compare(r.keptGroupCount(), target.count(problem));
  }

  /**
   * A count target the search could not hit, from the solution r at the dense end of its last bracket
   * (more than n groups kept): r's lasso matrix with all but its n largest kept groups (Frobenius norm
   * of the group's columns) set to zero, then debiased on that support. At a loose solver tolerance the
   * kept count jumps over the target near it, by the warm start (bottom-up demo, fc1 at 1e-4: 626 kept
   * down to a bracket of 1e-9 relative, 628 at its dense end, 627 asked); the smallest groups are those
   * that would leave first as lambda grows. The lasso part (lambda, iterations, KKT residual) is r's.
   */
  static LnrResult keepLargest(GroupLassoProblem problem, LnrResult r, int n) {
    int h = problem.outputs();
    int[] groups = r.keptGroups;
    double[] norm = new double[groups.length];
    DenseMatrix m = r.lassoMatrix.copy();
    for (int j : r.keptColumns) {
      norm[Arrays.binarySearch(groups, problem.groupOf(j))] += GroupLassoProblem.columnSquaredNorm(m.data,
          h, j);
    }
    Integer[] order = new Integer[groups.length];
    Arrays.setAll(order, k -> k);
    Arrays.sort(order, Comparator.comparingDouble(k -> norm[k])); // stable: equal norms in group order
    boolean[] drop = new boolean[groups.length];
    for (int k = 0; k < groups.length - n; k++) {
      drop[order[k]] = true;
    }
    for (int j : r.keptColumns) {
      if (drop[Arrays.binarySearch(groups, problem.groupOf(j))]) {
        Arrays.fill(m.data, j * h, j * h + h, 0.0);
      }
    }
    LOG.info("Lambda search: no lambda found that keeps exactly {} (the nearest above keeps {} at lambda = {}); "
        + "kept its {} largest and refitted them", n, groups.length, r.lambda, n);
    return Debias.apply(problem, // no solver iterations of its own: the path's total counts r's once
        LnrResult.ofLasso(r.method, problem, r.lambda, m, null, 0, r.converged, r.kktResidual));
  }

  static Result finish(GroupLassoProblem problem, Target target, LnrResult r, double lmax,
      List<PathPoint> path) {
    boolean reached = meets(problem, target, r) == 0;
    if (!reached) {
      LOG.warn("Lambda search could not reach the target ({}) exactly; returning lambda = {} with {} groups kept "
          + "and debiased relative error {}", target, r.lambda, r.keptGroupCount(), r.relativeErrorDebiased);
    }
    return new Result(r, lmax, reached, path);
  }
}
