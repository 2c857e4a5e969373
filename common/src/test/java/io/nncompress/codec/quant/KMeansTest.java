package io.nncompress.codec.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class KMeansTest {
  @Test
  void convergedCentresAreMeansOfTheirPointsAndPointsAreNearest() {
    Random rnd = new Random(3);
    int n = 200;
    int m = 3;
    double[] pts = new double[n * m];
    for (int k = 0; k < pts.length; k++) {
      pts[k] = rnd.nextGaussian() + 5 * (k / m % 4); // 4 blobs
    }
    KMeans km = KMeans.fit(pts, n, m, 5, 11, 100);
    assertEquals(5, km.count);
    double[] sums = new double[5 * m];
    int[] sizes = new int[5];
    for (int p = 0; p < n; p++) {
      int a = km.assignment[p];
      sizes[a]++;
      for (int t = 0; t < m; t++) {
        sums[a * m + t] += pts[p * m + t];
      }
      // Lloyd fixed point: every point is with its nearest centre
      assertEquals(KMeans.nearest(pts, p * m, km.centres, km.count, m), a);
    }
    for (int a = 0; a < 5; a++) {
      for (int t = 0; t < m; t++) {
        assertEquals(sums[a * m + t] / sizes[a], km.centres[a * m + t], 1e-12);
      }
    }
    // same seed, same result
    assertArrayEquals(km.centres, KMeans.fit(pts, n, m, 5, 11, 100).centres, 0.0);
  }

  @Test
  void fewerDistinctPointsThanClustersGivesOneCentreEach() {
    double[] pts = {1, 1, 2, 2, 1, 1, 3, 3, 2, 2};
    KMeans km = KMeans.fit(pts, 5, 2, 8, 0, 10);
    assertEquals(3, km.count);
    for (int p = 0; p < 5; p++) {
      assertEquals(pts[2 * p], km.centres[2 * km.assignment[p]], 0.0);
    }
    assertEquals("clusters k must be at least 1, cannot be: 0",
        assertThrows(IllegalArgumentException.class, () -> KMeans.fit(pts, 5, 2, 0, 0, 10)).getMessage());
  }
}
