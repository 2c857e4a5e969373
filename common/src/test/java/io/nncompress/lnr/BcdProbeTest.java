package io.nncompress.lnr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.IterationCounts.History;
import io.nncompress.lnr.IterationCounts.Start;
import org.junit.jupiter.api.Test;

/** Issue 18, item 1: AUTO measures BCD's rate where the model's two predictions are close. */
class BcdProbeTest {
  // h 300, p 785 (demo fc1), a working set of 760 columns
  private static final int H = 300;
  private static final int P = 785;
  private static final int W = 760;

  /** Feeds r0 rho^k for k = 1..sweeps into a probe of that budget; its answer at the last sweep. */
  private static boolean feed(BcdProbe probe, double r0, double rho, int sweeps, double target) {
    probe.newRound();
    boolean stop = false;
    for (int k = 1; k <= sweeps; k++) {
      stop = probe.stopAfter(k, W, r0 * Math.pow(rho, k), target);
      if (k < sweeps) {
        assertFalse(stop, "no decision before the budget's last sweep, asked at " + k);
      }
    }
    return stop;
  }

  @Test
  void aResidualFallingAtRateOneHalfNeedsTheSweepsToItsTarget() {
    // residuals 1/2, 1/4, 1/8, 1/16 after 4 sweeps, target 1/16 / 1024: 10 more sweeps at rate 1/2
    double sweep = SolverCost.bcdSweep(H, P, W);
    BcdProbe continues = new BcdProbe(4, 10 * sweep / BcdProbe.CONTINUE * 1.01, H, P);
    assertFalse(feed(continues, 1, 0.5, 4, 1.0 / 16 / 1024)); // 10 sweeps cost 0.99 x 0.8 FISTA: BCD goes on
    assertEquals(0.5, continues.rate(), 1e-12);
    assertEquals(10, continues.remainingSweeps(1.0 / 16, 1.0 / 16 / 1024), 1e-9);
    assertEquals(14, continues.extrapolatedSweeps(), 1e-9);
    BcdProbe handsOver = new BcdProbe(4, 10 * sweep / BcdProbe.CONTINUE * 0.99, H, P);
    assertTrue(feed(handsOver, 1, 0.5, 4, 1.0 / 16 / 1024)); // 10 sweeps cost 1.01 x 0.8 FISTA: FISTA takes over
  }

  @Test
  void theRateIsReadOverTheLaterHalfOfTheRound() {
    // a fast first sweep (1 -> 0.01), then 0.9 per sweep: 6 sweeps, rate over the last 3 = 0.9, not the mean
    BcdProbe probe = new BcdProbe(6, 1e30, H, P);
    probe.newRound();
    double[] r = {0.01, 0.009, 0.0081, 0.00729, 0.006561, 0.0059049};
    for (int k = 0; k < r.length; k++) {
      assertFalse(probe.stopAfter(k + 1, W, r[k], 1e-9));
    }
    assertEquals(0.9, probe.rate(), 1e-12);
    // the sweeps to 1e-6 from 0.0059049 at 0.9: log(1e-6 / 0.0059049) / log(0.9) = 82.4
    assertEquals(Math.log(1e-6 / 0.0059049) / Math.log(0.9), probe.remainingSweeps(0.0059049, 1e-6), 1e-9);
    assertEquals(82.4, probe.remainingSweeps(0.0059049, 1e-6), 0.05);
    assertEquals(0, probe.remainingSweeps(1e-7, 1e-6), 0);
  }

