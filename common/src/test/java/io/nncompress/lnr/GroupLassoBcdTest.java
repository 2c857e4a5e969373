package io.nncompress.lnr;

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
}
