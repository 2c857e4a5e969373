package io.nncompress.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.GroupLassoProblem;
import org.junit.jupiter.api.Test;

/** Issue 18, item 1: the strong rule's candidates {@code FistaBenchmark --grid-counts} prints per path step. */
class PathCountsTest {
  @Test
  void theCandidatesAreTheZeroColumnsWhoseGradientReachesTwoLambdaMinusThePrevious() {
    // h 1, p 3, R = I, C = [3 1 2], no unpenalised column: at M = 0, G = -C, ||G_j|| = 3, 1, 2
    DenseMatrix c = DenseMatrix.fromRows(new double[][] {{3, 1, 2}});
    DenseMatrix r = DenseMatrix.fromRows(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}});
    GroupLassoProblem problem = GroupLassoProblem.general(c, r, 20);
    // from lambda' = 3 to lambda = 2.1: 2 lambda - lambda' = 1.2, so columns 0 (3) and 2 (2), not 1 (1)
    assertEquals(2, PathCounts.strongCandidates(problem, new DenseMatrix(1, 3), 2.1, 3));
    // a warm start keeping column 0 (M = [1 0 0], G = [-2 -1 -2]): column 0 is kept, not a candidate
    assertEquals(1, PathCounts.strongCandidates(problem, DenseMatrix.fromRows(new double[][] {{1, 0, 0}}), 2.1, 3));
    // a shorter step, lambda' = 2.2 to lambda = 2.1: threshold 2.0, column 2 (exactly 2) is one
    assertEquals(2, PathCounts.strongCandidates(problem, new DenseMatrix(1, 3), 2.1, 2.2));
  }

  @Test
  void predictionErrorsAreTheFactorsBetweenTheMeasuredAndTheCarriedCounts() {
    double step = 0.3 / 0.7; // the path's grid step, x far above the tolerance: both start factors 1
    PathCounts.Errors e = new PathCounts.Errors();
    java.util.List<double[]> walk = new java.util.ArrayList<>();
    walk.add(new double[] {0.25, step, 1e4, 100, 60}); // {kept fraction, step, x, FISTA it, BCD sweeps}
    e.add(walk);
    assertEquals(0, e.bcd.size()); // nothing before the first step
    // at 50% kept BCD's sweeps are carried by (f + 0.05): 60 x 0.55 / 0.30 = 110; FISTA's stay (flat past 5%)
    walk.add(new double[] {0.5, step, 1e4, 100, 110});
    e.add(walk);
    assertEquals(0, e.fista.get(0), 1e-12);
    assertEquals(0, e.bcd.get(0), 1e-12);
    assertEquals(0, e.ratio.get(0), 1e-12);
    // a step that took twice the sweeps and half the iterations: BCD missed by 2x, FISTA by 2x, the ratio by 4x
    walk.add(new double[] {0.5, step, 1e4, 50, 220});
    e.add(walk);
    assertEquals(3, e.bcd.size()); // from both steps before it
    assertEquals(Math.log(2), e.bcd.get(2), 1e-12); // the anchor at 50%: 110 predicted, 220 measured
    assertEquals(-Math.log(2), e.fista.get(2), 1e-12);
    assertEquals(Math.log(4), e.ratio.get(2), 1e-12);
    assertEquals(Math.log(4), e.byAge.get(0).get(1), 1e-12); // the anchor one step before
    assertEquals(1, e.byAge.get(1).size()); // two steps before: step 0 for step 2
    assertEquals(Math.log(4), e.byAge.get(1).get(0), 1e-12); // 220 / 50 measured, 110 / 100 predicted
    // five more steps like the last: 8 steps, pairs up to 4 apart in the first three lines, up to 8 in the ages
    for (int q = 0; q < 5; q++) {
      walk.add(new double[] {0.5, step, 1e4, 50, 220});
      e.add(walk);
    }
    assertEquals(1 + 2 + 3 + 4 + 4 + 4 + 4, e.ratio.size());
    assertEquals(e.ratio.size(), e.fista.size());
    assertEquals(3, e.byAge.get(4).size()); // 5 apart: (0, 5), (1, 6), (2, 7)
    assertEquals(1, e.byAge.get(6).size()); // 7 apart: (0, 7)
    assertEquals(0, e.byAge.get(7).size());
  }

  @Test
  void theChoiceIsChargedItsMeasuredCountTimesTheModelledWork() {
    PathCounts.Errors e = new PathCounts.Errors();
    // h 10, p 100, 23 columns kept: FISTA 63 iterations, BCD 17 sweeps (the grid's h 10, p 101, 25% cell)
    double f = 63 * io.nncompress.lnr.SolverCost.fistaIteration(10, 100, 23);
    double b = 17 * io.nncompress.lnr.SolverCost.bcdSweep(10, 100, 39); // working set max(23 + 16, 1.1 x 23)
    e.choice(10, 100, 23, 63, 17, true);
    assertEquals(f, e.work[0], 1e-6 * f);
    assertEquals(Math.min(f, b), e.work[1], 1e-6 * f);
    assertEquals(f > 1.2 * b ? 1 : 0, e.work[2]);
    e.choice(10, 100, 23, 63, 17, false);
    assertEquals(f + b, e.work[0], 1e-6 * f);
    assertEquals(2, e.work[3]);
  }
}