  @Test
  void aStalledResidualHandsOverAndACheckRepeatsWhenTheSweepsDouble() {
    BcdProbe stalled = new BcdProbe(4, 1e30, H, P);
    assertTrue(feed(stalled, 1, 1.0, 4, 1e-3)); // rate 1: BCD would never reach the target
    assertEquals(Double.POSITIVE_INFINITY, stalled.extrapolatedSweeps());
    // budget 4: rate 1/2 and cheap at sweep 4, so BCD goes on; then it stalls: at 5 and 6 the rates over
    // the later half (0.71, 0.79) still reach the target in finite sweeps; at 7 the rate over sweeps 4..7
    // is 1, hopeless, so it hands over before the check at 8
    BcdProbe probe = new BcdProbe(4, 1e30, H, P);
    probe.newRound();
    double[] r = {0.5, 0.25, 0.125, 0.0625, 0.0625, 0.0625, 0.0625};
    for (int k = 0; k < 6; k++) {
      assertFalse(probe.stopAfter(k + 1, W, r[k], 1e-6), "sweep " + (k + 1));
    }
    assertTrue(probe.stopAfter(7, W, r[6], 1e-6));
    // a check repeats when the sweeps double: FISTA costs 40 sweeps; at 4 (rate 1/2) 15.9 more sweeps
    // are under 0.8 x 40, BCD goes on; at 5..7 it slows but is not hopeless (under 60 more); at 8:
    BcdProbe doubling = new BcdProbe(4, 40 * SolverCost.bcdSweep(H, P, W), H, P);
    doubling.newRound();
    double[] d = {0.5, 0.25, 0.125, 0.0625, 0.05, 0.04, 0.032, 0.0256};
    for (int k = 0; k < 7; k++) {
      assertFalse(doubling.stopAfter(k + 1, W, d[k], 1e-6), "sweep " + (k + 1));
    }
    assertEquals(4 + Math.log(1e-6 / 0.0625) / Math.log(0.5), doubling.extrapolatedSweeps(), 1e-9); // from sweep 4
    // at 8 the rate over 4..8 is 0.8: 45.5 more sweeps, over 0.8 x 40 = 32: FISTA takes over
    assertTrue(doubling.stopAfter(8, W, d[7], 1e-6));
    assertEquals(8 + Math.log(1e-6 / 0.0256) / Math.log(0.8), doubling.extrapolatedSweeps(), 1e-9);
    // a new round (new working set) with one sweep so far, at the check due at 8: decided by the previous
    // round's rate (1 here), BCD hands over
    probe.newRound();
    assertEquals(Double.POSITIVE_INFINITY, probe.remainingSweeps(0.5, 0.25));
    assertTrue(probe.stopAfter(9, W, 0.5, 0.25));
  }

  @Test
  void aHopelessBcdHandsOverBeforeTheBudgetIsSpent() {
    // budget 20, FISTA costs 80 sweeps: at rate 0.99 from 1e-2 0.99^4 to 1e-6 BCD needs 913 more, over
    // 1.5 x FISTA's cost, so it hands over at the first sweep with a rate (the 4th), not at the 20th
    double sweep = SolverCost.bcdSweep(H, P, W);
    BcdProbe probe = new BcdProbe(20, 80 * sweep, H, P);
    probe.newRound();
    double r = 1e-2;
    for (int k = 1; k <= 3; k++) {
      assertFalse(probe.stopAfter(k, W, r * Math.pow(0.99, k), 1e-6));
    }
    assertTrue(probe.stopAfter(4, W, r * Math.pow(0.99, 4), 1e-6));
    assertEquals(4 + Math.log(1e-6 / (r * Math.pow(0.99, 4))) / Math.log(0.99), probe.extrapolatedSweeps(), 1e-6);
    assertEquals(913, probe.extrapolatedSweeps() - 4, 1);
    // at rate 0.9 it needs 83 more at the 4th sweep: under 1.5 x FISTA's cost (120), so it waits for the budget
    BcdProbe hopeful = new BcdProbe(20, 80 * sweep, H, P);
    hopeful.newRound();
    for (int k = 1; k < 20; k++) {
      assertFalse(hopeful.stopAfter(k, W, r * Math.pow(0.9, k), 1e-6), "sweep " + k);
    }
    // at 20: 1e-2 0.9^20 = 1.2e-3, 67.4 more sweeps, over 0.8 x FISTA's 80 = 64: FISTA takes over
    assertTrue(hopeful.stopAfter(20, W, r * Math.pow(0.9, 20), 1e-6));
    assertEquals(20 + Math.log(1e-6 / (r * Math.pow(0.9, 20))) / Math.log(0.9), hopeful.extrapolatedSweeps(), 1e-6);
    assertEquals(67.4, hopeful.extrapolatedSweeps() - 20, 0.05);
  }

  @Test
  void withoutARateTheDecisionWaits() {
    // budget 2, but a round's rate is read from its 4th sweep on: no decision at 2 or 3, the first at 4
    BcdProbe probe = new BcdProbe(2, 1e30, H, P);
    probe.newRound();
    assertFalse(probe.stopAfter(1, W, 0.5, 1e-6));
    assertFalse(probe.stopAfter(2, W, 0.25, 1e-6));
    assertFalse(probe.stopAfter(3, W, 0.25, 1e-6));
    assertTrue(Double.isNaN(probe.extrapolatedSweeps()));
    assertTrue(probe.stopAfter(4, W, 0.25, 1e-6)); // rate over sweeps 2..4: 1
  }

