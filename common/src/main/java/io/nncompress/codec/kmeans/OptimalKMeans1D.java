package io.nncompress.codec.kmeans;

import java.util.Arrays;

/**
 * The exact solver behind {@link KMeans1D#optimal}: the dynamic programme of Ckmeans.1d.dp (Wang and
 * Song 2011) over sorted, merged values, {@code D[m][i] = min_{m-1 <= j < i} D[m-1][j] + cost(j, i)},
 * each layer's row minima by SMAWK (or, as a cross-check, by divide and conquer), the k/2 clusters
 * of a prefix and the k - k/2 of the rest as two chains met at the best split point.
 */
final class OptimalKMeans1D {
  private OptimalKMeans1D() {}

  /**
   * The DP met in the middle: the a = k / 2 clusters of a prefix [0, j) and the k - a clusters of
   * the suffix [j, n) are two independent chains of layers (the suffix's is the same DP on the
   * mirrored values), run in parallel when the input is large; then D_k(n) = min_j D_a(j) +
   * E_{k-a}(j), one scan. k - 2 layers in all, as a single chain of k layers would need (its first
   * is a closed form, its last a single row), but in two halves that share nothing until the end.
   */
  static double[] centroids(WeightedValues v, int k, boolean smawk) {
    int n = v.n;
    if (k == 1) {
      return new double[] {v.mean(0, n)};
    }
    int a = k / 2;
    Chain left = new Chain(v, false, a, k, smawk);
    Chain right = new Chain(v, true, k - a, k, smawk);
    if (n >= PARALLEL_MIN_VALUES && k >= 4 && Runtime.getRuntime().availableProcessors() > 1) {
      java.util.concurrent.ForkJoinTask<?> r = java.util.concurrent.ForkJoinPool.commonPool().submit(right::run);
      left.run();
      r.join();
    } else {
      left.run();
      right.run();
    }
    // the boundary j between the two halves: a clusters in [0, j), k - a in [j, n) = the mirror's first n - j
    double best = Double.POSITIVE_INFINITY;
    int split = -1;
    for (int j = a; j <= n - (k - a); j++) {
      double d = left.last[j] + right.last[n - j];
      if (d < best) {
        best = d;
        split = j;
      }
    }
    int[] start = new int[k + 1];
    start[0] = 0;
    start[a] = split;
    start[k] = n;
    int i = split;
    for (int m = a; m >= 2; m--) { // cluster m-1 of the prefix is [arg[m][i], i)
      i = left.arg[m][i];
      start[m - 1] = i;
    }
    i = n - split;
    for (int m = k - a; m >= 2; m--) { // in the mirror likewise; mirrored index t is original n - t
      i = right.arg[m][i];
      start[k - m + 1] = n - i;
    }
    double[] c = new double[k];
    for (int m = 0; m < k; m++) {
      c[m] = v.mean(start[m], start[m + 1]);
    }
    Arrays.sort(c); // already ascending up to rounding
    return c;
  }

  /** Inputs of at least this many distinct values run the two halves of the exact DP in parallel. */
  static final int PARALLEL_MIN_VALUES = 1 << 15;

  /**
   * Layers 1..c of the DP over the prefixes of v, for a clustering into k in all: layer m has the
   * rows i in [m, n - (k - m)] (each of the m clusters before i needs a point, and so do the k - m
   * after). {@code last} is D_c; {@code arg[m][i]} the start of the last cluster of row i of layer m.
   */
  private static final class Chain {
    private final WeightedValues values;
    private final boolean mirror;
    final int c;
    final int k;
    final boolean smawk;
    double[] last;
    final int[][] arg;

    /** Over the prefixes of {@code values}, or with {@code mirror} of its mirror (built in {@link #run}). */
    Chain(WeightedValues values, boolean mirror, int c, int k, boolean smawk) {
      this.values = values;
      this.mirror = mirror;
      this.c = c;
      this.k = k;
      this.smawk = smawk;
      this.arg = new int[c + 1][];
    }

