package io.nncompress.codec.kmeans;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class KMeans1DTest {

  /** min over all partitions of the sorted points into k contiguous nonempty groups of the weighted SSE. */
  static double bruteForce(double[] values, double[] weights, int k) {
    int n = values.length;
    Integer[] idx = new Integer[n];
    for (int i = 0; i < n; i++) {
      idx[i] = i;
    }
    Arrays.sort(idx, (a, b) -> Double.compare(values[a], values[b]));
    double[] x = new double[n];
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = values[idx[i]];
      w[i] = weights == null ? 1 : weights[idx[i]];
    }
    return best(x, w, 0, k);
  }

  private static double best(double[] x, double[] w, int from, int k) {
    int n = x.length;
    if (k == 1) {
      return groupSse(x, w, from, n);
    }
    double b = Double.POSITIVE_INFINITY;
    for (int end = from + 1; end <= n - (k - 1); end++) {
      b = Math.min(b, groupSse(x, w, from, end) + best(x, w, end, k - 1));
    }
    return b;
  }

  private static double groupSse(double[] x, double[] w, int from, int to) {
    double sw = 0;
    double swx = 0;
    for (int i = from; i < to; i++) {
      sw += w[i];
      swx += w[i] * x[i];
    }
    if (sw == 0) {
      return 0;
    }
    double mean = swx / sw;
    double s = 0;
    for (int i = from; i < to; i++) {
      s += w[i] * (x[i] - mean) * (x[i] - mean);
    }
    return s;
  }

  @Test
  void optimalMatchesBruteForceOnSmallInputs() {
    Random rnd = new Random(11);
    for (int trial = 0; trial < 300; trial++) {
      int n = 1 + rnd.nextInt(10);
      double[] x = new double[n];
      for (int i = 0; i < n; i++) {
        // some duplicates: values on a coarse grid half of the time
        x[i] = trial % 2 == 0 ? rnd.nextGaussian() : rnd.nextInt(6) - 2.5;
      }
      double[] w = null;
      if (trial % 3 != 0) {
        w = new double[n];
        for (int i = 0; i < n; i++) {
          w[i] = 0.05 + rnd.nextDouble() * 3;
        }
      }
      long distinct = Arrays.stream(x).distinct().count();
      for (int k = 1; k <= Math.min(4, distinct); k++) {
        double expect = bruteForce(x, w, k);
        KMeans1D.Result r = KMeans1D.optimal(x, w, k);
        assertEquals(k, r.centroids.length);
        assertEquals(expect, r.sse, 1e-10 * (1 + expect), "trial " + trial + " n=" + n + " k=" + k);
      }
    }
  }

  @Test
  void smawkAndDivideAndConquerAgree() {
    Random rnd = new Random(77);
    for (int trial = 0; trial < 60; trial++) {
      int n = 1 + rnd.nextInt(3000);
      double[] x = trial % 3 == 0 ? grid(rnd, n) : laplace(rnd, n);
      double[] w = trial % 2 == 0 ? null : positive(rnd, n);
      long distinct = Arrays.stream(x).distinct().count();
      for (int k : new int[] {1, 2, 5, 17, 64, 300}) {
        if (k > distinct) {
          continue;
        }
        KMeans1D.Result a = KMeans1D.optimal(x, w, k);
        KMeans1D.Result b = KMeans1D.optimalDivideAndConquer(x, w, k);
        assertEquals(b.sse, a.sse, 1e-9 * (b.sse + 1e-300), "trial " + trial + " n=" + n + " k=" + k);
      }
    }
  }

  /**
   * From {@code PARALLEL_MIN_VALUES} values on, the prefix and suffix halves of the DP run in
   * parallel (on a machine with more than one core): the same optimum as the divide-and-conquer
   * layers, which share no code with SMAWK.
   */
  @Test
  void largeInputsSolvedInTwoParallelHalvesGiveTheSameOptimum() {
    Random rnd = new Random(21);
    int n = 2 * OptimalKMeans1D.PARALLEL_MIN_VALUES + 1234;
    double[] x = laplace(rnd, n);
    for (int i = 0; i < n; i += 3) {
      x[i] = (float) x[i]; // a few duplicates merge
    }
    double[] w = positive(rnd, n);
    for (double[] weights : new double[][] {null, w}) {
      for (int k : new int[] {2, 3, 4, 5, 16}) {
        KMeans1D.Result a = KMeans1D.optimal(x, weights, k);
        KMeans1D.Result b = KMeans1D.optimalDivideAndConquer(x, weights, k);
        assertEquals(b.sse, a.sse, 1e-10 * b.sse, "k=" + k + (weights == null ? "" : " weighted"));
        assertArrayEquals(b.centroids, a.centroids, 1e-9, "k=" + k);
        assertEquals(KMeans1D.sse(x, weights, a.centroids), a.sse, 1e-9 * a.sse);
      }
    }
  }

  static double[] grid(Random rnd, int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = rnd.nextInt(40) * 0.25; // many duplicates
    }
    return x;
  }

  @Test
  void handComputedCase() {
    // {0, 1, 10, 11, 12}, k = 2: clusters {0,1} (mean 0.5, SSE 0.5) and {10,11,12} (mean 11, SSE 2)
    KMeans1D.Result r = KMeans1D.optimal(new double[] {12, 0, 11, 1, 10}, null, 2);
    assertArrayEquals(new double[] {0.5, 11}, r.centroids, 1e-12);
    assertEquals(2.5, r.sse, 1e-12);
    // weights: 0 counts 3 times, 1 once -> weighted mean 0.25, SSE 3*0.0625 + 0.5625 = 0.75
    KMeans1D.Result rw = KMeans1D.optimal(new double[] {12, 0, 11, 1, 10}, new double[] {1, 3, 1, 1, 1}, 2);
    assertArrayEquals(new double[] {0.25, 11}, rw.centroids, 1e-12);
    assertEquals(2.75, rw.sse, 1e-12);
  }

  @Test
  void optimalNeverWorseThanLloydFromAnyInit() {
    Random rnd = new Random(5);
    for (int trial = 0; trial < 20; trial++) {
      int n = 200 + rnd.nextInt(2000);
      double[] x = laplace(rnd, n);
      double[] w = trial % 2 == 0 ? null : positive(rnd, n);
      for (int k : new int[] {2, 3, 8, 16}) {
        KMeans1D.Result opt = KMeans1D.optimal(x, w, k);
        for (KMeans1D.Init init : KMeans1D.Init.values()) {
          KMeans1D.Result l = KMeans1D.lloyd(x, w, k, init, trial, 300);
          assertTrue(opt.sse <= l.sse * (1 + 1e-12) + 1e-15,
              "k=" + k + " " + init + ": optimal " + opt.sse + " vs Lloyd " + l.sse);
        }
      }
    }
  }

  @Test
  void lloydIsAFixedPointOfItsOwnAssignment() {
    Random rnd = new Random(3);
    double[] x = laplace(rnd, 3000);
    double[] w = positive(rnd, 3000);
    KMeans1D.Result l = KMeans1D.lloyd(x, w, 8, KMeans1D.Init.LINEAR, 0, 1000);
    // converged: every centroid is the weighted mean of the points nearest to it
    double[] sw = new double[8];
    double[] swx = new double[8];
    for (int i = 0; i < x.length; i++) {
      int c = KMeans1D.nearest(l.centroids, x[i]);
      sw[c] += w[i];
      swx[c] += w[i] * x[i];
    }
    for (int c = 0; c < 8; c++) {
      if (sw[c] > 0) {
        assertEquals(swx[c] / sw[c], l.centroids[c], 1e-9);
      }
    }
    assertEquals(KMeans1D.sse(x, w, l.centroids), l.sse, 1e-9 * l.sse);
  }

  @Test
  void histogramSolverIsExactOnTheHistogramAndCloseOnTheData() {
    Random rnd = new Random(9);
    double[] x = laplace(rnd, 20000);
    KMeans1D.Result direct = KMeans1D.optimal(x, null, 16);
    KMeans1D.Result hist = KMeans1D.optimalOnHistogram(x, null, 16, 4096);
    assertTrue(hist.sse >= direct.sse * (1 - 1e-12), "histogram " + hist.sse + " below the optimum " + direct.sse);
    assertTrue(hist.sse <= direct.sse * 1.01, "histogram " + hist.sse + " vs optimum " + direct.sse);
    // few values: every value its own bin, so the histogram solution is the optimum
    double[] small = {1, 1, 2, 5, 5, 5, 9, 14, 14, 20};
    assertEquals(bruteForce(small, null, 3), KMeans1D.optimalOnHistogram(small, null, 3, 1 << 16).sse, 1e-12);
    KMeans1D.Histogram h = KMeans1D.histogram(small, null, 1 << 16);
    assertArrayEquals(new double[] {1, 2, 5, 9, 14, 20}, h.centers, 1e-12);
    assertArrayEquals(new double[] {2, 1, 3, 1, 2, 1}, h.weights, 0);
  }

  @Test
  void initialisationsFollowThePaper() {
    double[] x = {0, 1, 2, 3, 4, 5, 6, 7, 8, 100};
    // one iteration from linear init over [0, 100] with k = 2: centroids 0 and 100 -> means 4 and 100
    KMeans1D.Result lin = KMeans1D.lloyd(x, null, 2, KMeans1D.Init.LINEAR, 0, 1);
    assertArrayEquals(new double[] {4, 100}, lin.centroids, 1e-12);
    // density init, k = 2: CDF quantiles 1/4 and 3/4 -> x = 2 and 7; one iteration: {0..4} (mean 2) and {5..8, 100} (mean 126 / 5)
    KMeans1D.Result den = KMeans1D.lloyd(x, null, 2, KMeans1D.Init.DENSITY, 0, 1);
    assertArrayEquals(new double[] {2, 126.0 / 5}, den.centroids, 1e-12);
    // random init draws k distinct data values: with k = n it draws them all, a zero-SSE fixed point
    KMeans1D.Result rnd = KMeans1D.lloyd(x, null, 10, KMeans1D.Init.RANDOM, 42, 5);
    assertEquals(0.0, rnd.sse, 0);
  }

  @Test
  void zeroWeightsAreIgnored() {
    double[] x = {0, 1, 50, 10, 11};
    double[] w = {1, 1, 0, 1, 1};
    KMeans1D.Result r = KMeans1D.optimal(x, w, 2);
    assertArrayEquals(new double[] {0.5, 10.5}, r.centroids, 1e-12);
    assertEquals(1.0, r.sse, 1e-12);
  }

  @Test
  void fewerDistinctValuesThanKEachKeepTheirValue() {
    // 3 distinct values with positive weight (2 twice; 9 has weight 0), k = 5: every solver returns
    // 1, 2, 3 and repeats 3 up to 5 centroids, SSE 0
    double[] x = {3, 2, 1, 2, 9};
    double[] w = {1, 2, 1, 1, 0};
    double[] expected = {1, 2, 3, 3, 3};
    for (KMeans1D.Result r : List.of(KMeans1D.optimal(x, w, 5), KMeans1D.optimalDivideAndConquer(x, w, 5),
        KMeans1D.optimalOnHistogram(x, w, 5, 1000), KMeans1D.lloyd(x, w, 5, KMeans1D.Init.LINEAR, 0, 10),
        KMeans1D.lloyd(x, w, 5, KMeans1D.Init.DENSITY, 0, 10), KMeans1D.lloyd(x, w, 5, KMeans1D.Init.RANDOM, 7, 10))) {
      assertArrayEquals(expected, r.centroids, 0, r.toString());
      assertEquals(0.0, r.sse, 0, r.toString());
    }
    // the nearest centroid of each value is its own (ties to the lower index)
    assertEquals(2, KMeans1D.nearest(expected, 3));
    assertEquals(1, KMeans1D.nearest(expected, 2));
    // the histogram's bins: 4 values in 2 non-empty bins over [0, 10] -> the bins' means, padded
    KMeans1D.Result h = KMeans1D.optimalOnHistogram(new double[] {0, 1, 9, 10}, null, 4, 2);
    assertArrayEquals(new double[] {0.5, 9.5, 9.5, 9.5}, h.centroids, 0);
    assertEquals(1.0, h.sse, 1e-12);
  }

  @Test
  void badParametersNameTheParameter() {
    double[] x = {1, 2, 2, 3};
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KMeans1D.optimal(x, new double[4], 1));
    assertEquals("there are no values with positive weight to cluster", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> KMeans1D.optimal(x, null, 0));
    assertEquals("k must be at least 1, cannot be: 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> KMeans1D.lloyd(new double[] {1, Double.NaN}, null, 1,
        KMeans1D.Init.LINEAR, 0, 10));
    assertEquals("values[1] must be finite, cannot be: NaN", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> KMeans1D.optimal(x, new double[] {1, -1, 1, 1}, 2));
    assertEquals("weights[1] must be finite and >= 0, cannot be: -1.0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> KMeans1D.optimal(x, new double[] {1, 1}, 2));
    assertTrue(e.getMessage().contains("4 values vs 2 weights"), e.getMessage());
  }

  static double[] laplace(Random rnd, int n) {
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      double u = rnd.nextDouble() - 0.5;
      x[i] = -0.05 * Math.signum(u) * Math.log(1 - 2 * Math.abs(u));
    }
    return x;
  }

  static double[] positive(Random rnd, int n) {
    double[] w = new double[n];
    for (int i = 0; i < n; i++) {
      w[i] = 0.1 + rnd.nextDouble();
    }
    return w;
  }
}