  private static GroupLassoProblem problem() {
    LnrTestData data = LnrTestData.random(51, 480, 60, 10);
    return GroupLassoProblem.forLayer(data.w, data.bias, data.augmentedR());
  }

  private static double objective(GroupLassoProblem problem, DenseMatrix m, double lambda) {
    return 0.5 * problem.squaredError(m) + lambda * problem.penalty(m.data, problem.outputs());
  }

  @Test
  void aSolveThroughTheProbeEndsWhereFistaAndBcdEnd() {
    GroupLassoProblem problem = problem();
    int h = problem.outputs();
    int p = problem.inputs();
    double tol = 1e-8;
    LnrResult warm = GroupLassoSolver.defaults().tolerance(tol).debias(false)
        .lasso(problem, 0.3 * problem.lambdaMax(), null, History.NONE);
    double lambda = 0.1 * problem.lambdaMax();
    LnrResult fista = new FistaGroupLasso().tolerance(tol).solve(problem, lambda, warm.lassoMatrix);
    LnrResult bcd = new GroupLassoBcd().tolerance(tol).solve(problem, lambda, warm.lassoMatrix);
    // a probe that finds FISTA cheaper (cost 0) stops BCD at its first decision, after 4 sweeps (the first
    // with a rate): FISTA finishes from there
    BcdProbe toFista = new BcdProbe(2, 0, h, p);
    LnrResult handedOver = GroupLassoSolver.probed(new FistaGroupLasso().tolerance(tol),
        new GroupLassoBcd().tolerance(tol), problem, lambda, warm.lassoMatrix, toFista);
    assertEquals("fista", handedOver.method);
    assertEquals(BcdProbe.RATE_SWEEPS, toFista.stoppedSweeps());
    assertNotNull(toFista.stoppedAt());
    // BCD's 4 sweeps decreased the objective from the warm start: a valid warm start for FISTA
    assertTrue(objective(problem, toFista.stoppedAt(), lambda) < objective(problem, warm.lassoMatrix, lambda));
    // a probe that finds BCD cheaper lets it run to the tolerance: the plain BCD solve
    BcdProbe toBcd = new BcdProbe(2, 1e30, h, p);
    LnrResult continued = GroupLassoSolver.probed(new FistaGroupLasso().tolerance(tol),
        new GroupLassoBcd().tolerance(tol), problem, lambda, warm.lassoMatrix, toBcd);
    assertEquals("bcd", continued.method);
    assertNull(toBcd.stoppedAt());
    assertEquals(bcd.iterations, continued.iterations);
    double best = objective(problem, bcd.lassoMatrix, lambda);
    for (LnrResult r : new LnrResult[] {fista, bcd, handedOver, continued}) {
      assertTrue(r.converged && r.kktResidual <= tol, r.method + " KKT " + r.kktResidual);
      AbstractGroupLassoMethodTest.assertKkt(problem, r.lassoMatrix, lambda, 1e-6);
      assertEquals(best, objective(problem, r.lassoMatrix, lambda), 1e-9 * Math.abs(best));
      assertTrue(r.lassoMatrix.maxAbsDiff(bcd.lassoMatrix) < 1e-5, "diff " + r.lassoMatrix.maxAbsDiff(bcd.lassoMatrix));
    }
  }

