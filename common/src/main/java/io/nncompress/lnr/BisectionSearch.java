package io.nncompress.lnr;

import java.util.ArrayList;
import java.util.List;

/**
 * The lambda search before issue 18 ({@link LambdaSearch.Strategy#BISECTION}), kept callable for
 * comparisons ({@code io.nncompress.bench.LambdaSearchBenchmark}): lambda_0 = lambda_max, then the
 * geometric grid lambda_max * ratio^i, each solve warm-started from the previous solution, until the
 * target is met or passed; then bisection in log(lambda) between the last two grid points,
 * warm-started from the solution at the larger end, until a count target is hit exactly (or the
 * bracket is 1e-9 wide) or an error target's bracket has adjacent counts. No screening.
 */
final class BisectionSearch {
  private BisectionSearch() {
  }

  static LambdaSearch.Result run(LambdaSearch cfg, GroupLassoProblem problem, LambdaSearch.Target target) {
    double gridRatio = cfg.gridRatio();
    double minLambdaRatio = cfg.minLambdaRatio();
    int maxBisections = cfg.maxBisections();
    List<LambdaSearch.PathPoint> path = new ArrayList<>();
    double lmax = problem.lambdaMax();
    // the two ends of the bracket: 'sparse' does not meet the target yet (or meets it with too few
    // columns for a count), 'dense' meets or passes it
    LnrResult sparse = cfg.solve(problem, target, lmax, null, "grid", path);
    if (LambdaSearch.meets(problem, target, sparse) >= 0) {
      return LambdaSearch.finish(problem, target, sparse, lmax, path);
    }
    if (!(lmax > LambdaSearch.NEGLIGIBLE_LAMBDA_MAX * problem.kktScale(0))) {
      // the grid lambda_max * ratio^i cannot move: keeping no penalised group is already optimal at
      // every lambda (no input correlates with what is left to reconstruct)
      return LambdaSearch.noInputHelps(problem, target, sparse, lmax, path);
    }
    LnrResult dense = null;
    double lambda = lmax;
    while (dense == null) {
      lambda *= gridRatio;
      boolean last = lambda < minLambdaRatio * lmax;
      if (last) {
        lambda = 0.0;
      }
      LnrResult r = cfg.solve(problem, target, lambda, sparse.lassoMatrix, "grid", path);
      int cmp = LambdaSearch.meets(problem, target, r);
      if (cmp == 0 && !target.isError()) {
        return LambdaSearch.finish(problem, target, r, lmax, path);
      }
      if (cmp >= 0) {
        dense = r;
      } else if (last) {
        return LambdaSearch.finish(problem, target, r, lmax, path); // unreachable: even lambda = 0 falls short
      } else {
        sparse = r;
      }
    }
    // bisection between sparse.lambda (target not met) and dense.lambda (met or passed)
    for (int b = 0; b < maxBisections; b++) {
      if (target.isError() ? dense.keptGroupCount() - sparse.keptGroupCount() <= 1 : false) {
        break; // no support strictly between the ends
      }
      double hi = sparse.lambda;
      double lo = dense.lambda;
      if (lo > 0 && hi / lo < 1 + 1e-9) {
        break;
      }
      double mid = lo > 0 ? Math.sqrt(hi * lo) : 0.5 * hi; // geometric mean (arithmetic when lo = 0)
      LnrResult r = cfg.solve(problem, target, mid, sparse.lassoMatrix, "bisection", path);
      int cmp = LambdaSearch.meets(problem, target, r);
      if (cmp == 0 && !target.isError()) {
        return LambdaSearch.finish(problem, target, r, lmax, path);
      }
      if (cmp >= 0) {
        dense = r;
      } else {
        sparse = r;
      }
    }
    return LambdaSearch.finish(problem, target, dense, lmax, path);
  }

}
