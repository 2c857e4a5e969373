package io.nncompress.lnr;

import io.nncompress.lnr.IterationCounts.History;
import io.nncompress.lnr.IterationCounts.Start;
import io.nncompress.lnr.LambdaSearch.PathPoint;
import io.nncompress.lnr.LambdaSearch.Result;
import io.nncompress.lnr.LambdaSearch.Target;
import java.util.ArrayList;
import java.util.List;

/**
 * The default lambda search ({@link LambdaSearch.Strategy#PATH}): the regularisation path from
 * lambda_max down, each solve warm-started from the previous one and screened with the strong rule
 * ({@link Screening}: columns certified zero after the solve are left out of the iterations), then the
 * bracket around the target narrowed on the path.
 *
 * <p>Path: lambda_0 = lambda_max (closed form), lambda_i = lambda_max * ratio^i until the target is met
 * or passed. Bracket [dense, sparse] (target passed or met at the smaller lambda, not yet at the
 * larger): the next lambda interpolates in log(lambda) (a count target: the kept count, linear in
 * log lambda between the ends; an error target: log of the debiased error), kept within 10-90% of the
 * bracket, and falls back to the geometric mean whenever the previous step did not halve the bracket.
 * Each solve starts from the nearer end of the bracket (warm start and screening norms). Stops like
 * {@link BisectionSearch}: a count hit exactly, an error target's ends with adjacent counts, or a
 * bracket narrower than the solver's tolerance can resolve ({@link #tie}, at least {@value #TIE}
 * relative); so both searches return the same kept set at a tight tolerance (at a loose one, such as
 * the demo's 1e-4, inputs on the verge of entering may differ). A count target not hit keeps the largest groups of the bracket's dense end
 * ({@link LambdaSearch#keepLargest}). The grid steps are lengthened by extrapolation ({@link #stepRatio}). The solver choice
 * (AUTO) gets the previous solves' iteration counts and where they started, and the warm start's lambda
 * ({@link IterationCounts.History}).
 */
final class PathSearch {
  private PathSearch() {
  }

  /** A solved point: the debiased result and ||G_j|| at its lasso solution (for screening). */
  private static final class Point {
    final LnrResult r;
    final double[] norms;

    Point(LnrResult r, double[] norms) {
      this.r = r;
      this.norms = norms;
    }
  }

  private static final class Walk {
    final LambdaSearch cfg;
    final GroupLassoProblem problem;
    final Target target;
    final List<PathPoint> path = new ArrayList<>();
    History history = History.NONE;

    Walk(LambdaSearch cfg, GroupLassoProblem problem, Target target) {
      this.cfg = cfg;
      this.problem = problem;
      this.target = target;
    }

    Point step(double lambda, Point from, String phase) {
      GroupLassoSolver solver = cfg.solver();
      Screening.Outcome o = Screening.solve(solver, problem, lambda, from.r.lassoMatrix, from.r.lambda, from.norms,
          history.from(from.r.lambda));
      if (o.lasso.iterations > 0) {
        int pen = problem.penalisedCount();
        history = history.after(o.lasso.method, o.lasso.iterations,
            pen == 0 ? 0 : GroupLassoSolver.keptPenalised(problem, from.r.lassoMatrix) / (double) pen,
            Start.of(from.r.lambda, lambda, solver.tolerance() * problem.kktScale(lambda)));
      }
      LnrResult r = LambdaSearch.record(problem, target, Debias.apply(problem, o.lasso), phase, path);
      return new Point(r, o.gradientNorms);
    }

    int meets(Point pt) {
      return LambdaSearch.meets(problem, target, pt.r);
    }

    Result finish(Point pt, double lmax) {
      return LambdaSearch.finish(problem, target, pt.r, lmax, path);
    }
  }

