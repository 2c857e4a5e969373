package io.nncompress.lnr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import org.junit.jupiter.api.Test;

/** The cases every group-lasso solver must pass; each implementation is a tiny subclass. */
abstract class AbstractGroupLassoMethodTest {
  static final double TOL = 1e-8;

  /** The solver under test, at relative KKT tolerance {@code tol}. */
  abstract GroupLassoMethod solver(double tol);

  static GroupLassoProblem layer(LnrTestData data) {
    return GroupLassoProblem.forLayer(data.w, data.bias, data.augmentedR());
  }

  /** Checks the KKT conditions with a gradient computed by plain loops; returns the kept count. */
  static int assertKkt(GroupLassoProblem problem, DenseMatrix m, double lambda, double relTol) {
    double[][] g = LnrTestData.gradient(problem, m);
    double scale = problem.kktScale(lambda);
    int kept = 0;
    for (int j = 0; j < problem.inputs(); j++) {
      double mn = LnrTestData.columnNorm(m, j);
      double gn = 0;
      double res = 0;
      for (int i = 0; i < problem.outputs(); i++) {
        gn += g[i][j] * g[i][j];
        double t = mn > 0 ? g[i][j] + lambda * m.get(i, j) / mn : 0;
        res += t * t;
      }
      gn = Math.sqrt(gn);
      res = Math.sqrt(res);
      if (!problem.isPenalised(j)) {
        assertTrue(gn <= relTol * scale, "unpenalised column " + j + ": ||G_j|| = " + gn);
      } else if (mn > 0) {
        kept++; // G_j = -lambda M_j / ||M_j||
        assertTrue(res <= relTol * scale, "nonzero column " + j + ": ||G_j + lambda M_j/||M_j|| || = " + res);
      } else {
        assertTrue(gn <= lambda + relTol * scale, "zero column " + j + ": ||G_j|| = " + gn + " > lambda " + lambda);
      }
    }
    return kept;
  }

  @Test
  void kktConditionsHoldAtTheSolution() {
    LnrTestData data = LnrTestData.random(1, 240, 40, 12);
    GroupLassoProblem problem = layer(data);
    for (double frac : new double[] {0.6, 0.2, 0.05}) {
      double lambda = frac * problem.lambdaMax();
      LnrResult r = solver(TOL).solve(problem, lambda, null);
      assertTrue(r.converged, "converged at lambda " + lambda);
      assertTrue(r.kktResidual <= TOL, "reported KKT residual " + r.kktResidual);
      int kept = assertKkt(problem, r.lassoMatrix, lambda, 10 * TOL);
      assertEquals(kept, r.keptCount());
      assertTrue(kept > 0 && kept < 40, "a nontrivial support at " + frac + " lambda_max, kept " + kept);
      // an independent recomputation of the certificate agrees with the reported one
      assertEquals(problem.kktResidual(r.lassoMatrix, lambda), r.kktResidual, 1e-9);
    }
  }

  @Test
  void lambdaZeroReturnsTheWeights() {
    LnrTestData data = LnrTestData.random(2, 200, 20, 6);
    GroupLassoProblem problem = layer(data);
    LnrResult r = solver(1e-10).solve(problem, 0.0, null);
    assertTrue(r.converged);
    DenseMatrix wt = data.augmentedW();
    assertTrue(r.lassoMatrix.maxAbsDiff(wt) < 1e-6, "M = W~, max diff " + r.lassoMatrix.maxAbsDiff(wt));
    assertEquals(0.0, r.relativeErrorLasso, 1e-10);
  }

  @Test
  void lambdaMaxIsTightAndKeepsOnlyTheBias() {
    LnrTestData data = LnrTestData.random(3, 200, 30, 8);
    GroupLassoProblem problem = layer(data);
    double lmax = problem.lambdaMax();
    LnrResult above = solver(TOL).solve(problem, lmax * (1 + 1e-9), null);
    assertTrue(above.converged);
    assertEquals(0, above.keptCount());
    // bias column = least squares on the constant input alone: b0_i = C_{i,d} / R_{d,d} = (W~ R)_{i,d}
    DenseMatrix wt = data.augmentedW();
    DenseMatrix r = data.augmentedR();
    for (int i = 0; i < data.h; i++) {
      double expected = 0;
      for (int k = 0; k <= data.d; k++) {
        expected += wt.get(i, k) * r.get(k, data.d);
      }
      expected /= r.get(data.d, data.d);
      assertEquals(expected, above.lassoMatrix.get(i, data.d), 1e-9);
      for (int j = 0; j < data.d; j++) {
        assertEquals(0.0, above.lassoMatrix.get(i, j), 0.0);
      }
    }
    LnrResult below = solver(TOL).solve(problem, lmax * (1 - 1e-3), null);
    assertTrue(below.keptCount() >= 1, "just below lambda_max a column enters");
  }

