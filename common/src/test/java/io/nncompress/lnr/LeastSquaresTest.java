package io.nncompress.lnr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import org.junit.jupiter.api.Test;

class LeastSquaresTest {

  /** min_{M_S} (1/n) sum_i ||y_i - M_S x~_{i,S}||^2 from the raw rows, by Gaussian elimination. */
  private static double[][] rawRowLeastSquares(LnrTestData data, int[] support) {
    double[][] y = data.outputs();
    int s = support.length;
    double[][] a = new double[s][s]; // sum_i x_S x_S^T
    double[][] b = new double[s][data.h]; // sum_i x_S y^T
    for (int i = 0; i < data.n; i++) {
      for (int u = 0; u < s; u++) {
        double xu = support[u] < data.d ? data.x[i][support[u]] : 1.0;
        for (int v = 0; v < s; v++) {
          a[u][v] += xu * (support[v] < data.d ? data.x[i][support[v]] : 1.0);
        }
        for (int k = 0; k < data.h; k++) {
          b[u][k] += xu * y[i][k];
        }
      }
    }
    return LnrTestData.gaussianSolve(a, b); // M_S^T, s x h
  }

  @Test
  void debiasEqualsLeastSquaresOnTheRawRows() {
    LnrTestData data = LnrTestData.random(31, 300, 30, 9);
    GroupLassoProblem problem = GroupLassoProblem.forLayer(data.w, data.bias, data.augmentedR());
    double lambda = 0.1 * problem.lambdaMax();
    LnrResult r = Debias.apply(problem, new FistaGroupLasso().tolerance(1e-9).solve(problem, lambda, null));
    assertTrue(r.debiased);
    assertFalse(r.debiasFallback);
    int[] support = r.support();
    assertTrue(support.length > 2 && support.length < 31, "nontrivial support " + support.length);
    double[][] mst = rawRowLeastSquares(data, support);
    for (int u = 0; u < support.length; u++) {
      for (int i = 0; i < data.h; i++) {
        assertEquals(mst[u][i], r.matrix.get(i, support[u]), 1e-9);
      }
    }
    // zero outside the support
    for (int j = 0; j < problem.inputs(); j++) {
      if (java.util.Arrays.binarySearch(support, j) < 0) {
        assertEquals(0.0, LnrTestData.columnNorm(r.matrix, j), 0.0);
      }
    }
    // relative error computed from the rows
    double[][] y = data.outputs();
    double err = 0;
    double yy = 0;
    for (int s = 0; s < data.n; s++) {
      for (int i = 0; i < data.h; i++) {
        double pred = 0;
        for (int j = 0; j <= data.d; j++) {
          pred += r.matrix.get(i, j) * (j < data.d ? data.x[s][j] : 1.0);
        }
        err += (y[s][i] - pred) * (y[s][i] - pred);
        yy += y[s][i] * y[s][i];
      }
    }
    assertEquals(err / yy, r.relativeErrorDebiased, 1e-9);
    assertTrue(r.relativeErrorDebiased <= r.relativeErrorLasso);
  }

  @Test
  void singularSupportUsesThePseudoInverseAndMatchesTheMinimumNormSolution() {
    // inputs 0 and 1 identical: the least squares solution is a line; the pseudo-inverse gives the
    // minimum-norm point, which splits the weight equally between the two copies
    LnrTestData data = LnrTestData.random(32, 200, 10, 4).withDuplicateColumn(0, 1);
    GroupLassoProblem problem = GroupLassoProblem.forLayer(data.w, data.bias, data.augmentedR());
    int[] support = {0, 1, 2, 10};
    LeastSquares.Solution ls = LeastSquares.solveOnSupport(problem, support);
    assertTrue(ls.fallback);
    // reference: least squares on {0, 2, 10} (no duplicate), then split column 0 in half
    double[][] ref = rawRowLeastSquares(data, new int[] {0, 2, 10});
    for (int i = 0; i < data.h; i++) {
      assertEquals(0.5 * ref[0][i], ls.matrix.get(i, 0), 1e-8);
      assertEquals(0.5 * ref[0][i], ls.matrix.get(i, 1), 1e-8);
      assertEquals(ref[1][i], ls.matrix.get(i, 2), 1e-8);
      assertEquals(ref[2][i], ls.matrix.get(i, 10), 1e-8);
    }
  }

  @Test
  void badSupportIsRejected() {
    LnrTestData data = LnrTestData.random(33, 50, 5, 2);
    GroupLassoProblem problem = GroupLassoProblem.forLayer(data.w, data.bias, data.augmentedR());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LeastSquares.solveOnSupport(problem, new int[] {1, 1}));
    assertTrue(e.getMessage().contains("distinct"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LeastSquares.solveOnSupport(problem, new int[] {6}));
  }

