package io.nncompress.lnr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GroupLassoSolverTest {
  private static GroupLassoProblem problem() {
    LnrTestData data = LnrTestData.random(51, 480, 60, 10);
    return GroupLassoProblem.forLayer(data.w, data.bias, data.augmentedR());
  }

  @Test
  void autoUsesBcdUnlessLambdaIsZeroOrTheWarmStartIsDense() {
    GroupLassoProblem problem = problem();
    double lmax = problem.lambdaMax();
    LnrResult sparse = GroupLassoSolver.solve(problem, 0.5 * lmax);
    assertEquals("bcd", sparse.method);
    LnrResult dense = GroupLassoSolver.solve(problem, 0.0);
    assertEquals("fista", dense.method);
    assertEquals(60, dense.keptCount());
    for (LnrResult r : new LnrResult[] {sparse, dense}) {
      assertTrue(r.converged && r.debiased);
      AbstractGroupLassoMethodTest.assertKkt(problem, r.lassoMatrix, r.lambda, 1e-5);
      assertTrue(r.relativeErrorDebiased <= r.relativeErrorLasso + 1e-12);
    }
    // the warm start decides: more than 90% of the columns kept goes to FISTA
    double lambda = 0.01 * lmax;
    assertEquals(GroupLassoSolver.Method.FISTA, GroupLassoSolver.choose(problem, lambda, dense.lassoMatrix));
    assertEquals(GroupLassoSolver.Method.BCD, GroupLassoSolver.choose(problem, lambda, sparse.lassoMatrix));
    assertEquals(GroupLassoSolver.Method.BCD, GroupLassoSolver.choose(problem, lambda, null));
    LnrResult warm = GroupLassoSolver.defaults().run(problem, lambda, dense.lassoMatrix);
    assertEquals("fista", warm.method);
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
