package io.nncompress.lnr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.IterationCounts.History;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Issue 18, item 2: the screened path search (Screening, PathSearch) against the unscreened solves and the old search. */
class PathSearchTest {
  private static GroupLassoProblem problem() {
    LnrTestData data = LnrTestData.random(71, 600, 60, 20);
    return GroupLassoProblem.forLayer(data.w, data.bias, data.augmentedR());
  }

  /** F(M) = 1/2 E||Y - M X||^2 + lambda sum_j ||M_j||, by the problem's own formulas. */
  private static double objective(GroupLassoProblem problem, DenseMatrix m, double lambda) {
    return 0.5 * problem.squaredError(m) + lambda * problem.groupNorm(m);
  }

  @Test
  void screenedPathSolvesReachTheUnscreenedOptimumAndCertifyTheDiscardedColumns() {
    GroupLassoProblem problem = problem();
    GroupLassoSolver solver = GroupLassoSolver.defaults().tolerance(1e-11);
    double lmax = problem.lambdaMax();
    DenseMatrix prev = problem.unpenalisedOptimum();
    double[] prevNorms = problem.screeningNorms();
    double prevLambda = lmax;
    int screenedTotal = 0;
    for (int i = 1; i <= 10; i++) {
      double lambda = lmax * Math.pow(0.7, i);
      Screening.Outcome s = Screening.solve(solver, problem, lambda, prev, prevLambda, prevNorms,
          History.NONE);
      LnrResult plain = solver.lasso(problem, lambda, prev, History.NONE);
      double fs = objective(problem, s.lasso.lassoMatrix, lambda);
      double fp = objective(problem, plain.lassoMatrix, lambda);
      assertEquals(fp, fs, 1e-9 * Math.abs(fp), "objective at lambda = " + lambda);
      assertArrayEquals(plain.keptColumns, s.lasso.keptColumns, "support at lambda = " + lambda);
      assertTrue(s.lasso.converged && s.lasso.kktResidual <= 1e-11, "certified on the full problem: " + s.lasso);
      // the KKT conditions, from a gradient by plain loops, on every column, the discarded ones included
      AbstractGroupLassoMethodTest.assertKkt(problem, s.lasso.lassoMatrix, lambda, 1e-10);
      double[][] g = LnrTestData.gradient(problem, s.lasso.lassoMatrix);
      double threshold = lambda - Math.abs(lambda - prevLambda);
      for (int j = 0; j < problem.inputs(); j++) {
        if (problem.isPenalised(j) && prevNorms[j] < threshold && LnrTestData.columnNorm(prev, j) == 0) {
          double gn = 0;
          for (double[] row : g) {
            gn += row[j] * row[j];
          }
          assertTrue(Math.sqrt(gn) <= lambda * (1 + 1e-9), "discarded column " + j + ": ||G_j|| = " + Math.sqrt(gn)
              + " > lambda " + lambda);
          assertEquals(0.0, LnrTestData.columnNorm(s.lasso.lassoMatrix, j), 0.0, "discarded column " + j);
        }
      }
      screenedTotal += s.screened;
      prev = s.lasso.lassoMatrix;
      prevNorms = s.gradientNorms;
      prevLambda = lambda;
    }
    assertTrue(screenedTotal > 50, "the strong rule left columns out: " + screenedTotal);
  }

  @Test
  void aWrongScreenIsCaughtByTheKktCheckAndTheViolatorsReadded() {
    GroupLassoProblem problem = problem();
    GroupLassoSolver solver = GroupLassoSolver.defaults().tolerance(1e-11);
    double lambda = 0.1 * problem.lambdaMax();
    // norms of 0 claim every penalised column stays zero: all are screened, the check must put back the kept ones
    double[] wrong = new double[problem.inputs()];
    Screening.Outcome s = Screening.solve(solver, problem, lambda, null, lambda, wrong, History.NONE);
    LnrResult plain = solver.lasso(problem, lambda, null, History.NONE);
    assertEquals(60, s.screened);
    assertTrue(s.readded >= plain.keptCount(), "readded " + s.readded + " of " + plain.keptCount() + " kept");
    assertArrayEquals(plain.keptColumns, s.lasso.keptColumns);
    double fp = objective(problem, plain.lassoMatrix, lambda);
    assertEquals(fp, objective(problem, s.lasso.lassoMatrix, lambda), 1e-9 * Math.abs(fp));
    AbstractGroupLassoMethodTest.assertKkt(problem, s.lasso.lassoMatrix, lambda, 1e-10);
  }

