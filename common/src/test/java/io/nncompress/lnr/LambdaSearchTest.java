package io.nncompress.lnr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LambdaSearchTest {
  private static GroupLassoProblem problem(long seed, int d) {
    LnrTestData data = LnrTestData.random(seed, 8 * d, d, 10);
    return GroupLassoProblem.forLayer(data.w, data.bias, data.augmentedR());
  }

  @Test
  void hitsTheRequestedCountExactly() {
    GroupLassoProblem problem = problem(41, 40);
    for (int n : new int[] {1, 5, 17, 33}) {
      for (GroupLassoSolver.Method m : GroupLassoSolver.Method.values()) {
        LambdaSearch.Result r = new LambdaSearch(GroupLassoSolver.defaults().method(m).tolerance(1e-8))
            .search(problem, LambdaSearch.Target.keepCount(n));
        assertTrue(r.targetReached, "count " + n + " with " + m);
        assertEquals(n, r.solution.keptCount());
        assertEquals(n, r.solution.keptColumns.length);
        assertTrue(r.solution.debiased);
        // the chosen lambda is certified optimal for the kept set it reports
        AbstractGroupLassoMethodTest.assertKkt(problem, r.solution.lassoMatrix, r.lambda(), 1e-7);
        assertTrue(r.path.size() >= 2);
        assertEquals(r.lambdaMax, r.path.get(0).lambda, 0.0);
        assertEquals(0, r.path.get(0).kept);
      }
    }
  }

  @Test
  void fractionTargetRoundsToACount() {
    GroupLassoProblem problem = problem(42, 30);
    LambdaSearch.Result r = new LambdaSearch().search(problem, LambdaSearch.Target.keepFraction(0.25));
    assertTrue(r.targetReached);
    assertEquals(Math.round(0.25 * 30), r.solution.keptCount());
  }

  @Test
  void errorTargetIsMetAndNotByMuch() {
    GroupLassoProblem problem = problem(43, 30);
    double target = 0.05;
    LambdaSearch.Result r = new LambdaSearch().search(problem, LambdaSearch.Target.maxRelativeError(target));
    assertTrue(r.targetReached);
    assertTrue(r.solution.relativeErrorDebiased <= target);
    // every sparser solution seen on the path misses the target
    for (LambdaSearch.PathPoint pt : r.path) {
      if (pt.kept < r.solution.keptCount()) {
        assertTrue(pt.relativeErrorDebiased > target, "sparser point meets the target: " + pt);
      }
    }
    // and the path recorded one fewer column than the answer (bisection narrowed to adjacent counts)
    assertTrue(r.path.stream().anyMatch(pt -> pt.kept == r.solution.keptCount() - 1
        || pt.kept == r.solution.keptCount() - 2), "path " + r.path);
  }

  @Test
  void keepingNothingReturnsTheClosedForm() {
    GroupLassoProblem problem = problem(44, 20);
    LambdaSearch.Result r = new LambdaSearch().search(problem, LambdaSearch.Target.keepCount(0));
    assertEquals(0, r.solution.keptCount());
    assertEquals(problem.lambdaMax(), r.lambda(), 0.0);
    assertEquals(0, r.totalIterations);
  }
}
