package io.nncompress.lnr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Issue 18, item 1: the cost model's choice where the winner is clear (model figures, no timing). */
class SolverCostTest {
  @Test
  void lenet300100Layer2KeepingMostColumnsGoesToFista() {
    // h = 100, p = 301 (300 penalised + the bias), the warm start keeps 81%: BCD measured 4-7x slower there
    int kept = (int) Math.round(0.81 * 300);
    assertEquals(GroupLassoSolver.Method.FISTA, SolverCost.choose(100, 301, 300, kept, SolverCost.History.NONE));
    double ratio = SolverCost.bcd(100, 301, 300, kept, SolverCost.History.NONE)
        / SolverCost.fista(100, 301, 300, kept, SolverCost.History.NONE);
    assertTrue(ratio > 1.5, "BCD predicted " + ratio + "x FISTA");
  }

  @Test
  void aWideLayerKeepingFewColumnsGoesToBcd() {
    // h = d = 1024, 25% kept: BCD measured 0.4 s vs FISTA 4.7 s (GroupLassoSolver's table)
    assertEquals(GroupLassoSolver.Method.BCD, SolverCost.choose(1024, 1025, 1024, 256, SolverCost.History.NONE));
    double ratio = SolverCost.fista(1024, 1025, 1024, 256, SolverCost.History.NONE)
        / SolverCost.bcd(1024, 1025, 1024, 256, SolverCost.History.NONE);
    assertTrue(ratio > 2, "FISTA predicted " + ratio + "x BCD");
  }

  @Test
  void thePreviousSolvesIterationsMoveTheChoice() {
    // h 100, p 301, 40% kept, both methods measured on the path: the one that needed few iterations wins
    SolverCost.History slowBcd = new SolverCost.History(120, 0.4, 2000, 0.4);
    SolverCost.History fastBcd = new SolverCost.History(120, 0.4, 5, 0.4);
    assertEquals(GroupLassoSolver.Method.FISTA, SolverCost.choose(100, 301, 300, 120, slowBcd));
    assertEquals(GroupLassoSolver.Method.BCD, SolverCost.choose(100, 301, 300, 120, fastBcd));
    // the prediction follows the measured count: work is linear in it, and BCD's grows with the kept
    // fraction as the prior ratio does, (1 - 0.4)^1.2 / (1 - 0.7)^1.2 from 40% to 70%
    assertEquals(400.0 / 5, SolverCost.bcd(100, 301, 300, 120, new SolverCost.History(120, 0.4, 400, 0.4))
        / SolverCost.bcd(100, 301, 300, 120, fastBcd), 1e-9);
    assertEquals(Math.pow(0.6 / 0.3, 1.2), SolverCost.bcdSweeps(0.7, fastBcd) / 5, 1e-9);
  }

  @Test
  void withOneMethodMeasuredAndTheOtherPredictedCloseTheOtherIsTriedOnce() {
    // h 100, p 301, 40% kept: FISTA measured, BCD's prediction within a factor 8 of it: BCD runs to measure it
    SolverCost.History fistaOnly = new SolverCost.History(120, 0.4, -1, 0);
    double f = SolverCost.fista(100, 301, 300, 120, fistaOnly);
    double b = SolverCost.bcd(100, 301, 300, 120, fistaOnly);
    assertTrue(Math.max(f, b) <= 8 * Math.min(f, b), f + " vs " + b);
    assertEquals(GroupLassoSolver.Method.BCD, SolverCost.choose(100, 301, 300, 120, fistaOnly));
    // far apart (h 10, p 101, 95% kept, FISTA measured: BCD predicted over 100x): no trial, the cheaper one
    SolverCost.History wide = new SolverCost.History(90, 0.9, -1, 0);
    assertTrue(SolverCost.bcd(10, 101, 100, 95, wide) > 100 * SolverCost.fista(10, 101, 100, 95, wide));
    assertEquals(GroupLassoSolver.Method.FISTA, SolverCost.choose(10, 101, 100, 95, wide));
  }

  @Test
  void lambdaZeroAndChannelGroupsStayOnFista() {
    LnrTestData data = LnrTestData.random(51, 480, 60, 10);
    GroupLassoProblem problem = GroupLassoProblem.forLayer(data.w, data.bias, data.augmentedR());
    assertEquals(GroupLassoSolver.Method.FISTA, GroupLassoSolver.choose(problem, 0.0, null));
  }
}