  @Test
  void autoProbesWhereThePredictionsAreCloseAndOnlyThere() {
    // h 100, p 301, 50% kept, FISTA measured 120 at 40%: BCD predicted at 260 sweeps (close) or 5000 (far)
    History close = new History(120, 0.4, 200, 0.4);
    History far = new History(120, 0.4, 5000, 0.4);
    History noFista = new History(-1, 0, 200, 0.4);
    double f = SolverCost.fista(100, 301, 300, 150, close);
    double b = SolverCost.bcd(100, 301, 300, 150, close);
    assertTrue(b > f && b <= SolverCost.PROBE_BAND * f, "BCD dearer, within the band: " + b / f);
    int w = 150 + 1 + 16;
    // the sweeps that cost 5% of FISTA's predicted solve (at least the 4 a rate needs)
    int budget = (int) Math.floor(0.05 * f / SolverCost.bcdSweep(100, 301, w));
    assertTrue(budget >= BcdProbe.RATE_SWEEPS, "budget " + budget);
    assertEquals(budget, SolverCost.probeSweeps(100, 301, 300, 150, 300, Start.UNKNOWN, close));
    // FISTA predicted 45 sweeps' cost (BCD 90): 5% is 2 sweeps, the 4 a rate needs cost 8.9%: 4
    double sweep = SolverCost.bcdSweep(100, 301, w);
    double iteration = SolverCost.fistaIteration(100, 301, 151);
    History fortyFive = new History((int) Math.round(45 * sweep / iteration), 0.5, 90, 0.5);
    assertEquals(45, SolverCost.fista(100, 301, 300, 150, fortyFive) / sweep, 0.5);
    assertEquals(BcdProbe.RATE_SWEEPS, SolverCost.probeSweeps(100, 301, 300, 150, 300, Start.UNKNOWN, fortyFive));
    // FISTA predicted 30 sweeps' cost (BCD 60): 4 sweeps would cost 13%, no probe
    History thirty = new History((int) Math.round(30 * sweep / iteration), 0.5, 60, 0.5);
    assertEquals(0, SolverCost.probeSweeps(100, 301, 300, 150, 300, Start.UNKNOWN, thirty));
    assertEquals(0, SolverCost.probeSweeps(100, 301, 300, 150, 300, Start.UNKNOWN, far)); // BCD predicted 25x dearer: no probe
    assertEquals(0, SolverCost.probeSweeps(100, 301, 300, 150, 300, Start.UNKNOWN, noFista)); // FISTA's count not measured
    // BCD predicted the cheaper (20 sweeps measured): it runs unwatched, as the model chose
    History cheapBcd = new History(120, 0.4, 20, 0.4);
    assertTrue(SolverCost.bcd(100, 301, 300, 150, cheapBcd) < SolverCost.fista(100, 301, 300, 150, cheapBcd));
    assertEquals(0, SolverCost.probeSweeps(100, 301, 300, 150, 300, Start.UNKNOWN, cheapBcd));
  }

  @Test
  void autoWithACloseHistoryProbesAndStillCertifiesTheTolerance() {
    GroupLassoProblem problem = problem();
    double tol = 1e-8;
    LnrResult warm = GroupLassoSolver.defaults().tolerance(tol).debias(false)
        .lasso(problem, 0.3 * problem.lambdaMax(), null, History.NONE);
    double lambda = 0.1 * problem.lambdaMax();
    int kept = GroupLassoSolver.keptPenalised(problem, warm.lassoMatrix);
    // a history where BCD is predicted twice FISTA's cost here: FISTA 2000 iterations, BCD measured at
    // this kept fraction with twice the sweeps that cost as much; the probe's budget is a twentieth of FISTA's
    int s = kept + 1;
    int w = Math.min(61, Math.max(s + 16, (int) Math.ceil(1.1 * s)));
    double fista = 2000 * SolverCost.fistaIteration(10, 61, s);
    int sweeps = (int) Math.round(fista / SolverCost.bcdSweep(10, 61, w));
    History hist = new History(2000, 0.3, 2 * sweeps, kept / 60.0);
    int budget = SolverCost.probeSweeps(10, 61, 60, kept, 60, Start.UNKNOWN, hist);
    assertEquals(Math.max(BcdProbe.RATE_SWEEPS, Math.floor(0.05 * fista / SolverCost.bcdSweep(10, 61, w))), budget, 0);
    LnrResult probed = GroupLassoSolver.defaults().tolerance(tol).debias(false).probe(true).lasso(problem, lambda,
        warm.lassoMatrix, hist);
    LnrResult plain = GroupLassoSolver.defaults().tolerance(tol).debias(false).probe(false).method(
        GroupLassoSolver.Method.FISTA).lasso(problem, lambda, warm.lassoMatrix, hist);
    assertTrue(probed.converged && probed.kktResidual <= tol, "KKT " + probed.kktResidual);
    // off by default: AUTO runs the model's choice (FISTA here, BCD predicted twice its cost), unprobed
    assertEquals(GroupLassoSolver.Method.FISTA, GroupLassoSolver.choose(problem, lambda, warm.lassoMatrix, hist));
    LnrResult byDefault = GroupLassoSolver.defaults().tolerance(tol).debias(false).lasso(problem, lambda,
        warm.lassoMatrix, hist);
    assertEquals("fista", byDefault.method);
    assertEquals(plain.iterations, byDefault.iterations);
    assertEquals(objective(problem, plain.lassoMatrix, lambda), objective(problem, probed.lassoMatrix, lambda),
        1e-9 * objective(problem, plain.lassoMatrix, lambda));
  }
}
