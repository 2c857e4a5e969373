package io.nncompress.lnr;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GroupLassoBcdTest extends AbstractGroupLassoMethodTest {
  @Override
  GroupLassoMethod solver(double tol) {
    return new GroupLassoBcd().tolerance(tol);
  }

  @Test
  void agreesWithFista() {
    LnrTestData data = LnrTestData.random(21, 240, 40, 10);
    GroupLassoProblem problem = layer(data);
    double lambda = 0.08 * problem.lambdaMax();
    LnrResult b = solver(TOL).solve(problem, lambda, null);
    LnrResult f = new FistaGroupLasso().tolerance(TOL).solve(problem, lambda, null);
    assertTrue(b.lassoMatrix.maxAbsDiff(f.lassoMatrix) < 1e-5, "diff " + b.lassoMatrix.maxAbsDiff(f.lassoMatrix));
    assertTrue(java.util.Arrays.equals(b.keptColumns, f.keptColumns));
  }

  @Test
  void stopsAtTheFirstSweepThatMeetsTheTolerance() {
    // the same solve capped one sweep earlier (the sweeps are deterministic) must not have converged:
    // BCD saw the tolerance met at its last sweep, not up to 25 sweeps after it
    LnrTestData data = LnrTestData.random(21, 240, 40, 10);
    GroupLassoProblem problem = layer(data);
    for (double fraction : new double[] {0.3, 0.08, 0.02}) {
      double lambda = fraction * problem.lambdaMax();
      LnrResult full = solver(1e-6).solve(problem, lambda, null);
      assertTrue(full.converged && full.iterations > 1, fraction + ": " + full.iterations + " sweeps");
      LnrResult capped = new GroupLassoBcd().tolerance(1e-6).maxSweeps(full.iterations - 1).solve(problem, lambda,
          null);
      assertFalse(capped.converged, fraction + ": converged after " + capped.iterations + " sweeps, reported "
          + full.iterations + " (KKT " + capped.kktResidual + ")");
    }
  }
}
