package io.nncompress.lnr;

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
 * bracket narrower than 1e-9 relative; so both searches return the same kept set. The solver choice
 * (AUTO) gets the previous solve's iteration count ({@link SolverCost.History}).
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
    SolverCost.History history = SolverCost.History.NONE;

    Walk(LambdaSearch cfg, GroupLassoProblem problem, Target target) {
      this.cfg = cfg;
      this.problem = problem;
      this.target = target;
    }

    Point step(double lambda, Point from, String phase) {
      GroupLassoSolver solver = cfg.solver();
      Screening.Outcome o = Screening.solve(solver, problem, lambda, from.r.lassoMatrix, from.r.lambda, from.norms,
          history);
      if (o.lasso.iterations > 0) {
        int pen = problem.penalisedCount();
        history = history.after(o.lasso.method, o.lasso.iterations,
            pen == 0 ? 0 : GroupLassoSolver.keptPenalised(problem, from.r.lassoMatrix) / (double) pen);
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
            SolverCost.History.NONE, problem.penalisedCount())),
        "grid", walk.path);
    Point sparse = new Point(top, problem.screeningNorms());
    if (walk.meets(sparse) >= 0) {
      return walk.finish(sparse, lmax);
    }
    if (!(lmax > LambdaSearch.NEGLIGIBLE_LAMBDA_MAX * problem.kktScale(0))) {
      return LambdaSearch.noInputHelps(problem, target, sparse.r, lmax, walk.path);
    }
    Point dense = null;
    double lambda = lmax;
    while (dense == null) {
      lambda *= cfg.gridRatio();
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
      if (lo > 0 && hi / lo < 1 + 1e-9) {
        break;
      }
      double mid;
      Point from;
      if (lo > 0) {
        double frac = bisect ? 0.5 : Math.min(0.9, Math.max(0.1, interpolate(problem, target, sparse.r, dense.r)));
        mid = Math.exp(Math.log(hi) - frac * (Math.log(hi) - Math.log(lo)));
        from = frac <= 0.5 ? sparse : dense;
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
    return walk.finish(dense, lmax);
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
