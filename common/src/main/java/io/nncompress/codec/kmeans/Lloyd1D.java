package io.nncompress.codec.kmeans;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Lloyd's algorithm behind {@link KMeans1D#lloyd} on sorted, merged values: each iteration's ranges
 * by binary search of the midpoints between neighbouring centroids, the new centroids from prefix
 * sums; and the three initialisations of Deep Compression (linear, density, Forgy).
 */
final class Lloyd1D {
  private Lloyd1D() {}

  /** Lloyd iterations from the centroids c (sorted in place) until the assignment no longer changes. */
  static KMeans1D.Result run(WeightedValues v, double[] c, int maxIterations) {
    if (maxIterations < 1) {
      throw new IllegalArgumentException("maxIterations must be at least 1, cannot be: " + maxIterations);
    }
    for (int t = 0; t < c.length; t++) {
      if (!Double.isFinite(c[t])) {
        throw new IllegalArgumentException("initial centroid " + t + " must be finite, cannot be: " + c[t]);
      }
    }
    int k = c.length;
    int n = v.n;
    int[] bnd = new int[k + 1];
    int[] prevBnd = new int[k + 1];
    Arrays.fill(prevBnd, -1);
    bnd[k] = n;
    int it = 0;
    while (it < maxIterations) {
      Arrays.sort(c);
      // cluster t = [bnd[t], bnd[t+1]): points up to the midpoint between c[t-1] and c[t] go left
      for (int t = 1; t < k; t++) {
        bnd[t] = upperBound(v.x, bnd[t - 1], n, 0.5 * (c[t - 1] + c[t]));
      }
      if (Arrays.equals(bnd, prevBnd)) {
        break;
      }
      it++;
      // c_t = sum w x / sum w over the cluster; an empty cluster keeps its centroid
      for (int t = 0; t < k; t++) {
        if (bnd[t + 1] > bnd[t]) {
          c[t] = v.mean(bnd[t], bnd[t + 1]);
        }
      }
      System.arraycopy(bnd, 0, prevBnd, 0, k + 1);
    }
    Arrays.sort(c);
    return new KMeans1D.Result(c, v.sse(c), it);
  }

  /** First index in [from, to) with x[index] > key, or to. */
  private static int upperBound(double[] x, int from, int to, double key) {
    int lo = from;
    int hi = to;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (x[mid] <= key) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  static double[] initLinear(WeightedValues v, int k) {
    double min = v.x[0];
    double max = v.x[v.n - 1];
    double[] c = new double[k];
    if (k == 1) {
      c[0] = v.mean(0, v.n);
      return c;
    }
    // c_t = min + (max - min) t / (k - 1)
    for (int t = 0; t < k; t++) {
      c[t] = min + (max - min) * t / (k - 1);
    }
    return c;
  }

  static double[] initDensity(WeightedValues v, int k) {
    double total = v.weight(0, v.n);
    double[] c = new double[k];
    // c_t = F^-1((t + 1/2) / k), F the weighted CDF: the first x_i whose prefix weight through i is >= q total
    for (int t = 0; t < k; t++) {
      double q = (t + 0.5) / k * total;
      int lo = 0;
      int hi = v.n - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (v.weight(0, mid + 1) >= q) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      c[t] = v.x[lo];
    }
    return c;
  }

  static double[] initRandom(WeightedValues v, int k, long seed) {
    // Efraimidis-Spirakis: key_i = log(u_i) / w_i; the k largest keys are a weighted sample without replacement
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] hk = new double[k]; // min-heap of keys
    int[] hi = new int[k];
    int size = 0;
    for (int i = 0; i < v.n; i++) {
      double key = Math.log(1.0 - rnd.nextDouble()) / v.w[i];
      if (size < k) {
        int p = size++;
        hk[p] = key;
        hi[p] = i;
        while (p > 0 && hk[(p - 1) / 2] > hk[p]) {
          swap(hk, hi, p, (p - 1) / 2);
          p = (p - 1) / 2;
        }
      } else if (key > hk[0]) {
        hk[0] = key;
        hi[0] = i;
        int p = 0;
        while (true) {
          int l = 2 * p + 1;
          int s = p;
          if (l < k && hk[l] < hk[s]) {
            s = l;
          }
          if (l + 1 < k && hk[l + 1] < hk[s]) {
            s = l + 1;
          }
          if (s == p) {
            break;
          }
          swap(hk, hi, p, s);
          p = s;
        }
      }
    }
    double[] c = new double[k];
    for (int t = 0; t < k; t++) {
      c[t] = v.x[hi[t]];
    }
    Arrays.sort(c);
    return c;
  }

  private static void swap(double[] a, int[] b, int i, int j) {
    double t = a[i];
    a[i] = a[j];
    a[j] = t;
    int u = b[i];
    b[i] = b[j];
    b[j] = u;
  }
}
