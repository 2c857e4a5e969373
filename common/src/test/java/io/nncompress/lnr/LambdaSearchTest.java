package io.nncompress.lnr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.IterationCounts.History;
import java.time.Duration;
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
  void aCountTheBracketDoesNotHitKeepsTheLargestInputsOfItsDenseEndRefitted() {
    GroupLassoProblem problem = problem(44, 40);
    int n = 17;
    // no bracket steps: the grid's first point past the count is where the search ends
    LambdaSearch.Result r = new LambdaSearch(GroupLassoSolver.defaults().tolerance(1e-10)).maxBisections(0)
        .search(problem, LambdaSearch.Target.keepCount(n));
    LambdaSearch.PathPoint dense = r.path.stream().filter(pt -> !pt.phase.equals("largest"))
        .reduce((a, b) -> b).orElseThrow();
    assertTrue(dense.kept > n, "the grid passes the count: " + dense.kept);
    assertEquals(dense.lambda, r.lambda(), 0.0);
    assertTrue(r.targetReached, "kept " + r.solution.keptCount());
    assertEquals(n, r.solution.keptCount());
    assertEquals("largest", r.path.get(r.path.size() - 1).phase);
    assertEquals(0, r.path.get(r.path.size() - 1).iterations, "no solve of its own");
    assertEquals(r.path.stream().mapToInt(pt -> pt.iterations).sum(), r.totalIterations);
    // the kept inputs: the n largest columns of the lasso solution at that lambda, solved afresh
    DenseMatrix lasso = GroupLassoSolver.defaults().tolerance(1e-12).debias(false).method(GroupLassoSolver.Method.FISTA)
        .lasso(problem, r.lambda(), null, History.NONE).lassoMatrix;
    Integer[] byNorm = new Integer[40];
    for (int j = 0; j < 40; j++) {
      byNorm[j] = j;
    }
    java.util.Arrays.sort(byNorm, (a, b) -> Double.compare(LnrTestData.columnNorm(lasso, b),
        LnrTestData.columnNorm(lasso, a)));
    int[] largest = java.util.Arrays.stream(byNorm, 0, n).mapToInt(Integer::intValue).sorted().toArray();
    assertEquals(java.util.Arrays.toString(largest), java.util.Arrays.toString(r.solution.keptColumns));
    // refitted: least squares on the kept inputs (zero gradient there), nothing elsewhere
    double[][] g = LnrTestData.gradient(problem, r.solution.matrix);
    for (int j = 0; j < 40; j++) {
      boolean kept = java.util.Arrays.binarySearch(largest, j) >= 0;
      for (int i = 0; i < g.length; i++) {
        if (kept) {
          assertEquals(0.0, g[i][j], 1e-9, "gradient at kept input " + j);
        } else {
          assertEquals(0.0, r.solution.matrix.get(i, j), 0.0, "removed input " + j);
        }
      }
    }
  }

  @Test
  void aTieFinerThanTheToleranceCanResolveEndsTheBracket() {
    // inputs 0 and 2 are interchangeable (R and C symmetric under swapping them, R_{02,02} definite: a
    // unique, symmetric optimum) and weigh most: they enter the path together, first, so no lambda keeps
    // exactly one input
    LnrTestData data = LnrTestData.random(45, 320, 40, 10);
    for (int i = 0; i < data.h; i++) {
      data.w.set(i, 0, 5 * data.w.get(i, 0));
      data.w.set(i, 2, data.w.get(i, 0));
    }
    GroupLassoProblem base = GroupLassoProblem.forLayer(data.w, data.bias, data.augmentedR());
    int p = base.inputs();
    int[] swap = java.util.stream.IntStream.range(0, p).map(j -> j == 0 ? 2 : j == 2 ? 0 : j).toArray();
    DenseMatrix rs = new DenseMatrix(p, p);
    DenseMatrix cs = new DenseMatrix(base.outputs(), p);
    for (int a = 0; a < p; a++) {
      for (int b = 0; b < p; b++) {
        rs.set(a, b, 0.5 * (base.r.get(a, b) + base.r.get(swap[a], swap[b])));
      }
      for (int i = 0; i < base.outputs(); i++) {
        cs.set(i, a, 0.5 * (base.c.get(i, a) + base.c.get(i, swap[a])));
      }
    }
    GroupLassoProblem problem = GroupLassoProblem.general(cs, rs, base.yy, p - 1);
    double tol = 1e-4;
    LambdaSearch.Result r = new LambdaSearch(GroupLassoSolver.defaults().tolerance(tol))
        .search(problem, LambdaSearch.Target.keepCount(1));
    java.util.List<LambdaSearch.PathPoint> solves = r.path.stream().filter(pt -> !pt.phase.equals("largest")).toList();
    assertEquals(2, solves.stream().mapToInt(pt -> pt.kept).filter(k -> k > 0).min().orElseThrow(),
        "the pair enters together");
    assertEquals(1, r.solution.keptCount());
    assertEquals("largest", r.path.get(r.path.size() - 1).phase);
    // a solve at 1e-4 cannot tell lambdas closer than tol * kktScale / lambda apart: no two solves are that close
    for (int a = 0; a < solves.size(); a++) {
      for (int b = a + 1; b < solves.size(); b++) {
        double lo = Math.min(solves.get(a).lambda, solves.get(b).lambda);
        double hi = Math.max(solves.get(a).lambda, solves.get(b).lambda);
        double resolvable = tol * problem.kktScale(lo) / lo;
        assertTrue(Math.log(hi / lo) >= 0.05 * resolvable, "solves " + a + " and " + b + " at " + lo + " and " + hi
            + ": relative gap " + (hi / lo - 1) + " below the resolvable " + resolvable + " (" + solves.size() + " solves)");
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

  // issue 17, item 1: lambda_max = 0 used to loop forever (lambda_max * ratio^i stays 0)
  @Test
  void allZeroWeightTerminatesKeepingNothingAndSaysTheTargetIsNotReached() {
    LnrTestData data = LnrTestData.random(45, 200, 12, 5);
    GroupLassoProblem zero = GroupLassoProblem.forLayer(new DenseMatrix(5, 12), new double[5], data.augmentedR());
    assertEquals(0.0, zero.lambdaMax(), 0.0);
    for (LambdaSearch.Target t : new LambdaSearch.Target[] {LambdaSearch.Target.keepCount(3),
        LambdaSearch.Target.keepFraction(0.5), LambdaSearch.Target.keepCount(12)}) {
      // the timeout only guards against the hang; the assertions are on the result
      LambdaSearch.Result r = assertTimeoutPreemptively(Duration.ofSeconds(60),
          () -> new LambdaSearch().search(zero, t));
      assertFalse(r.targetReached, t.toString());
      assertEquals(0, r.solution.keptCount(), t.toString());
      assertEquals(0.0, r.lambdaMax, 0.0);
      assertEquals(1, r.path.size(), "one solve, at lambda_max: " + r.path);
      assertEquals(0.0, r.solution.matrix.frobeniusNorm(), 0.0);
    }
    // keeping none is what was asked: reached
    assertTrue(new LambdaSearch().search(zero, LambdaSearch.Target.keepCount(0)).targetReached);
  }

  @Test
  void aSmallPositiveFractionKeepsOneGroupAndZeroKeepsNone() {
    GroupLassoProblem problem = problem(46, 30);
    LambdaSearch.Result one = new LambdaSearch().search(problem, LambdaSearch.Target.keepFraction(0.01));
    assertTrue(one.targetReached);
    assertEquals(1, one.solution.keptCount()); // round(0.3) = 0, but f > 0 keeps one
    LambdaSearch.Result none = new LambdaSearch().search(problem, LambdaSearch.Target.keepFraction(0));
    assertTrue(none.targetReached);
    assertEquals(0, none.solution.keptCount());
    assertEquals(problem.lambdaMax(), none.lambda(), 0.0);
  }
}
