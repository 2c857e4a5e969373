package io.nncompress.lnr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.lnr.IterationCounts.History;
import io.nncompress.lnr.IterationCounts.Start;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 1: the counts carried from where they were measured to where a solve starts. The
 * measured counts are from warm starts on the path (lambda x 0.7 from lambda_max, tolerance 1e-4, the
 * bias eliminated), each solved by both methods.
 */
class IterationCountsTest {
  private static final double REF = 0.3 / 0.7; // the path's step lambda x 0.7, relative to the new lambda

  @Test
  void theStepIsRelativeToTheNewLambdaAndXIsLambdaOverTheAbsoluteTolerance() {
    Start s = Start.of(1.0, 0.9, 1e-3);
    assertEquals(0.1 / 0.9, s.step, 1e-15);
    assertEquals(900, s.x, 1e-9);
    assertEquals(0.1 / 1.1, Start.of(1.0, 1.1, 1e-3).step, 1e-15); // from the dense end: the distance
    assertTrue(Double.isNaN(Start.of(Double.NaN, 0.9, 1e-3).step));
    // at the reference start both factors are 1: the counts are carried as before
    assertEquals(1.0, IterationCounts.fistaStart(new Start(REF, 1e6)), 1e-12);
    assertEquals(1.0, IterationCounts.bcdStart(new Start(REF, 1e6)), 1e-12);
    assertEquals(1.0, IterationCounts.fistaStart(Start.UNKNOWN), 1e-12);
    assertEquals(1.0, IterationCounts.bcdStart(Start.UNKNOWN), 1e-12);
  }

  @Test
  void aShorterStepNeedsFewerIterationsAndFewerSweepsStill() {
    // synthetic h 100, p 300 (SolverGrid.synthetic), warm start keeping 173 of 300, lambda 198 x the
    // absolute tolerance: to lambda x 0.7 FISTA 119 iterations, BCD 251 sweeps; to lambda x 0.9 FISTA 77,
    // BCD 129; to lambda x 0.98 FISTA 44, BCD 43
    double f = 173 / 300.0;
    History h = new History(119, f, new Start(REF, 198), 251, f, new Start(REF, 198), Double.NaN);
    Start nine = new Start(0.1 / 0.9, 198 * 0.9 / 0.7);
    Start ninetyEight = new Start(0.02 / 0.98, 198 * 0.98 / 0.7);
    assertWithin(1.25, 77, IterationCounts.fista(f, nine, h));
    assertWithin(1.25, 129, IterationCounts.bcd(f, nine, h));
    assertWithin(1.1, 44, IterationCounts.fista(f, ninetyEight, h));
    assertWithin(1.1, 43, IterationCounts.bcd(f, ninetyEight, h));
    // carried by the kept fraction alone they were 2.7x and 5.8x too many at lambda x 0.98
    assertEquals(119, IterationCounts.fista(f, Start.UNKNOWN, h), 1e-9);
    assertEquals(251, IterationCounts.bcd(f, Start.UNKNOWN, h), 1e-9);
    // a method not run yet: the prior ratio at the reference start, times the two factors
    History fistaOnly = new History(119, f, new Start(REF, 198), -1, 0, Start.UNKNOWN, Double.NaN);
    assertEquals(IterationCounts.fista(f, ninetyEight, fistaOnly) / IterationCounts.fistaStart(ninetyEight)
        * IterationCounts.ratio(f) * IterationCounts.bcdStart(ninetyEight),
        IterationCounts.bcd(f, ninetyEight, fistaOnly), 1e-9);
  }

  @Test
  void nearTheEndOfATrainedLayersPathBcdNeedsFewSweepsAndWins() {
    // demo fc1 (h 300, p 784), FistaBenchmark --grid's cell at 95% kept: the warm start keeps 743 of 784,
    // lambda 5.59 x the absolute tolerance; the path measured FISTA 256 iterations from 93.8% kept (x 7.98)
    // and BCD 181 sweeps from 74.4% kept (x 198). Measured there: FISTA 1.27 s (225 iterations), BCD
    // 0.80 s (56 sweeps). BCD's sweeps fall with x from 208 at x 138 to 56 at x 5.6, which the kept
    // fraction alone carried to 228 sweeps, and the model chose FISTA
    History path = new History(256, 0.938, new Start(REF, 7.98), 181, 0.744, new Start(REF, 198), Double.NaN);
    Start cell = new Start(REF, 5.59);
    assertWithin(1.6, 56, IterationCounts.bcd(743 / 784.0, cell, path));
    assertWithin(1.2, 225, IterationCounts.fista(743 / 784.0, cell, path));
    assertEquals(GroupLassoSolver.Method.BCD, SolverCost.choose(300, 784, 784, 743, cell, path));
    // one step before (x 11.4, warm start keeping 729, FISTA 227 iterations from 91.3% at x 16.3 in the
    // history): measured FISTA 1.31 s (239 iterations), BCD 2.17 s (122 sweeps): still FISTA
    History before = new History(227, 0.913, new Start(REF, 16.3), 181, 0.744, new Start(REF, 198), Double.NaN);
    assertEquals(GroupLassoSolver.Method.FISTA, SolverCost.choose(300, 784, 784, 729, new Start(REF, 11.4), before));
  }

  @Test
  void belowTheToleranceFistasCountFallsAsTheSquareRootOfX() {
    // demo fc2 (h 100, p 300) past its last inputs: FISTA 110 iterations at x 3.91; then 97 at x 0.94,
    // 74 at 0.46, 59 at 0.225, 5 at 0.0015; BCD 8 sweeps from x 0.05 on
    History h = new History(110, 0.873, new Start(REF, 3.91), 98, 0.357, new Start(REF, 198), Double.NaN);
    assertWithin(1.15, 97, IterationCounts.fista(0.917, new Start(REF, 0.94), h));
    assertWithin(1.15, 74, IterationCounts.fista(0.92, new Start(REF, 0.46), h));
    assertWithin(1.15, 59, IterationCounts.fista(0.927, new Start(REF, 0.225), h));
    assertWithin(1.2, 5, IterationCounts.fista(0.947, new Start(REF, 0.0015), h));
    // BCD's count falls in proportion to x only down to x 1: 16 sweeps at x 0.0015 (8 measured), so
    // that there FISTA, measured at 2.9 ms against BCD's 8.2 ms, stays the choice
    assertWithin(2.1, 8, IterationCounts.bcd(0.947, new Start(REF, 0.0015), h));
    assertEquals(GroupLassoSolver.Method.FISTA, SolverCost.choose(100, 300, 300, 284, new Start(REF, 0.0015), h));
  }

  private static void assertWithin(double factor, double measured, double predicted) {
    assertTrue(predicted <= factor * measured && measured <= factor * predicted,
        "predicted " + predicted + ", measured " + measured + " (within " + factor + "x)");
  }
}
