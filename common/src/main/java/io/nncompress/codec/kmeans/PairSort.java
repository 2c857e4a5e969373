package io.nncompress.codec.kmeans;

/**
 * Sorts x ascending and permutes w (may be null) alongside. Large arrays: least significant digit
 * radix sort of the values' bits mapped to order-preserving unsigned keys (11-bit digits, 6 passes,
 * a pass skipped when all keys share its digit), O(n) and several times faster than a comparison
 * sort of a million doubles; -0.0 sorts just before 0.0. Small arrays: quicksort (median of three,
 * insertion sort below 24). x holds no NaN.
 */
final class PairSort {
  /** Arrays at least this long are radix sorted. */
  static final int RADIX_MIN = 1 << 10;
  private static final int DIGIT = 11;
  private static final int PASSES = 6; // 6 * 11 >= 64
  private static final int BUCKETS = 1 << DIGIT;

  private PairSort() {}

  static void sort(double[] x, double[] w) {
    if (x.length >= RADIX_MIN) {
      radix(x, w);
    } else if (w == null) {
      java.util.Arrays.sort(x);
    } else {
      sort(x, w, 0, x.length - 1);
    }
  }

  /** The unsigned order of the keys is the numeric order of the doubles (no NaN). */
  static long key(double v) {
    long bits = Double.doubleToRawLongBits(v);
    return bits ^ ((bits >> 63) | Long.MIN_VALUE); // positive: flip the sign bit; negative: flip all bits
  }

  static double value(long key) {
    return Double.longBitsToDouble(key ^ (~(key >> 63) | Long.MIN_VALUE));
  }

  private static void radix(double[] x, double[] w) {
    int n = x.length;
    long[] a = new long[n];
    long[] b = new long[n];
    int[][] count = new int[PASSES][BUCKETS];
    for (int i = 0; i < n; i++) {
      long k = key(x[i]);
      a[i] = k;
      for (int d = 0; d < PASSES; d++) {
        count[d][(int) (k >>> (DIGIT * d)) & (BUCKETS - 1)]++;
      }
    }
    double[] wa = w;
    double[] wb = w == null ? null : new double[n];
    for (int d = 0; d < PASSES; d++) {
      int shift = DIGIT * d;
      int[] c = count[d];
      if (c[(int) (a[0] >>> shift) & (BUCKETS - 1)] == n) {
        continue; // every key has this digit: the pass would not move anything
      }
      int sum = 0;
      for (int q = 0; q < BUCKETS; q++) {
        int t = c[q];
        c[q] = sum;
        sum += t;
      }
      if (wa == null) {
        for (int i = 0; i < n; i++) {
          long k = a[i];
          b[c[(int) (k >>> shift) & (BUCKETS - 1)]++] = k;
        }
      } else {
        for (int i = 0; i < n; i++) {
          long k = a[i];
          int pos = c[(int) (k >>> shift) & (BUCKETS - 1)]++;
          b[pos] = k;
          wb[pos] = wa[i];
        }
        double[] tw = wa;
        wa = wb;
        wb = tw;
      }
      long[] t = a;
      a = b;
      b = t;
    }
    for (int i = 0; i < n; i++) {
      x[i] = value(a[i]);
    }
    if (w != null && wa != w) {
      System.arraycopy(wa, 0, w, 0, n);
    }
  }

  private static void sort(double[] x, double[] w, int lo, int hi) {
    while (hi - lo >= 24) {
      int mid = (lo + hi) >>> 1;
      // median of three into x[mid]
      if (x[mid] < x[lo]) {
        swap(x, w, mid, lo);
      }
      if (x[hi] < x[lo]) {
        swap(x, w, hi, lo);
      }
      if (x[hi] < x[mid]) {
        swap(x, w, hi, mid);
      }
      double p = x[mid];
      int i = lo;
      int j = hi;
      while (i <= j) {
        while (x[i] < p) {
          i++;
        }
        while (x[j] > p) {
          j--;
        }
        if (i <= j) {
          swap(x, w, i++, j--);
        }
      }
      // recurse on the smaller side, loop on the larger: depth O(log n)
      if (j - lo < hi - i) {
        sort(x, w, lo, j);
        lo = i;
      } else {
        sort(x, w, i, hi);
        hi = j;
      }
    }
    for (int i = lo + 1; i <= hi; i++) {
      double xi = x[i];
      double wi = w[i];
      int j = i - 1;
      while (j >= lo && x[j] > xi) {
        x[j + 1] = x[j];
        w[j + 1] = w[j];
        j--;
      }
      x[j + 1] = xi;
      w[j + 1] = wi;
    }
  }

  private static void swap(double[] x, double[] w, int a, int b) {
    double t = x[a];
    x[a] = x[b];
    x[b] = t;
    t = w[a];
    w[a] = w[b];
    w[b] = t;
  }
}
