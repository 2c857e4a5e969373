package io.nncompress.lnr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.lnr.IterationCounts.History;
import io.nncompress.lnr.IterationCounts.Start;
import org.junit.jupiter.api.Test;

/** Issue 18, item 1: the cost model's choice where the winner is clear (model figures, no timing). */
class SolverCostTest {
  @Test
  void lenet300100Layer2KeepingMostColumnsGoesToFista() {
    // h = 100, p = 301 (300 penalised + the bias), the warm start keeps 81%: BCD measured 4-7x slower there
    int kept = (int) Math.round(0.81 * 300);
    assertEquals(GroupLassoSolver.Method.FISTA, SolverCost.choose(100, 301, 300, kept, History.NONE));
    double ratio = SolverCost.bcd(100, 301, 300, kept, History.NONE)
        / SolverCost.fista(100, 301, 300, kept, History.NONE);
    assertTrue(ratio > 1.5, "BCD predicted " + ratio + "x FISTA");
  }

  @Test
  void aWideLayerKeepingFewColumnsGoesToBcd() {
    // h = d = 1024, 25% kept, no history: BCD measured 0.4 s vs FISTA 4.7 s (GroupLassoSolver's table)
    assertEquals(GroupLassoSolver.Method.BCD, SolverCost.choose(1024, 1025, 1024, 256, History.NONE));
    double ratio = SolverCost.fista(1024, 1025, 1024, 256, History.NONE)
        / SolverCost.bcd(1024, 1025, 1024, 256, History.NONE);
    assertTrue(ratio > 1.2, "FISTA predicted " + ratio + "x BCD");
  }

  @Test
  void aLargeGemmGetsTheCoresASmallOneDoesNot() {
    // 1 + (c - 1) g / (g + 1e8): half the extra cores at 1e8 flops
    int c = SolverCost.CORES;
    assertEquals(1 + (c - 1) * 0.5, SolverCost.parallelSpeedup(1e8), 1e-12);
    assertEquals(1 + (c - 1) * 1e6 / (1e6 + 1e8), SolverCost.parallelSpeedup(1e6), 1e-12);
    // demo fc1 (h 300, p 785) at 50% kept: the 183 MFlop GEMM of a FISTA iteration is divided by it
    double gemm = 2.0 * 300 * 785 * 389;
    assertEquals(gemm * (300 + SolverCost.H0) / 300 / SolverCost.parallelSpeedup(gemm) + SolverCost.STEP * 300 * 785,
        SolverCost.fistaIteration(300, 785, 389), 1e-6);
  }

  @Test
  void atTenOutputsBcdsColumnsCostLessThanItsGemmsSuggest() {
    // synthetic h 10, p 301, warm start keeping 63 of 300, history FISTA 215 at 7%, BCD 125 at 16%:
    // measured in four runs BCD 0.020-0.066 s (150 sweeps), FISTA 0.042-1.13 s (302 iterations); one
    // sweep 0.86-1.1x one FISTA iteration (a GEMM with 10 rows runs at a third of the large-GEMM rate)
    History path = new History(215, 0.07, 125, 0.16);
    assertEquals(GroupLassoSolver.Method.BCD, SolverCost.choose(10, 301, 300, 63, path));
    double perIteration = SolverCost.bcdSweep(10, 301, 80) / SolverCost.fistaIteration(10, 301, 64);
    assertTrue(perIteration > 0.7 && perIteration < 1.2, "a sweep predicted " + perIteration + "x an iteration");
  }

  @Test
  void thePreviousSolvesIterationsMoveTheChoice() {
    // h 100, p 301, 40% kept, both methods measured on the path: the one that needed few iterations wins
    History slowBcd = new History(120, 0.4, 2000, 0.4);
    History fastBcd = new History(120, 0.4, 5, 0.4);
    assertEquals(GroupLassoSolver.Method.FISTA, SolverCost.choose(100, 301, 300, 120, slowBcd));
    assertEquals(GroupLassoSolver.Method.BCD, SolverCost.choose(100, 301, 300, 120, fastBcd));
    // the prediction follows the measured count: work is linear in it, and BCD's count grows linearly
    // with the kept fraction f + 0.05 from the fraction it was measured at: (0.7 + 0.05) / (0.4 + 0.05)
    assertEquals(400.0 / 5, SolverCost.bcd(100, 301, 300, 120, new History(120, 0.4, 400, 0.4))
        / SolverCost.bcd(100, 301, 300, 120, fastBcd), 1e-9);
    assertEquals(0.75 / 0.45, IterationCounts.bcd(0.7, Start.UNKNOWN, fastBcd) / 5, 1e-9);
    // FISTA's count is taken as measured past the path's first steps (5% kept)
    assertEquals(120.0, IterationCounts.fista(0.9, Start.UNKNOWN, slowBcd), 0.0);
  }

