package io.nncompress.lnr;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FistaGroupLassoTest extends AbstractGroupLassoMethodTest {
  @Override
  GroupLassoMethod solver(double tol) {
    return new FistaGroupLasso().tolerance(tol);
  }

  @Test
  void everyVariantReachesTheSameCertifiedSolution() {
    LnrTestData data = LnrTestData.random(11, 200, 30, 8);
    GroupLassoProblem problem = layer(data);
    double lambda = 0.1 * problem.lambdaMax();
    LnrResult ref = solver(TOL).solve(problem, lambda, null);
    for (FistaGroupLasso f : new FistaGroupLasso[] {
        new FistaGroupLasso().momentum(false),
        new FistaGroupLasso().restart(FistaGroupLasso.Restart.NONE),
        new FistaGroupLasso().restart(FistaGroupLasso.Restart.FUNCTION)}) {
      LnrResult r = f.tolerance(TOL).maxIterations(200000).solve(problem, lambda, null);
      assertTrue(r.converged);
      assertKkt(problem, r.lassoMatrix, lambda, 10 * TOL);
      assertTrue(r.lassoMatrix.maxAbsDiff(ref.lassoMatrix) < 1e-5);
    }
  }

  @Test
  void iterationCapMarksTheResultNotConverged() {
    LnrTestData data = LnrTestData.random(12, 200, 30, 8);
    GroupLassoProblem problem = layer(data);
    LnrResult r = new FistaGroupLasso().tolerance(1e-12).maxIterations(3).solve(problem, 0.01 * problem.lambdaMax(), null);
    assertFalse(r.converged);
    assertTrue(r.iterations == 3);
    assertTrue(r.kktResidual > 1e-12);
  }
}
