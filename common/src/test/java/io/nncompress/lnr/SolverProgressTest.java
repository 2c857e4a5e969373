package io.nncompress.lnr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nncompress.lnr.IterationCounts.History;
import io.nncompress.progress.CapturedEvents;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the solvers report through the progress facade, against direct computations. */
class SolverProgressTest {
  static GroupLassoProblem problem() {
    return GroupLassoProblem.forLayer(LnrTestData.random(7, 300, 40, 12).w, LnrTestData.random(7, 300, 40, 12).bias,
        LnrTestData.random(7, 300, 40, 12).augmentedR());
  }

  /** F(M) = 1/2 E||Y - M X||^2 + lambda sum_j ||M_j||, computed directly. */
  static double objective(GroupLassoProblem p, LnrResult r) {
    return 0.5 * p.squaredError(r.lassoMatrix) + r.lambda * p.groupNorm(r.lassoMatrix);
  }

  /**
   * FISTA reports every iteration (gradient step); BCD every time it certifies M with the full
   * gradient (after each round of sweeps over its working set), numbered by sweeps.
   */
  static void checkSolve(GroupLassoMethod method, String name, boolean monotone) {
    GroupLassoProblem p = problem();
    double lambda = 0.1 * p.lambdaMax();
    LnrResult quiet = method.solve(p, lambda, null);
    LnrResult r;
    List<JsonNode> ev;
    try (CapturedEvents c = new CapturedEvents(0.0)) { // every iteration
      r = method.solve(p, lambda, null);
      ev = c.events(CapturedEvents.event("solver"));
    }
    assertArrayEquals(quiet.lassoMatrix.data, r.lassoMatrix.data, 0.0, "reporting changes nothing");
    if (name.equals("fista")) {
      assertEquals(r.iterations + 1, ev.size(), "one event per iteration, plus the last");
    } else {
      assertTrue(ev.size() >= 3, "one event per round of sweeps: " + ev.size());
    }
    JsonNode first = ev.get(0);
    JsonNode last = ev.get(ev.size() - 1);
    assertFalse(first.has("converged"));
    assertTrue(last.get("converged").asBoolean());
    assertEquals(r.iterations, last.get("iteration").asInt());
    assertEquals(r.kktResidual, last.get("kkt").asDouble(), 0.0);
    assertTrue(last.get("kkt").asDouble() <= method.tolerance());
    assertEquals(0.0, last.get("eta_s").asDouble(), 0.0);
    double f = objective(p, r);
    assertEquals(f, last.get("objective").asDouble(), 1e-10 * Math.abs(f), "the objective of the result");
    assertTrue(last.get("objective").asDouble() < first.get("objective").asDouble(), "the solve lowers F");
    int withEta = 0;
    for (int k = 0; k < ev.size(); k++) {
      JsonNode e = ev.get(k);
      assertEquals(name, e.get("method").asText());
      assertEquals(lambda, e.get("lambda").asDouble(), 0.0);
      assertEquals(method.tolerance(), e.get("tolerance").asDouble(), 0.0);
      assertEquals(first.get("solve").asLong(), e.get("solve").asLong(), "one solve");
      if (k > 0) {
        assertTrue(e.get("iteration").asInt() > ev.get(k - 1).get("iteration").asInt() || k == ev.size() - 1);
        if (monotone) {
          double prev = ev.get(k - 1).get("objective").asDouble();
          assertTrue(e.get("objective").asDouble() <= prev + 1e-12 * Math.abs(prev), "decreasing at " + k);
        }
      }
      withEta += e.has("eta_s") ? 1 : 0;
    }
    assertTrue(withEta > ev.size() / 2, "time left estimated for most iterations: " + withEta + " of " + ev.size());
  }

  @Test
  void fistaReportsEveryIterationWithItsObjective() {
    checkSolve(new FistaGroupLasso().tolerance(1e-8), "fista", false);
  }

