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
 *       as a cross-check). The argmins are kept for backtracking:
 *       k (n + 1) ints, refused above {@link #MAX_DIRECT_CELLS}; beyond that, or whenever time
 *       matters, use {@link #optimalOnHistogram} (exact on a fine histogram whose bins are
 *       represented by their weighted means, so the returned centroids are the exact means of the
 *       original points in each range).</li>
 * </ul>
 * Points with weight 0 do not influence the centroids. Centroids are returned ascending.
 *
 * <p>Measured ({@code io.nncompress.bench.KMeans1DBenchmark}, Student-t(3) weights, a loaded 2-core
 * machine): direct exact 1M values k = 16 about 2 s, k = 256 about 20-25 s, 10M values k = 16 about
 * 18 s (10M with k = 256 needs 10 GB of argmins: refused); on a 2^16-bin histogram under 0.6 s,
 * SSE within 0.2 % of the optimum (k = 256) and 0.0003 % (k = 16). Lloyd from any of the three
 * initialisations stops in poor local optima on heavy tails: 20-40x the optimal SSE at k = 256.
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

  private static double[] optimalCentroids(WeightedValues v, int k, boolean smawk) {
    int n = v.n;
    double[] prev = new double[n + 1];
    double[] cur = new double[n + 1];
    int[][] arg = new int[k][];
    // D[1][i] = cost(0, i)
    for (int i = 1; i <= n; i++) {
      prev[i] = v.cost(0, i);
    }
    for (int m = 2; m <= k; m++) {
      int[] am = new int[n + 1];
      arg[m - 1] = am;
      // i ranges over [m, n - (k - m)]: each of the m clusters needs a point, and so do the k - m after
      int lo = m;
      int hi = n - (k - m);
      Arrays.fill(cur, Double.POSITIVE_INFINITY);
      if (smawk) {
        int[] rows = new int[hi - lo + 1];
        int[] cols = new int[hi - lo + 1];
        for (int t = 0; t < rows.length; t++) {
          rows[t] = lo + t;
          cols[t] = m - 1 + t;
        }
        smawk(v, prev, rows, rows.length, cols, cols.length, cur, am);
      } else {
        solveLayer(v, prev, cur, am, m, lo, hi, m - 1, hi - 1);
      }
      double[] t = prev;
      prev = cur;
      cur = t;
    }
    // backtrack: cluster m-1 is [arg[m-1][i], i)
    int[] start = new int[k + 1];
    start[k] = n;
    int i = n;
    for (int m = k; m >= 2; m--) {
      i = arg[m - 1][i];
      start[m - 1] = i;
    }
    start[0] = 0;
    double[] c = new double[k];
    for (int m = 0; m < k; m++) {
      c[m] = v.mean(start[m], start[m + 1]);
    }
    Arrays.sort(c); // already ascending up to rounding
    return c;
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

  /** A(i, j) = prev[j] + cost(j, i) for j < i, +infinity otherwise (cluster [j, i) must be nonempty). */
  private static double entry(WeightedValues v, double[] prev, int i, int j) {
    return j < i ? prev[j] + v.cost(j, i) : Double.POSITIVE_INFINITY;
  }

  /**
   * Leftmost row minima of A over the given rows and columns (both ascending) by SMAWK (Aggarwal,
   * Klawe, Moran, Shor and Wilber 1987), O(rows + cols) entries. A is totally monotone: on its finite
   * part cost is Monge (quadrangle inequality), and the infinite entries form an upper-right staircase,
   * so A(i, j') < A(i, j) implies A(i', j') < A(i', j) for i < i', j < j'; only that strict form is used.
   */
  private static void smawk(WeightedValues v, double[] prev, int[] rows, int nr, int[] cols, int nc, double[] cur,
      int[] arg) {
    if (nr == 0) {
      return;
    }
    // REDUCE: keep at most nr columns, dropping only columns that hold no leftmost row minimum
    int[] s = new int[Math.min(nr, nc)];
    int top = -1;
    for (int t = 0; t < nc; t++) {
      int c = cols[t];
      while (top >= 0 && entry(v, prev, rows[top], s[top]) > entry(v, prev, rows[top], c)) {
        top--; // c beats s[top] on row rows[top], hence on every later row: s[top] is dead
      }
      if (top + 1 < nr) {
        s[++top] = c;
      }
    }
    int ns = top + 1;
    // the odd rows recursively
    int[] odd = new int[nr / 2];
    for (int t = 0; t < odd.length; t++) {
      odd[t] = rows[2 * t + 1];
    }
    smawk(v, prev, odd, odd.length, s, ns, cur, arg);
    // INTERPOLATE: the even row 2t lies between the argmins of rows 2t-1 and 2t+1
    int u = 0;
    for (int t = 0; t < nr; t += 2) {
      int r = rows[t];
      int stop = t + 1 < nr ? arg[rows[t + 1]] : s[ns - 1];
      double best = Double.POSITIVE_INFINITY;
      int bestJ = s[u];
      while (true) {
        double d = entry(v, prev, r, s[u]);
        if (d < best) {
          best = d;
          bestJ = s[u];
        }
        if (s[u] == stop) {
          break;
        }
        u++;
      }
      cur[r] = best;
      arg[r] = bestJ;
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
    double total = v.p0[v.n];
    double[] c = new double[k];
    // c_t = F^-1((t + 1/2) / k), F the weighted CDF: the first x_i with p0[i+1] >= q total
    for (int t = 0; t < k; t++) {
      double q = (t + 0.5) / k * total;
      int lo = 0;
      int hi = v.n - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (v.p0[mid + 1] >= q) {
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