  @Test
  void generalFormAgreesWithLayerForm() {
    LnrTestData data = LnrTestData.random(4, 150, 25, 7);
    GroupLassoProblem layer = layer(data);
    // C = E[y x~^T] and E||y||^2 from the rows y = W x + b
    double[][] y = data.outputs();
    int p = data.d + 1;
    DenseMatrix c = new DenseMatrix(data.h, p);
    double yy = 0;
    for (int s = 0; s < data.n; s++) {
      for (int i = 0; i < data.h; i++) {
        yy += y[s][i] * y[s][i] / data.n;
        for (int j = 0; j < p; j++) {
          c.add(i, j, y[s][i] * (j < data.d ? data.x[s][j] : 1.0) / data.n);
        }
      }
    }
    GroupLassoProblem general = GroupLassoProblem.general(c, data.augmentedR(), yy, data.d);
    assertEquals(layer.yy, general.yy, 1e-9 * layer.yy);
    assertEquals(layer.lambdaMax(), general.lambdaMax(), 1e-9 * layer.lambdaMax());
    double lambda = 0.15 * layer.lambdaMax();
    LnrResult a = solver(TOL).solve(layer, lambda, null);
    LnrResult b = solver(TOL).solve(general, lambda, null);
    assertTrue(a.lassoMatrix.maxAbsDiff(b.lassoMatrix) < 1e-6, "diff " + a.lassoMatrix.maxAbsDiff(b.lassoMatrix));
    assertEquals(a.relativeErrorLasso, b.relativeErrorLasso, 1e-8);
  }

  @Test
  void singularRWorksAndDebiasFallsBack() {
    LnrTestData data = LnrTestData.random(5, 200, 24, 6).withDuplicateColumn(0, 1);
    GroupLassoProblem problem = layer(data);
    double lambda = 0.02 * problem.lambdaMax();
    LnrResult r = solver(1e-7).solve(problem, lambda, null);
    assertTrue(r.converged);
    assertKkt(problem, r.lassoMatrix, lambda, 1e-6);
    for (double v : r.lassoMatrix.data) {
      assertTrue(Double.isFinite(v));
    }
    // duplicate inputs share the load equally, so both are kept and R_SS is singular
    assertTrue(LnrTestData.columnNorm(r.lassoMatrix, 0) > 0 && LnrTestData.columnNorm(r.lassoMatrix, 1) > 0);
    LnrResult d = Debias.apply(problem, r);
    assertTrue(d.debiasFallback, "pseudo-inverse fallback flagged");
    for (double v : d.matrix.data) {
      assertTrue(Double.isFinite(v));
    }
    assertTrue(d.relativeErrorDebiased <= d.relativeErrorLasso + 1e-12,
        "debiasing never hurts: " + d.relativeErrorDebiased + " vs " + d.relativeErrorLasso);
    // the refit satisfies the normal equations on its support: (M R - C)_S = 0
    double[][] g = LnrTestData.gradient(problem, d.matrix);
    for (int j : d.support()) {
      for (int i = 0; i < problem.outputs(); i++) {
        assertEquals(0.0, g[i][j], 1e-9);
      }
    }
  }

  @Test
  void warmStartFromTheSolutionStopsImmediately() {
    LnrTestData data = LnrTestData.random(6, 200, 30, 8);
    GroupLassoProblem problem = layer(data);
    double lambda = 0.1 * problem.lambdaMax();
    LnrResult r = solver(TOL).solve(problem, lambda, null);
    LnrResult again = solver(TOL).solve(problem, lambda, r.lassoMatrix);
    assertTrue(again.converged);
    assertTrue(again.iterations <= 1, "iterations from the optimum: " + again.iterations);
    assertTrue(again.lassoMatrix.maxAbsDiff(r.lassoMatrix) < 1e-12);
  }

  @Test
  void noBiasColumnPenalisesEverything() {
    LnrTestData data = LnrTestData.random(7, 200, 20, 5);
    DenseMatrix raug = data.augmentedR();
    int[] first = new int[data.d];
    for (int j = 0; j < data.d; j++) {
      first[j] = j;
    }
    GroupLassoProblem problem = GroupLassoProblem.forLayer(data.w, null, raug.selectSymmetric(first));
    assertEquals(data.d, problem.penalisedCount());
    LnrResult above = solver(TOL).solve(problem, problem.lambdaMax() * (1 + 1e-9), null);
    for (double v : above.lassoMatrix.data) {
      assertEquals(0.0, v, 0.0);
    }
    double lambda = 0.1 * problem.lambdaMax();
    LnrResult r = solver(TOL).solve(problem, lambda, null);
    assertKkt(problem, r.lassoMatrix, lambda, 10 * TOL);
  }
}
