package io.nncompress.lnr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.Blas;
import io.nncompress.linalg.Level3;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 1: BCD with its column loop's small calls on the calling thread (the default) gives the
 * result of the path through the BLAS in use ({@code serialCalls(false)}, as before) to rounding: the same
 * sweeps, the same kept columns, the same matrix and objective to 1e-12 relative.
 */
class GroupLassoBcdSerialCallsTest {
  private static void assertSameSolve(GroupLassoProblem problem, double lambda, int block) {
    GroupLassoBcd serial = new GroupLassoBcd().tolerance(1e-8).blockSize(block);
    GroupLassoBcd before = new GroupLassoBcd().tolerance(1e-8).blockSize(block).serialCalls(false);
    LnrResult a = serial.solve(problem, lambda, null);
    LnrResult b = before.solve(problem, lambda, null);
    assertTrue(a.converged && b.converged);
    assertEquals(b.iterations, a.iterations, "sweeps");
    assertArrayEquals(b.keptColumns, a.keptColumns);
    double scale = 0;
    for (double v : b.lassoMatrix.data) {
      scale = Math.max(scale, Math.abs(v));
    }
    double diff = a.lassoMatrix.maxAbsDiff(b.lassoMatrix);
    assertTrue(diff <= 1e-12 * scale, "max |diff| " + diff + " > 1e-12 x max |M| " + scale);
    double fa = GroupLassoBcd.objective(problem, a.lassoMatrix.data, problem.gradient(a.lassoMatrix).data, lambda);
    double fb = GroupLassoBcd.objective(problem, b.lassoMatrix.data, problem.gradient(b.lassoMatrix).data, lambda);
    assertEquals(fb, fa, 1e-12 * Math.abs(fb));
  }

  @Test
  void sameSolutionAsThroughTheBlasInUse() {
    // h = 160: an h x 64 block's dger (10240 entries) is above SERIAL_DGER_MIN, so it runs on the calling thread
    LnrTestData data = LnrTestData.random(31, 600, 150, 160);
    GroupLassoProblem problem = AbstractGroupLassoMethodTest.layer(data);
    assertTrue(160 * 64 > BcdCalls.SERIAL_DGER_MIN);
    // 64-column blocks (the default) over a working set of about 100: dger inside, two GEMMs across
    assertSameSolve(problem, 0.05 * problem.lambdaMax(), 64);
    // many blocks of 7 (their dger through the BLAS in use): the GEMMs before and after every block
    assertSameSolve(problem, 0.2 * problem.lambdaMax(), 7);
  }

  @Test
  void sameSolutionAsThroughNativeOpenBlas() {
    // the path before, as users ran it: the block GEMMs in native OpenBLAS (where the machine has it)
    Assumptions.assumeTrue(Level3.NATIVE.available(), "no native BLAS here");
    LnrTestData data = LnrTestData.random(32, 600, 150, 160);
    GroupLassoProblem problem = AbstractGroupLassoMethodTest.layer(data);
    try (Blas.Restore r = Blas.useLevel3(Level3.NATIVE)) {
      assertSameSolve(problem, 0.05 * problem.lambdaMax(), 64);
      assertSameSolve(problem, 0.2 * problem.lambdaMax(), 7);
    }
  }
}