  static Result run(LambdaSearch cfg, GroupLassoProblem problem, Target target) {
    Walk walk = new Walk(cfg, problem, target);
    double lmax = problem.lambdaMax();
    LnrResult top = LambdaSearch.record(problem, target,
        Debias.apply(problem, cfg.solver().lasso(problem, lmax, null, cfg.solver().tolerance(),
            History.NONE, problem.penalisedCount())),
        "grid", walk.path);
    Point sparse = new Point(top, problem.screeningNorms());
    if (walk.meets(sparse) >= 0) {
      return walk.finish(sparse, lmax);
    }
    if (!(lmax > LambdaSearch.NEGLIGIBLE_LAMBDA_MAX * problem.kktScale(0))) {
      return LambdaSearch.noInputHelps(problem, target, sparse.r, lmax, walk.path);
    }
    Point dense = null;
    Point before = null;
    double lambda = lmax;
    while (dense == null) {
      lambda *= stepRatio(problem, target, before, sparse, cfg.gridRatio());
      boolean last = lambda < cfg.minLambdaRatio() * lmax;
      if (last) {
        lambda = 0.0;
      }
      Point pt = walk.step(lambda, sparse, "grid");
      int cmp = walk.meets(pt);
      if (cmp == 0 && !target.isError()) {
        return walk.finish(pt, lmax);
      }
      if (cmp >= 0) {
        dense = pt;
      } else if (last) {
        return walk.finish(pt, lmax); // unreachable: even lambda = 0 falls short
      } else {
        before = sparse;
        sparse = pt;
      }
    }
    boolean bisect = false;
    double width = dense.r.lambda > 0 ? Math.log(sparse.r.lambda / dense.r.lambda) : Double.NaN;
    for (int b = 0; b < cfg.maxBisections(); b++) {
      if (target.isError() && dense.r.keptGroupCount() - sparse.r.keptGroupCount() <= 1) {
        break; // no support strictly between the ends
      }
      double hi = sparse.r.lambda;
      double lo = dense.r.lambda;
      if (lo > 0 && hi / lo < 1 + (cfg.resolvableTie() ? tie(problem, lo, cfg.solver().tolerance()) : TIE)) {
        break; // a tie: two inputs enter together, or closer than the solver's tolerance can tell apart
      }
      double mid;
      Point from;
      if (lo > 0) {
        double frac = bisect ? 0.5 : Math.min(0.9, Math.max(0.1, interpolate(problem, target, sparse.r, dense.r)));
        mid = Math.exp(Math.log(hi) - frac * (Math.log(hi) - Math.log(lo)));
        // a count target starts from the sparse end: at a loose tolerance a solve warm-started from the
        // dense end leaves inputs on the verge of leaving in, and the count flickers above the target
        from = frac <= 0.5 || !target.isError() ? sparse : dense;
      } else {
        mid = 0.5 * hi;
        from = sparse;
      }
      Point pt = walk.step(mid, from, "bracket");
      int cmp = walk.meets(pt);
      if (cmp == 0 && !target.isError()) {
        return walk.finish(pt, lmax);
      }
      if (cmp >= 0) {
        dense = pt;
      } else {
        sparse = pt;
      }
      double w = dense.r.lambda > 0 ? Math.log(sparse.r.lambda / dense.r.lambda) : Double.NaN;
      bisect = !bisect && !(w <= 0.5 * width); // the step did not halve the bracket: bisect next
      width = w;
    }
    if (!target.isError() && dense.r.keptGroupCount() > target.count(problem)) { // a count not hit: the largest
      return walk.finish(new Point(LambdaSearch.record(problem, target,
          LambdaSearch.keepLargest(problem, dense.r, target.count(problem)), "largest", walk.path), dense.norms), lmax);
    }
    return walk.finish(dense, lmax);
  }

  /** The narrowest bracket (relative) the search narrows, at any tolerance: as {@link BisectionSearch}. */
  static final double TIE = 1e-9;

  /**
   * A bracket [lambda, lambda (1 + w)] with w below this is a tie, and the search ends at its dense end
   * (a count target not hit: {@link LambdaSearch#keepLargest}). An input that enters the path at
   * lambda' &gt; lambda violates its zero condition at lambda by ||G_j|| - lambda, about lambda' - lambda
   * (the strong rule's unit slope); a solve stops once every violation is below tolerance * kktScale, so
   * two lambdas closer than tolerance * kktScale(lambda) / lambda relative are told apart only by the warm
   * start, not by the solver: the kept count flickers there (the demo's bottom-up fc1 at 1e-4: 626 at
   * every lambda down to 1e-9 above the end that keeps 628, 21 solves). Never below {@value #TIE}.
   */
  static double tie(GroupLassoProblem problem, double lambda, double tolerance) {
    return Math.max(TIE, tolerance * problem.kktScale(lambda) / lambda);
  }

  /** The smallest step ratio lambda_{i+1} / lambda_i the extrapolation may take (two grid steps of 0.5). */
  static final double MIN_STEP_RATIO = 0.25;

  /**
   * The next step down the path, lambda_{i+1} / lambda_i: the grid ratio, or a longer step to where
   * the target is predicted by extrapolating the last two points (the kept count, or log of the
   * debiased error, linear in log lambda), at most down to {@value #MIN_STEP_RATIO}. On the demo's
   * layers the count grows faster than linearly in -log lambda, so the extrapolation from the last
   * two points falls short of the target rather than past it.
   */
  static double stepRatio(GroupLassoProblem problem, Target target, Point a, Point b, double gridRatio) {
    if (a == null || !(b.r.lambda > 0) || !(a.r.lambda > b.r.lambda)) {
      return gridRatio;
    }
    double dx = Math.log(a.r.lambda) - Math.log(b.r.lambda);
    double need;
    double slope;
    if (target.isError()) {
      double ea = a.r.relativeErrorDebiased;
      double eb = b.r.relativeErrorDebiased;
      if (!(ea > eb && eb > target.maxRelativeError && target.maxRelativeError > 0)) {
        return gridRatio;
      }
      slope = (Math.log(ea) - Math.log(eb)) / dx;
      need = Math.log(eb) - Math.log(target.maxRelativeError);
    } else {
      slope = (b.r.keptGroupCount() - a.r.keptGroupCount()) / dx;
      need = target.count(problem) - b.r.keptGroupCount();
      if (!(slope > 0 && need > 0)) {
        return gridRatio;
      }
    }
    return Math.max(MIN_STEP_RATIO, Math.min(gridRatio, Math.exp(-need / slope)));
  }

  /**
   * Where the target lies between the ends, as a fraction of log(sparse.lambda / dense.lambda) from
   * the sparse end: the kept count, or the log of the debiased error, linear in log lambda.
   */
  static double interpolate(GroupLassoProblem problem, Target target, LnrResult sparse, LnrResult dense) {
    if (target.isError()) {
      double es = sparse.relativeErrorDebiased;
      double ed = dense.relativeErrorDebiased;
      double t = target.maxRelativeError;
      if (!(es > 0 && ed > 0 && t > 0 && es > ed)) {
        return 0.5;
      }
      return (Math.log(es) - Math.log(t)) / (Math.log(es) - Math.log(ed));
    }
    int ks = sparse.keptGroupCount();
    int kd = dense.keptGroupCount();
    return kd > ks ? (target.count(problem) - ks) / (double) (kd - ks) : 0.5;
  }
}
