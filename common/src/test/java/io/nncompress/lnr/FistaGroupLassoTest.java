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

  @Test
  void largeLayerTakesTheParallelStepAndAgreesWithBcd() {
    // h p = 4500 x 60 >= 2^18 entries: the O(hp) step runs in parallel column chunks
    LnrTestData data = LnrTestData.random(13, 300, 59, 4500);
    GroupLassoProblem problem = layer(data);
    double lambda = 0.2 * problem.lambdaMax();
    LnrResult f = solver(TOL).solve(problem, lambda, null);
    assertTrue(f.converged);
    assertKkt(problem, f.lassoMatrix, lambda, 10 * TOL);
    LnrResult b = new GroupLassoBcd().tolerance(TOL).solve(problem, lambda, null);
    assertTrue(f.lassoMatrix.maxAbsDiff(b.lassoMatrix) < 1e-5);
  }
}
