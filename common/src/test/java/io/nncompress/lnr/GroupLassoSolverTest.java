package io.nncompress.lnr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.lnr.IterationCounts.History;
import org.junit.jupiter.api.Test;

class GroupLassoSolverTest {
  private static GroupLassoProblem problem() {
    LnrTestData data = LnrTestData.random(51, 480, 60, 10);
    return GroupLassoProblem.forLayer(data.w, data.bias, data.augmentedR());
  }

  @Test
  void autoPicksTheMethodOfSmallerPredictedCostAndTheFixedRuleStaysCallable() {
    GroupLassoProblem problem = problem();
    double lmax = problem.lambdaMax();
    LnrResult sparse = GroupLassoSolver.solve(problem, 0.5 * lmax);
    LnrResult dense = GroupLassoSolver.solve(problem, 0.0);
    assertEquals("fista", dense.method); // lambda = 0: nothing penalised
    assertEquals(60, dense.keptCount());
    for (LnrResult r : new LnrResult[] {sparse, dense}) {
      assertTrue(r.converged && r.debiased);
      AbstractGroupLassoMethodTest.assertKkt(problem, r.lassoMatrix, r.lambda, 1e-5);
      assertTrue(r.relativeErrorDebiased <= r.relativeErrorLasso + 1e-12);
    }
    // h = 10, p = 61: AUTO follows the cost model from the warm start's kept count
    double lambda = 0.01 * lmax;
    for (LnrResult warm : new LnrResult[] {sparse, dense}) {
      assertEquals(SolverCost.choose(10, 61, 60, warm.keptCount(), History.NONE),
          GroupLassoSolver.choose(problem, lambda, warm.lassoMatrix));
    }
    assertEquals(SolverCost.choose(10, 61, 60, 0, History.NONE), GroupLassoSolver.choose(problem, lambda, null));
    assertEquals(sparse.method, GroupLassoSolver.choose(problem, 0.5 * lmax, null).name().toLowerCase());
    // the old rule: more than 90% of the columns kept goes to FISTA, else BCD
    assertEquals(GroupLassoSolver.Method.FISTA, GroupLassoSolver.chooseFixed(problem, lambda, dense.lassoMatrix));
    assertEquals(GroupLassoSolver.Method.BCD, GroupLassoSolver.chooseFixed(problem, lambda, sparse.lassoMatrix));
    assertEquals(GroupLassoSolver.Method.BCD, GroupLassoSolver.chooseFixed(problem, lambda, null));
    assertEquals("bcd", GroupLassoSolver.defaults().fixedRule(true).run(problem, 0.5 * lmax, null).method);
    LnrResult warm = GroupLassoSolver.defaults().run(problem, lambda, dense.lassoMatrix);
    AbstractGroupLassoMethodTest.assertKkt(problem, warm.lassoMatrix, warm.lambda, 1e-5);
  }

  @Test
  void everyMethodGivesTheSameAnswer() {
    GroupLassoProblem problem = problem();
    double lambda = 0.1 * problem.lambdaMax();
    LnrResult a = GroupLassoSolver.defaults().tolerance(1e-9).run(problem, lambda, null);
    for (GroupLassoSolver.Method m : GroupLassoSolver.Method.values()) {
      LnrResult r = GroupLassoSolver.defaults().tolerance(1e-9).method(m).run(problem, lambda, null);
      assertTrue(r.lassoMatrix.maxAbsDiff(a.lassoMatrix) < 1e-6, m + " diff " + r.lassoMatrix.maxAbsDiff(a.lassoMatrix));
      assertTrue(r.matrix.maxAbsDiff(a.matrix) < 1e-6);
    }
  }

  @Test
  void argumentErrorsNameTheParameter() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GroupLassoSolver.defaults().tolerance(0));
    assertTrue(e.getMessage().startsWith("tolerance must be positive"), e.getMessage());
    LnrTestData data = LnrTestData.random(52, 40, 4, 2);
    GroupLassoProblem problem = GroupLassoProblem.forLayer(data.w, data.bias, data.augmentedR());
    e = assertThrows(IllegalArgumentException.class, () -> new FistaGroupLasso().solve(problem, -1, null));
    assertTrue(e.getMessage().contains("lambda") && e.getMessage().contains("-1"), e.getMessage());
  }
}
