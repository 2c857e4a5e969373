package io.nncompress.codec.kmeans;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WeightSharingTest {

  @Test
  void everySolverGivesASortedCodebookAndNearestCodes() {
    Random rnd = new Random(21);
    DenseMatrix w = new DenseMatrix(31, 17);
    for (int t = 0; t < w.data.length; t++) {
      w.data[t] = rnd.nextGaussian() * (rnd.nextInt(10) == 0 ? 5 : 0.1);
    }
    double optimalSse = Double.NaN;
    for (WeightSharing.Solver s : WeightSharing.Solver.values()) {
      WeightSharing ws = WeightSharing.fit(w, 3, s, null, false, 7);
      float[] cb = ws.codebook();
      assertEquals(8, cb.length);
      for (int c = 1; c < cb.length; c++) {
        assertTrue(cb[c - 1] <= cb[c], s + ": codebook not ascending");
      }
      int[] codes = ws.codes();
      DenseMatrix q = ws.quantized();
      double sse = 0;
      for (int i = 0; i < w.rows; i++) {
        for (int j = 0; j < w.cols; j++) {
          double v = w.get(i, j);
          int code = codes[i * w.cols + j];
          assertEquals(cb[code], q.get(i, j), 0);
          for (float other : cb) {
            // no codebook value strictly nearer than the chosen one
            assertTrue(Math.abs(v - cb[code]) <= Math.abs(v - other), s + " weight " + v);
          }
          sse += (v - q.get(i, j)) * (v - q.get(i, j));
        }
      }
      if (s == WeightSharing.Solver.OPTIMAL) {
        optimalSse = sse;
        assertEquals(KMeans1D.optimal(w.data, null, 8).sse, sse, 1e-6 * sse); // float32 codebook rounding only
      } else {
        assertTrue(sse >= optimalSse * (1 - 1e-6), s + " " + sse + " below the optimum " + optimalSse);
      }
    }
  }

  @Test
  void skipZerosClustersOnlyTheSurvivors() {
    DenseMatrix w = DenseMatrix.fromRows(new double[][] {{0, 1, 0, 3}, {0, 0, 10, 12}});
    WeightSharing ws = WeightSharing.fit(w, 1, WeightSharing.Solver.OPTIMAL, null, true, 0);
    // survivors {1, 3, 10, 12}: centroids 2 and 11; zeros stay exact zeros
    assertEquals(2f, ws.codebook()[0]);
    assertEquals(11f, ws.codebook()[1]);
    int z = WeightSharing.ZERO_CODE;
    org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {z, 0, z, 0, z, z, 1, 1}, ws.codes());
    org.junit.jupiter.api.Assertions.assertArrayEquals(new double[] {0, 2, 0, 2}, ws.quantized().row(0), 0);
  }
}