  @Test
  void shapeErrorsNameBothShapes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GroupLassoProblem.forLayer(new DenseMatrix(3, 4), new double[3], new DenseMatrix(4, 4)));
    assertTrue(e.getMessage().contains("5x5") && e.getMessage().contains("4x4"), e.getMessage());
  }

  /**
   * Nearly collinear inputs, as top-down sees them from a compressed upstream layer: x1 = g,
   * x2 = g + 1e-4 e, x3 independent, outputs y1 = g + 0.02 e + 0.5 x3 and y2 = x3 - g + 0.01 e. The
   * exact least squares solution explains the small e-terms through x2 - x1 = 1e-4 e: weights 200 and
   * -199 on x2 and x1. Returns the augmented problem (column 3 = the constant 1, unpenalised).
   */
  static GroupLassoProblem nearlyCollinear() {
    java.util.Random rnd = new java.util.Random(34);
    int n = 4000;
    double[][] xs = new double[n][];
    double[][] ys = new double[n][];
    for (int i = 0; i < n; i++) {
      double g = rnd.nextGaussian();
      double e = rnd.nextGaussian();
      double x3 = rnd.nextGaussian() + 0.3;
      xs[i] = new double[] {g, g + 1e-4 * e, x3, 1.0};
      ys[i] = new double[] {g + 0.02 * e + 0.5 * x3, x3 - g + 0.01 * e};
    }
    DenseMatrix r = new DenseMatrix(4, 4);
    DenseMatrix c = new DenseMatrix(2, 4);
    double yy = 0;
    for (int i = 0; i < n; i++) {
      for (int a = 0; a < 4; a++) {
        for (int b = 0; b < 4; b++) {
          r.add(a, b, xs[i][a] * xs[i][b] / n);
        }
        for (int k = 0; k < 2; k++) {
          c.add(k, a, ys[i][k] * xs[i][a] / n);
        }
      }
      yy += (ys[i][0] * ys[i][0] + ys[i][1] * ys[i][1]) / n;
    }
    return GroupLassoProblem.general(c, r, yy, 3);
  }

  private static double maxAbs(DenseMatrix m) {
    double x = 0;
    for (double v : m.data) {
      x = Math.max(x, Math.abs(v));
    }
    return x;
  }

  // issue 17, item 4: the plain refit of an unreachable top-down target had weights of 383.6
  @Test
  void nearlyCollinearSupportGetsABoundedRidgeRefitNoWorseThanTheLasso() {
    GroupLassoProblem problem = nearlyCollinear();
    int[] all = {0, 1, 2, 3};
    // the plain refit (exact solve of R M^T = C^T) explodes: this is what the refit must not return
    double[][] rr = new double[4][4];
    double[][] cc = new double[4][2];
    for (int a = 0; a < 4; a++) {
      for (int b = 0; b < 4; b++) {
        rr[a][b] = problem.r.get(a, b);
      }
      for (int k = 0; k < 2; k++) {
        cc[a][k] = problem.c.get(k, a);
      }
    }
    double[][] plain = LnrTestData.gaussianSolve(rr, cc);
    assertTrue(Math.abs(plain[1][0]) > 150, "the plain refit explodes: " + plain[1][0]);

    // an unreachable target: the search ends at lambda = 0 with every input kept, and says so
    LambdaSearch.Result res = new LambdaSearch().search(problem, LambdaSearch.Target.maxRelativeError(1e-12));
    assertFalse(res.targetReached);
    assertEquals(3, res.solution.keptCount());
    DenseMatrix m = res.solution.matrix;
    assertTrue(maxAbs(m) < 2.0, "largest weight " + maxAbs(m) + " (the coefficients are at most 1 in size)");
    // bounded: every weight below the bound the ridge guarantees, and of the size of the true coefficients
    double[][] bound = LeastSquares.weightBound(problem, all);
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 4; j++) {
        assertTrue(Math.abs(m.get(i, j)) <= bound[i][j], "w[" + i + "][" + j + "] = " + m.get(i, j) + " > "
            + bound[i][j]);
      }
    }
    assertTrue(res.solution.debiasFallback, "the ridge is flagged");
    // and it reconstructs about as well as the lasso it refits: at most 1e-3 of E||Y||^2 worse
    double margin = 1e-3;
    assertTrue(res.solution.relativeErrorDebiased <= res.solution.relativeErrorLasso + margin,
        "debiased " + res.solution.relativeErrorDebiased + " vs lasso " + res.solution.relativeErrorLasso);
    assertEquals(problem.relativeError(m), res.solution.relativeErrorDebiased, 1e-12);
    // what the ridge gives up is the e-terms, (0.02^2 + 0.01^2) / E||Y||^2 = 1.5e-4 of the output
    assertTrue(res.solution.relativeErrorDebiased < 3e-4, "debiased " + res.solution.relativeErrorDebiased);
  }

  @Test
  void wellConditionedSupportIsTheExactLeastSquaresSolution() {
    LnrTestData data = LnrTestData.random(35, 300, 8, 3);
    GroupLassoProblem problem = GroupLassoProblem.forLayer(data.w, data.bias, data.augmentedR());
    LeastSquares.Solution ls = LeastSquares.solveOnSupport(problem, new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8});
    assertFalse(ls.fallback);
    assertEquals(0.0, ls.ridge, 0.0);
    // Y = W~ X exactly: the refit on every column is W~ itself
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 8; j++) {
        assertEquals(data.w.get(i, j), ls.matrix.get(i, j), 1e-9);
      }
      assertEquals(data.bias[i], ls.matrix.get(i, 8), 1e-9);
    }
  }
}
