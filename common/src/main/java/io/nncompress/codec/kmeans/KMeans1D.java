package io.nncompress.codec.kmeans;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Weighted 1-D k-means: minimise {@code sum_i w_i (x_i - c(x_i))^2} over k centroids.
 *
 * <p>Every solver first sorts the values and merges equal ones ({@link WeightedValues}); in 1-D an
 * optimal assignment is a set of contiguous ranges of the sorted values, so
 * <ul>
 *   <li>{@link #lloyd Lloyd} finds each iteration's ranges by binary search of the midpoints between
 *       neighbouring centroids and the new centroids from prefix sums: O(k log n) per iteration after
 *       the O(n log n) sort. The three initialisations are those of Deep Compression (Han et al.
 *       2016, section 3.1): {@link Init#LINEAR linear} over [min, max], {@link Init#DENSITY density}
 *       (equally spaced quantiles of the weighted CDF), {@link Init#RANDOM Forgy} (k distinct
 *       values drawn with probability proportional to weight, without replacement, from a seed).</li>
 *   <li>{@link #optimal} is exact: the dynamic programme of Ckmeans.1d.dp (Wang and Song 2011),
 *       {@code D[m][i] = min_{m-1 <= j < i} D[m-1][j] + cost(j, i)} with cost(j, i) the weighted SSE
 *       of points j..i-1 around their mean (O(1) from prefix sums). The argmin is monotone in i
 *       (the cost satisfies the quadrangle inequality), so each layer's row minima are found by
 *       SMAWK in O(n): O(k n) time in all (a divide-and-conquer variant, O(k n log n), is kept
 *       as a cross-check). The k/2 clusters of a prefix and the k - k/2 of the rest are two
 *       independent chains of layers (the second is the same programme on the mirrored values),
 *       run in parallel from {@link #PARALLEL_MIN_VALUES} values on, and met at the best split
 *       point in one scan. Entries are compared as fractions (cross-multiplied: a division per row,
 *       not per entry), and SMAWK allocates its work arrays once per chain, not per level or layer.
 *       The values are radix sorted. The argmins are kept for backtracking:
 *       k (n + 1) ints, refused above {@link #MAX_DIRECT_CELLS}; beyond that, or whenever time
 *       matters, use {@link #optimalOnHistogram} (exact on a fine histogram whose bins are
 *       represented by their weighted means, so the returned centroids are the exact means of the
 *       original points in each range).</li>
 * </ul>
 * Points with weight 0 do not influence the centroids. Centroids are returned ascending.
 *
 * <p>Lloyd's algorithm, from any initialisation, stops in poor local optima on heavy-tailed
 * weights, which is why the solver is exact. Speed: {@code bin/nncompress bench kmeans}
 * (docs/benchmarks.md).
 *
 * <p>Every entry point takes (values, weights): a layer too large to collect is clustered from a
 * distributed histogram by passing the bins' weighted means as values and their total weights as
 * weights to {@link #optimal}, exactly what {@link #optimalOnHistogram} does locally.
 */
public final class KMeans1D {
  /** Cap on k (n + 1), the ints the exact solver keeps for backtracking: 2^28 = 1 GiB. */
  public static final long MAX_DIRECT_CELLS = 1L << 28;
  /** Default cap on Lloyd iterations. */
  public static final int DEFAULT_MAX_ITERATIONS = 300;

  /** The initialisations of Lloyd's algorithm compared in Deep Compression. */
  public enum Init {
    LINEAR, DENSITY, RANDOM
  }

  /** Centroids (ascending), the weighted SSE of every input point to its nearest centroid, and iterations. */
  public static final class Result {
    public final double[] centroids;
    public final double sse;
    /** Lloyd iterations run; 0 for the exact solver. */
    public final int iterations;

    Result(double[] centroids, double sse, int iterations) {
      this.centroids = centroids;
      this.sse = sse;
      this.iterations = iterations;
    }

    @Override
    public String toString() {
      return "KMeans1D.Result{k=" + centroids.length + ", sse=" + sse + ", iterations=" + iterations + "}";
    }
  }

  /** A weighted histogram: non-empty bins, each represented by the weighted mean of its values. */
  public static final class Histogram {
    public final double[] centers;
    public final double[] weights;

    Histogram(double[] centers, double[] weights) {
      this.centers = centers;
      this.weights = weights;
    }
  }

  private KMeans1D() {}

  /**
   * Exact weighted 1-D k-means.
   *
   * @param values the points, finite
   * @param weightsOrNull one weight >= 0 per point, or null for unit weights
   * @param k number of centroids, 1 .. the number of distinct values with positive weight
   */
  public static Result optimal(double[] values, double[] weightsOrNull, int k) {
    WeightedValues v = WeightedValues.of(values, weightsOrNull);
    checkK(k, v.n, "distinct values with positive weight");
    long cells = (long) k * (v.n + 1);
    if (cells > MAX_DIRECT_CELLS) {
      throw new IllegalArgumentException("Exact 1-D k-means on " + v.n + " distinct values with k = " + k
          + " needs " + cells + " backtracking cells, more than MAX_DIRECT_CELLS = " + MAX_DIRECT_CELLS
          + "; use optimalOnHistogram");
    }
    double[] c = optimalCentroids(v, k);
    return new Result(c, v.sse(c), 0);
  }

  /**
   * Exact weighted 1-D k-means of a fine histogram of the points ({@code bins} equal-width bins
   * over [min, max], each represented by the weighted mean of its points), the SSE measured on the
   * points themselves.
   */
  public static Result optimalOnHistogram(double[] values, double[] weightsOrNull, int k, int bins) {
    Histogram h = histogram(values, weightsOrNull, bins);
    WeightedValues v = WeightedValues.of(h.centers, h.weights);
    checkK(k, v.n, "non-empty histogram bins");
    double[] c = optimalCentroids(v, k);
    return new Result(c, sse(values, weightsOrNull, c), 0);
  }

  /**
   * Lloyd's algorithm from one of the paper's initialisations, until the assignment no longer
   * changes or {@code maxIterations} iterations.
   *
   * @param seed used by {@link Init#RANDOM} only
   */
  public static Result lloyd(double[] values, double[] weightsOrNull, int k, Init init, long seed, int maxIterations) {
    WeightedValues v = WeightedValues.of(values, weightsOrNull);
    checkK(k, v.n, "distinct values with positive weight");
    if (init == null) {
      throw new IllegalArgumentException("init must be one of " + Arrays.toString(Init.values()) + ", cannot be: null");
    }
    double[] c;
    switch (init) {
      case LINEAR:
        c = initLinear(v, k);
        break;
      case DENSITY:
        c = initDensity(v, k);
        break;
      default:
        c = initRandom(v, k, seed);
    }
    return lloyd(v, c, maxIterations);
  }

  /** Lloyd's algorithm from given centroids (e.g. to polish a histogram solution on the full data). */
  public static Result lloydFrom(double[] values, double[] weightsOrNull, double[] initialCentroids, int maxIterations) {
    WeightedValues v = WeightedValues.of(values, weightsOrNull);
    if (initialCentroids == null || initialCentroids.length < 1) {
      throw new IllegalArgumentException("initialCentroids must hold at least 1 centroid");
    }
    return lloyd(v, initialCentroids.clone(), maxIterations);
  }

  /** Equal-width histogram of the points over [min, max]; bins with zero weight are dropped. */
  public static Histogram histogram(double[] values, double[] weightsOrNull, int bins) {
    if (bins < 1) {
      throw new IllegalArgumentException("bins must be at least 1, cannot be: " + bins);
    }
    if (weightsOrNull != null && weightsOrNull.length != values.length) {
      throw new IllegalArgumentException(
          "weights must have one entry per value: " + values.length + " values vs " + weightsOrNull.length + " weights");
    }
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < values.length; i++) {
      double x = values[i];
      if (!Double.isFinite(x)) {
        throw new IllegalArgumentException("values[" + i + "] must be finite, cannot be: " + x);
      }
      if (weightsOrNull != null) {
        double wi = weightsOrNull[i];
        if (!(wi >= 0) || Double.isInfinite(wi)) {
          throw new IllegalArgumentException("weights[" + i + "] must be finite and >= 0, cannot be: " + wi);
        }
      }
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    double[] sw = new double[bins];
    double[] swx = new double[bins];
    double scale = max > min ? bins / (max - min) : 0;
    for (int i = 0; i < values.length; i++) {
      double wi = weightsOrNull == null ? 1.0 : weightsOrNull[i];
      int b = Math.min(bins - 1, (int) ((values[i] - min) * scale));
      sw[b] += wi;
      swx[b] += wi * values[i];
    }
    int nonEmpty = 0;
    for (int b = 0; b < bins; b++) {
      if (sw[b] > 0) {
        nonEmpty++;
      }
    }
    double[] centers = new double[nonEmpty];
    double[] weights = new double[nonEmpty];
    int t = 0;
    for (int b = 0; b < bins; b++) {
      if (sw[b] > 0) {
        // the bin is represented by the weighted mean of its points
        centers[t] = swx[b] / sw[b];
        weights[t++] = sw[b];
      }
    }
    return new Histogram(centers, weights);
  }

  /** Weighted SSE of every point to its nearest centroid (ties to the lower one); centroids ascending. */
  public static double sse(double[] values, double[] weightsOrNull, double[] centroids) {
    double sse = 0;
    for (int i = 0; i < values.length; i++) {
      double wi = weightsOrNull == null ? 1.0 : weightsOrNull[i];
      if (wi == 0) {
        continue;
      }
      double e = values[i] - centroids[nearest(centroids, values[i])];
      sse += wi * e * e;
    }
    return sse;
  }

  /** Index of the centroid nearest x, ties to the lower index; centroids ascending. */
  public static int nearest(double[] centroids, double x) {
    // first t with x <= (c[t] + c[t+1]) / 2, by binary search over the midpoints
    int lo = 0;
    int hi = centroids.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (x <= 0.5 * (centroids[mid] + centroids[mid + 1])) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  private static void checkK(int k, int available, String what) {
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, cannot be: " + k);
    }
    if (k > available) {
      throw new IllegalArgumentException(
          "k must be at most the number of " + what + " (" + available + "), cannot be: " + k);
    }
  }

  // ---- exact solver ----

  /** Exact solver with the divide-and-conquer layers instead of SMAWK (kept as a cross-check for tests). */
  static Result optimalDivideAndConquer(double[] values, double[] weightsOrNull, int k) {
    WeightedValues v = WeightedValues.of(values, weightsOrNull);
    checkK(k, v.n, "distinct values with positive weight");
    double[] c = optimalCentroids(v, k, false);
    return new Result(c, v.sse(c), 0);
  }

  private static double[] optimalCentroids(WeightedValues v, int k) {
    return optimalCentroids(v, k, true);
  }

  /**
   * The DP met in the middle: the a = k / 2 clusters of a prefix [0, j) and the k - a clusters of
   * the suffix [j, n) are two independent chains of layers (the suffix's is the same DP on the
   * mirrored values), run in parallel when the input is large; then D_k(n) = min_j D_a(j) +
   * E_{k-a}(j), one scan. k - 2 layers in all, as a single chain of k layers would need (its first
   * is a closed form, its last a single row), but in two halves that share nothing until the end.
   */
  private static double[] optimalCentroids(WeightedValues v, int k, boolean smawk) {
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

  // ---- Lloyd ----

  private static Result lloyd(WeightedValues v, double[] c, int maxIterations) {
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
    return new Result(c, v.sse(c), it);
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

  private static double[] initLinear(WeightedValues v, int k) {
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

  private static double[] initDensity(WeightedValues v, int k) {
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

  private static double[] initRandom(WeightedValues v, int k, long seed) {
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
