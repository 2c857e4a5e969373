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
}