  @Test
  void bcdReportsADecreasingObjective() {
    checkSolve(new GroupLassoBcd().tolerance(1e-10), "bcd", true);
  }

  @Test
  void aSolveOnTheReducedProblemReportsTheConfiguredToleranceAndTheLayersResidual() {
    // the solver iterates on the problem with the bias eliminated (and, in a search, screened columns
    // left out) at the same absolute tolerance: its events are relative to the layer's problem. On ReLU
    // inputs the bias carries most of C, so the reduced problem's scale is far below the layer's
    GroupLassoProblem p = UnpenalisedEliminationTest.reluLayer(5, 600, 40, 12);
    double lambda = 0.1 * p.lambdaMax();
    GroupLassoSolver solver = GroupLassoSolver.defaults().tolerance(1e-8).debias(false);
    LnrResult r;
    List<JsonNode> ev;
    try (CapturedEvents c = new CapturedEvents(0.0)) {
      r = solver.lasso(p, lambda, null, History.NONE);
      ev = c.events(CapturedEvents.event("solver"));
    }
    UnpenalisedElimination e = p.cachedElimination();
    assertTrue(e != null && e.reduced().kktScale(lambda) < 0.5 * p.kktScale(lambda),
        "the reduced problem has its own scale: the test would not see a missing conversion");
    for (JsonNode event : ev) {
      assertEquals(1e-8, event.get("tolerance").asDouble(), 1e-20);
    }
    JsonNode last = ev.get(ev.size() - 1);
    assertTrue(last.get("converged").asBoolean());
    // the layer's KKT residual, computed on the whole problem at the lifted solution
    double kkt = Kkt.residual(p, r.lassoMatrix.data, p.gradient(r.lassoMatrix).data, lambda) / p.kktScale(lambda);
    assertEquals(kkt, last.get("kkt").asDouble(), 1e-6 * kkt + 1e-14);
    assertEquals(r.kktResidual, last.get("kkt").asDouble(), 1e-12 * r.kktResidual);
    double f = objective(p, r);
    assertEquals(f, last.get("objective").asDouble(), 1e-9 * Math.abs(f), "the layer's objective");

    List<JsonNode> search;
    try (CapturedEvents c = new CapturedEvents(0.0)) {
      new LambdaSearch(GroupLassoSolver.defaults().tolerance(1e-6)).search(p, LambdaSearch.Target.keepCount(20));
      search = c.events(CapturedEvents.event("solver"));
    }
    assertTrue(search.size() > 10, "events: " + search.size());
    for (JsonNode event : search) {
      assertEquals(1e-6, event.get("tolerance").asDouble(), 1e-18);
    }
  }

  @Test
  void throttledJsonKeepsTheFirstAndLastIterationOfEverySolve() {
    GroupLassoProblem p = problem();
    List<JsonNode> solver;
    List<JsonNode> lambdas;
    LambdaSearch.Result res;
    try (CapturedEvents c = new CapturedEvents(3600.0)) { // an hour: no iteration in between passes
      res = new LambdaSearch().search(p, LambdaSearch.Target.keepCount(20));
      solver = c.events(CapturedEvents.event("solver"));
      lambdas = c.events(CapturedEvents.event("lambda"));
    }
    assertEquals(res.path.size(), lambdas.size(), "one lambda event per point of the path");
    for (int k = 0; k < lambdas.size(); k++) {
      assertEquals(res.path.get(k).lambda, lambdas.get(k).get("lambda").asDouble(), 0.0);
      assertEquals(res.path.get(k).kept, lambdas.get(k).get("kept").asInt());
      assertEquals(20, lambdas.get(k).get("target").asInt());
      assertEquals(40, lambdas.get(k).get("total").asInt());
    }
    long iterative = res.path.stream().filter(pt -> pt.iterations > 0).count();
    assertEquals(2 * iterative, solver.size(), "first and last of each iterative solve");
    assertTrue(iterative >= 2, "path " + res.path); // the path search meets this count on its third grid point
  }
}
