package io.nncompress.codec.kmeans;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PairSortTest {

  /** The radix sort gives Arrays.sort's order (-0.0 before 0.0 included) and keeps every pair together. */
  @Test
  void radixSortEqualsArraysSortAndKeepsPairs() {
    Random rnd = new Random(4);
    for (int trial = 0; trial < 40; trial++) {
      int n = PairSort.RADIX_MIN + rnd.nextInt(20_000);
      double[] x = new double[n];
      for (int i = 0; i < n; i++) {
        switch (trial % 4) {
          case 0:
            x[i] = rnd.nextGaussian() * Math.pow(10, rnd.nextInt(40) - 20); // many exponents
            break;
          case 1:
            x[i] = rnd.nextInt(7) - 3.0; // duplicates; all bits but a few shared: most passes skipped
            break;
          case 2:
            x[i] = rnd.nextBoolean() ? 0.0 : -0.0;
            break;
          default:
            x[i] = (float) (0.02 * rnd.nextGaussian()); // float32 weights
        }
      }
      x[rnd.nextInt(n)] = Double.MAX_VALUE;
      x[rnd.nextInt(n)] = -Double.MAX_VALUE;
      x[rnd.nextInt(n)] = Double.MIN_VALUE;
      double[] expected = x.clone();
      Arrays.sort(expected); // total order: -0.0 < 0.0

      double[] a = x.clone();
      PairSort.sort(a, null);
      assertArrayEquals(expected, a, 0, "trial " + trial);
      for (int i = 0; i < n; i++) {
        assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(a[i]), "trial " + trial);
      }

      // pairs: w[i] = the original index; after the sort x_sorted[t] == x[w[t]]
      double[] b = x.clone();
      double[] w = new double[n];
      for (int i = 0; i < n; i++) {
        w[i] = i;
      }
      PairSort.sort(b, w);
      assertArrayEquals(expected, b, 0);
      boolean[] seen = new boolean[n];
      for (int t = 0; t < n; t++) {
        int i = (int) w[t];
        assertEquals(Double.doubleToRawLongBits(x[i]), Double.doubleToRawLongBits(b[t]));
        seen[i] = true;
      }
      for (boolean s : seen) {
        assertEquals(true, s);
      }
    }
  }

  @Test
  void keysOrderLikeTheValues() {
    double[] v = {Double.NEGATIVE_INFINITY, -1e300, -1, -Double.MIN_VALUE, -0.0, 0.0, Double.MIN_VALUE, 1, 1e300,
        Double.POSITIVE_INFINITY};
    for (int i = 0; i < v.length; i++) {
      assertEquals(Double.doubleToRawLongBits(v[i]), Double.doubleToRawLongBits(PairSort.value(PairSort.key(v[i]))));
      if (i > 0) {
        assertEquals(-1, Long.compareUnsigned(PairSort.key(v[i - 1]), PairSort.key(v[i])), v[i - 1] + " < " + v[i]);
      }
    }
  }
}