  @Test
  void aFistaCountFromThePathsFirstStepsIsScaledUp() {
    // FistaBenchmark --grid cells with the bias eliminated (p the weight columns, all penalised), where
    // FISTA's count in the history came from a warm start keeping almost nothing and the model took it
    // as it was and chose FISTA:
    // synthetic h 10, p 1024, warm start keeping 221, history FISTA 110 at 0%, BCD 278 at 18%: measured
    // FISTA 0.148 s (258 iterations), BCD 0.089 s (358 sweeps)
    History wide = new History(110, 0.0, 278, 0.18);
    assertEquals(220.0, IterationCounts.fista(221 / 1024.0, Start.UNKNOWN, wide), 1e-9);
    assertEquals(GroupLassoSolver.Method.BCD, SolverCost.choose(10, 1024, 1024, 221, wide));
    // synthetic h 1024, p 100, warm start keeping 40, history FISTA 40 at 3%, BCD 22 at 29%: measured
    // FISTA 0.038 s (69 iterations), BCD 0.021 s (24 sweeps)
    History tall = new History(40, 0.03, 22, 0.29);
    assertEquals(40 * 0.10 / 0.08, IterationCounts.fista(0.4, Start.UNKNOWN, tall), 1e-9);
    assertEquals(GroupLassoSolver.Method.BCD, SolverCost.choose(1024, 100, 100, 40, tall));
    // the growth stops at 5%: from there on the measured count stands
    assertEquals(2.0, IterationCounts.fistaGrowth(0.9) / IterationCounts.fistaGrowth(0.0), 1e-12);
    assertEquals(1.0, IterationCounts.fistaGrowth(0.9) / IterationCounts.fistaGrowth(0.05), 1e-12);
  }

  // The cells below are FistaBenchmark --grid cells (tolerance 1e-4): the warm start and the history
  // the path walk gave, the two methods timed from that warm start (seconds, best of interleaved rounds).

  @Test
  void demoFc2At81PercentWithItsPathHistoryGoesToFista() {
    // demo fc2 (h 100, p 301), warm start keeping 238 of 300; the path ran FISTA (127 iterations at 74%)
    // and BCD (125 sweeps at 16%): measured FISTA 0.196 s (123 iterations), BCD 1.30 s (675 sweeps)
    History path = new History(127, 0.74, 125, 0.16);
    assertEquals(GroupLassoSolver.Method.FISTA, SolverCost.choose(100, 301, 300, 238, path));
    // BCD's 125 sweeps at 16% become 125 (0.793 + 0.05) / (0.16 + 0.05) = 502 at 79% (675 measured)
    assertEquals(125 * (238 / 300.0 + 0.05) / 0.21, IterationCounts.bcd(238 / 300.0, Start.UNKNOWN, path), 1e-9);
    double ratio = SolverCost.bcd(100, 301, 300, 238, path) / SolverCost.fista(100, 301, 300, 238, path);
    assertTrue(ratio > 3, "BCD predicted " + ratio + "x FISTA (measured 6.6x)");
  }

  @Test
  void syntheticReluLayerAt25PercentGoesToBcd() {
    // synthetic ReLU-activation layer h 100, p 301, warm start keeping 62 of 300, history FISTA 184 at
    // 1%, BCD 96 at 14%: measured BCD 0.045 s (100 sweeps), FISTA 0.153 s (216 iterations)
    History path = new History(184, 0.01, 96, 0.14);
    assertEquals(GroupLassoSolver.Method.BCD, SolverCost.choose(100, 301, 300, 62, path));
    double ratio = SolverCost.fista(100, 301, 300, 62, path) / SolverCost.bcd(100, 301, 300, 62, path);
    assertTrue(ratio > 1.5, "FISTA predicted " + ratio + "x BCD (measured 3.4x)");
  }