  // recorded with the search before issue 18 (commit 49969fc, tolerance 1e-8) on this problem
  private static final Object[][] RECORDED = {
      {LambdaSearch.Target.keepCount(7), new int[] {18, 22, 26, 34, 36, 40, 50}},
      {LambdaSearch.Target.keepCount(23), new int[] {0, 4, 8, 10, 12, 14, 16, 18, 20, 22, 26, 28, 30, 34, 36, 38, 40,
          42, 44, 46, 48, 50, 52}},
      {LambdaSearch.Target.keepCount(48), new int[] {0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 19, 20, 21, 22,
          23, 24, 26, 27, 28, 29, 30, 31, 32, 33, 34, 36, 37, 38, 40, 41, 42, 44, 45, 46, 47, 48, 49, 50, 52, 53, 54,
          55, 56, 58}},
      {LambdaSearch.Target.keepFraction(0.55), new int[] {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 27, 28,
          29, 30, 32, 34, 36, 38, 40, 41, 42, 44, 46, 48, 50, 52, 54, 56, 58}},
      {LambdaSearch.Target.keepFraction(0.9), new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14, 16, 18, 19, 20,
          21, 22, 23, 24, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 44, 45, 46, 47, 48, 49, 50,
          51, 52, 53, 54, 55, 56, 58, 59}},
      {LambdaSearch.Target.maxRelativeError(0.2), new int[] {0, 4, 8, 10, 12, 14, 16, 18, 20, 22, 26, 30, 34, 36, 38,
          40, 44, 46, 50, 52}},
      {LambdaSearch.Target.maxRelativeError(0.05), new int[] {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28,
          30, 32, 34, 36, 38, 40, 42, 44, 46, 48, 50, 52, 54, 56, 58}},
      {LambdaSearch.Target.maxRelativeError(0.01), new int[] {0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 19, 20,
          21, 22, 23, 24, 26, 27, 28, 29, 30, 31, 32, 33, 34, 36, 37, 38, 39, 40, 41, 42, 44, 45, 46, 47, 48, 49, 50, 52,
          53, 54, 55, 56, 58, 59}},
  };

  @Test
  void everyTargetKindKeepsTheSameInputsAsTheSearchBefore() {
    GroupLassoProblem problem = problem();
    for (Object[] rec : RECORDED) {
      LambdaSearch.Target t = (LambdaSearch.Target) rec[0];
      int[] before = (int[]) rec[1];
      LambdaSearch.Result path = new LambdaSearch(GroupLassoSolver.defaults().tolerance(1e-8)).search(problem, t);
      LambdaSearch.Result old = new LambdaSearch(GroupLassoSolver.defaults().tolerance(1e-8).fixedRule(true))
          .strategy(LambdaSearch.Strategy.BISECTION).search(problem, t);
      assertTrue(path.targetReached, t.toString());
      assertArrayEquals(before, path.solution.keptColumns, t + ": path search kept " + Arrays.toString(
          path.solution.keptColumns));
      assertArrayEquals(before, old.solution.keptColumns, t + ": the old search, still callable");
      AbstractGroupLassoMethodTest.assertKkt(problem, path.solution.lassoMatrix, path.lambda(), 1e-7);
      if (t.isError()) {
        assertTrue(path.solution.relativeErrorDebiased <= t.maxRelativeError);
      }
    }
  }
}
