package io.nncompress.codec.kmeans;

/** Sorts x ascending and permutes w alongside (quicksort, median of three, insertion sort below 24). */
final class PairSort {
  private PairSort() {}

  static void sort(double[] x, double[] w) {
    sort(x, w, 0, x.length - 1);
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