  @Test
  void aTallLayerKeepingMostColumnsGoesToFista() {
    // synthetic h 1024, p 101, warm start keeping 92 of 100, history FISTA 143 at 88%, BCD 50 at 29%:
    // measured FISTA 0.31 s (139 iterations), BCD 1.57 s (300 sweeps): at h = 1024 a BCD sweep costs
    // more than a FISTA iteration (its in-block updates are level 2)
    History path = new History(143, 0.88, 50, 0.29);
    assertEquals(GroupLassoSolver.Method.FISTA, SolverCost.choose(1024, 101, 100, 92, path));
    assertTrue(SolverCost.bcdSweep(1024, 101, 108) > SolverCost.fistaIteration(1024, 101, 93));
  }

  @Test
  void withOneMethodMeasuredAndTheOtherPredictedCloseTheOtherIsTriedOnce() {
    // h 100, p 301, 40% kept: FISTA measured, BCD's prediction within 1.25x of it: BCD runs to measure it
    History fistaOnly = new History(120, 0.4, -1, 0);
    double f = SolverCost.fista(100, 301, 300, 120, fistaOnly);
    double b = SolverCost.bcd(100, 301, 300, 120, fistaOnly);
    assertTrue(Math.max(f, b) <= SolverCost.EXPLORE_LATE * Math.min(f, b), f + " vs " + b);
    assertEquals(GroupLassoSolver.Method.BCD, SolverCost.choose(100, 301, 300, 120, fistaOnly));
    // far apart (h 10, p 101, 95% kept, FISTA measured: BCD predicted over 2x): no trial, the cheaper one
    History wide = new History(90, 0.9, -1, 0);
    assertTrue(SolverCost.bcd(10, 101, 100, 95, wide) > 2 * SolverCost.fista(10, 101, 100, 95, wide));
    assertEquals(GroupLassoSolver.Method.FISTA, SolverCost.choose(10, 101, 100, 95, wide));
  }

  @Test
  void anUnmeasuredMethodPredictedOverTwiceAsDearIsNotTried() {
    // synthetic h 100, p 301, 25%: the path ran only BCD (96 sweeps at 14%); FISTA predicted 2.3x BCD.
    // Trying FISTA there (as within 2.5x did) cost 2.8x: measured FISTA 0.17 s, BCD 0.061 s
    History bcdOnly = new History(-1, 0, 96, 0.14);
    double ratio = SolverCost.fista(100, 301, 300, 62, bcdOnly) / SolverCost.bcd(100, 301, 300, 62, bcdOnly);
    assertTrue(ratio > 2 && ratio < 2.5, "FISTA predicted " + ratio + "x BCD");
    assertEquals(GroupLassoSolver.Method.BCD, SolverCost.choose(100, 301, 300, 62, bcdOnly));
  }

  @Test
  void theUnmeasuredMethodIsTriedEarlyOnThePathWhereSolvesAreCheap() {
    // h 300, p 785 (the demo's fc1), BCD measured (30 sweeps from a warm start keeping 2%), FISTA not:
    // FISTA predicted about 15x BCD. Early on the path (warm start keeping 40 of 784, 5%) it is tried:
    // both counts are then measured before the path reaches the kept fractions users ask for
    History bcdOnly = new History(-1, 0, 30, 0.02);
    double ratio = SolverCost.fista(300, 785, 784, 40, bcdOnly) / SolverCost.bcd(300, 785, 784, 40, bcdOnly);
    assertTrue(ratio > 8 && ratio < SolverCost.EXPLORE, "FISTA predicted " + ratio + "x BCD");
    assertEquals(GroupLassoSolver.Method.FISTA, SolverCost.choose(300, 785, 784, 40, bcdOnly));
    // the previous rule (within 2x anywhere) did not try it there
    assertEquals(GroupLassoSolver.Method.BCD, SolverCost.choosePreviousTrialRule(300, 785, 784, 40, Start.UNKNOWN, bcdOnly));
  }