    void run() {
      WeightedValues v = mirror ? values.mirrored() : values;
      int n = v.n;
      double[] prev = new double[n + 1];
      double[] cur = new double[n + 1];
      for (int i = 1; i <= n - (k - 1); i++) {
        prev[i] = v.cost(0, i); // D_1(i)
      }
      Layers layers = smawk && c >= 2 ? new Layers(v, n) : null;
      for (int m = 2; m <= c; m++) {
        int[] am = new int[n + 1];
        arg[m] = am;
        int lo = m;
        int hi = n - (k - m);
        if (smawk) {
          layers.solve(prev, cur, am, lo, hi, m - 1);
        } else {
          solveLayer(v, prev, cur, am, m, lo, hi, m - 1, hi - 1);
        }
        double[] t = prev;
        prev = cur;
        cur = t;
      }
      last = prev;
    }
  }

  /** cur[i] = min_{optLo <= j <= min(optHi, i-1)} prev[j] + cost(j, i) for i in [lo, hi], by divide and conquer. */
  private static void solveLayer(WeightedValues v, double[] prev, double[] cur, int[] arg, int m, int lo, int hi,
      int optLo, int optHi) {
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int jHi = Math.min(optHi, mid - 1);
      double best = Double.POSITIVE_INFINITY;
      int bestJ = optLo;
      for (int j = optLo; j <= jHi; j++) {
        double d = prev[j] + v.cost(j, mid);
        if (d < best) {
          best = d;
          bestJ = j;
        }
      }
      cur[mid] = best;
      arg[mid] = bestJ;
      // left half: argmin <= bestJ; right half: argmin >= bestJ. Recurse on the smaller, loop on the other.
      if (mid - lo < hi - mid) {
        solveLayer(v, prev, cur, arg, m, lo, mid - 1, optLo, bestJ);
        lo = mid + 1;
        optLo = bestJ;
      } else {
        solveLayer(v, prev, cur, arg, m, mid + 1, hi, bestJ, optHi);
        hi = mid - 1;
        optHi = bestJ;
      }
    }
  }

  /**
   * One DP layer's row minima by SMAWK (Aggarwal, Klawe, Moran, Shor and Wilber 1987), O(rows +
   * cols) entries: {@code cur[i] = min_j A(i, j)} and the leftmost argmin, for the matrix
   * A(i, j) = prev[j] + cost(j, i) for j < i, +infinity otherwise (cluster [j, i) must be nonempty).
   * A is totally monotone: on its finite part cost is Monge (quadrangle inequality), and the
   * infinite entries form an upper-right staircase, so A(i, j') < A(i, j) implies A(i', j') <
   * A(i', j) for i < i', j < j'; only that strict form is used.
   *
   * <p>Written for speed without changing a result: the prefix sums interleaved (one cache line per
   * point), the rows of every recursion level an arithmetic progression (no row arrays), the kept
   * columns of all levels in one work array allocated once per solve, and in REDUCE the entry of
   * the column on top of the stack cached, so each comparison evaluates one entry instead of two.
   */
  private static final class Layers {
    private final double[] p; // the values' interleaved prefix sums (WeightedValues.p)
    private final int[] cols; // kept columns of every recursion level, stack-allocated
    private final double[] topN; // REDUCE's stack: A(row t, column on slot t) = topN[t] / topD[t]
    private final double[] topD;
    private double[] prev;
    private double[] cur;
    private int[] arg;

    Layers(WeightedValues v, int n) {
      p = v.p;
      // the top level's columns (one per row, not reduced), then at most half as many per level below
      cols = new int[2 * (n + 2)];
      topN = new double[n / 2 + 2];
      topD = new double[n / 2 + 2];
    }

    /** Rows lo..hi over the columns c0..hi - 1 (column i - 1 is the last useful one of row i). */
    void solve(double[] prev, double[] cur, int[] arg, int lo, int hi, int c0) {
      this.prev = prev;
      this.cur = cur;
      this.arg = arg;
      int nr = hi - lo + 1;
      for (int t = 0; t < nr; t++) {
        cols[t] = c0 + t;
      }
      smawk(lo, 1, nr, 0, nr, nr);
    }

    /**
     * Row minima of rows r0 + t * rs (t < nr) over the columns cols[cOff .. cOff + nc), ascending;
     * cols[free ..] is unused.
     *
     * <p>An entry A(i, j), j < i, is handled as the fraction N / D with D = S0 &gt; 0 and N = prev[j]
     * S0 + max(0, S2 S0 - S1^2) (S0, S1, S2 the sums of w, w x, w x^2 over [j, i)), and entries are
     * compared by cross-multiplying: a division only for the minimum of a row.
     */
    private void smawk(int r0, int rs, int nr, int cOff, int nc, int free) {
      if (nr == 0) {
        return;
      }
      final double[] p = this.p;
      final double[] prev = this.prev;
      final int[] cols = this.cols;
      // REDUCE: keep at most nr columns, dropping only columns that hold no leftmost row minimum
      int s = free;
      int t = -1; // stack top: cols[s + t], with topN[t] / topD[t] = A(row t, cols[s + t])
      if (nc <= nr) {
        s = cOff; // nothing to reduce: the columns as they are
        t = nc - 1;
      } else {
        final double[] topN = this.topN;
        final double[] topD = this.topD;
        for (int q = 0; q < nc; q++) {
          int c = cols[cOff + q];
          int b = 3 * c;
          double c0 = p[b];
          double c1 = p[b + 1];
          double c2 = p[b + 2];
          double pc = prev[c];
          while (t >= 0) {
            // does c beat cols[s + t] on row t: A(row t, c) < A(row t, cols[s + t])?
            int a = 3 * (r0 + t * rs);
            if (c >= r0 + t * rs) {
              break; // A(row t, c) = +infinity
            }
            double s0 = p[a] - c0;
            double s1 = p[a + 1] - c1;
            double q2 = (p[a + 2] - c2) * s0 - s1 * s1;
            double n = pc * s0 + (q2 > 0 ? q2 : 0);
            if (!(n * topD[t] < topN[t] * s0)) {
              break;
            }
            t--; // c beats cols[s + t] on row t, hence on every later row: that column is dead
          }
          if (t + 1 < nr) {
            t++;
            cols[s + t] = c;
            int r = r0 + t * rs;
            if (c < r) {
              int a = 3 * r;
              double s0 = p[a] - c0;
              double s1 = p[a + 1] - c1;
              double q2 = (p[a + 2] - c2) * s0 - s1 * s1;
              topN[t] = pc * s0 + (q2 > 0 ? q2 : 0);
              topD[t] = s0;
            } else {
              topN[t] = Double.POSITIVE_INFINITY;
              topD[t] = 1;
            }
          }
        }
      }
      int ns = t + 1;
      // the odd rows recursively, over the kept columns
      smawk(r0 + rs, 2 * rs, nr / 2, s, ns, s + ns);
      // INTERPOLATE: the even row 2u lies between the argmins of rows 2u-1 and 2u+1
      final int[] arg = this.arg;
      int u = 0;
      for (int e = 0; e < nr; e += 2) {
        int r = r0 + e * rs;
        int stop = e + 1 < nr ? arg[r + rs] : cols[s + ns - 1];
        int a = 3 * r;
        double r0s = p[a];
        double r1s = p[a + 1];
        double r2s = p[a + 2];
        double bestN = Double.POSITIVE_INFINITY;
        double bestD = 1;
        int bestJ = cols[s + u];
        while (true) {
          int c = cols[s + u];
          if (c < r) {
            int b = 3 * c;
            double s0 = r0s - p[b];
            double s1 = r1s - p[b + 1];
            double q2 = (r2s - p[b + 2]) * s0 - s1 * s1;
            double n = prev[c] * s0 + (q2 > 0 ? q2 : 0);
            if (n * bestD < bestN * s0) {
              bestN = n;
              bestD = s0;
              bestJ = c;
            }
          }
          if (c == stop) {
            break;
          }
          u++;
        }
        cur[r] = bestN / bestD;
        arg[r] = bestJ;
      }
    }
  }
}