  @Test
  void pastTheEarlyPathTheUnmeasuredMethodIsTriedOnlyWhenPredictedWithinAQuarter() {
    // (the previous rule's band, 2x anywhere, came to the grid's cells: 3 of its misses were that trial
    // at the cell itself, up to 2x slower)
    // h 100, p 301, FISTA measured (120 iterations at 40%), BCD predicted 1.08x FISTA at 40%: within
    // 1.25x, so BCD is tried; predicted 1.5x (the same history, BCD's per-sweep cost up by a larger
    // working set at 55%) it is not
    History fistaOnly = new History(120, 0.4, -1, 0);
    double at40 = SolverCost.bcd(100, 301, 300, 120, fistaOnly) / SolverCost.fista(100, 301, 300, 120, fistaOnly);
    assertTrue(at40 > 1 && at40 <= SolverCost.EXPLORE_LATE, "BCD predicted " + at40 + "x FISTA");
    assertEquals(GroupLassoSolver.Method.BCD, SolverCost.choose(100, 301, 300, 120, fistaOnly));
    double at55 = SolverCost.bcd(100, 301, 300, 165, fistaOnly) / SolverCost.fista(100, 301, 300, 165, fistaOnly);
    assertTrue(at55 > SolverCost.EXPLORE_LATE && at55 < 2, "BCD predicted " + at55 + "x FISTA");
    assertEquals(GroupLassoSolver.Method.FISTA, SolverCost.choose(100, 301, 300, 165, fistaOnly));
    assertEquals(GroupLassoSolver.Method.BCD, SolverCost.choosePreviousTrialRule(100, 301, 300, 165, Start.UNKNOWN, fistaOnly));
  }

  @Test
  void fromFiveHundredTwelveOutputsBcdsThreadedCallsGetTheCores() {
    // synthetic h 4096, p 101, warm start keeping 40 of 100, history FISTA 120 at 3%, BCD 50 at 30%
    // (FistaBenchmark --grid, 7 interleaved rounds, load 6): FISTA 0.39-0.64 s (119 iterations, best 3.29
    // ms each), BCD 0.28-0.63 s (72 sweeps, best 3.94 ms each): a sweep 1.20x an iteration (a grid run
    // with the bias in the iterations). The one-core model put a sweep at 2.09x an iteration and chose FISTA (1.4x)
    History path = new History(120, 0.03, 50, 0.30);
    assertEquals(120 * 0.10 / 0.08, IterationCounts.fista(0.4, Start.UNKNOWN, path), 1e-9); // measured at 3%: x1.25
    assertEquals(50 * 0.45 / 0.35, IterationCounts.bcd(0.4, Start.UNKNOWN, path), 1e-9);
    double perSweep = SolverCost.bcdSweep(4096, 101, 57) / SolverCost.fistaIteration(4096, 101, 41);
    assertTrue(perSweep > 1.2 && perSweep < 1.6, "a sweep predicted " + perSweep + "x an iteration (measured 1.20)");
    assertEquals(GroupLassoSolver.Method.BCD, SolverCost.choose(4096, 101, 100, 40, path));
    // the sweep's work (all but CALL) divided by the speedup of its own size, as a GEMM of that size
    double work = SolverCost.bcdSweep(4096, 101, 57) - SolverCost.CALL * 57;
    double oneCore = SolverCost.BCD_GEMM * (2.0 * 4112 * 57 * 57 + 2.0 * 4112 * 101 * 57 / 25)
        + SolverCost.DGER * 5 * 2.0 * 4096 * 57 * 57;
    assertEquals(oneCore / SolverCost.parallelSpeedup(oneCore), work, 1e-6 * work);
    // below 512 outputs the column loop's calls run on the calling thread: no speedup (h 300, the demo's fc1)
    double serial = SolverCost.BCD_GEMM * (2.0 * 316 * 400 * 400 + 2.0 * 316 * 785 * 400 / 25)
        + SolverCost.DGER * (1 + 300 / 256.0) * 2.0 * 300 * 400 * 64 + SolverCost.CALL * 400;
    assertEquals(serial, SolverCost.bcdSweep(300, 785, 400), 1e-6 * serial);
  }

  @Test
  void lambdaZeroAndChannelGroupsStayOnFista() {
    LnrTestData data = LnrTestData.random(51, 480, 60, 10);
    GroupLassoProblem problem = GroupLassoProblem.forLayer(data.w, data.bias, data.augmentedR());
    assertEquals(GroupLassoSolver.Method.FISTA, GroupLassoSolver.choose(problem, 0.0, null));
  }
}
