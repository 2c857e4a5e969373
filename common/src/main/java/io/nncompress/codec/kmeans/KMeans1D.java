package io.nncompress.codec.kmeans;

import java.util.Arrays;

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
 *       run in parallel from {@link OptimalKMeans1D#PARALLEL_MIN_VALUES} values on, and met at the best split
 *       point in one scan. Entries are compared as fractions (cross-multiplied: a division per row,
 *       not per entry), and SMAWK allocates its work arrays once per chain, not per level or layer.
 *       The values are radix sorted. The argmins are kept for backtracking:
 *       k (n + 1) ints, refused above {@link #MAX_DIRECT_CELLS}; beyond that, or whenever time
 *       matters, use {@link #optimalOnHistogram} (exact on a fine histogram whose bins are
 *       represented by their weighted means, so the returned centroids are the exact means of the
 *       original points in each range).</li>
 * </ul>
 * The exact solver is {@link OptimalKMeans1D}, Lloyd's algorithm {@link Lloyd1D}.
 * Points with weight 0 do not influence the centroids. Centroids are returned ascending.
 *
 * <p>With fewer distinct values of positive weight (or non-empty bins) than k, every solver returns
 * those values, each its own centroid (SSE 0), the largest repeated up to k centroids: a layer that
 * pruning or an earlier quantization left with few distinct weights keeps each of them exactly.
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
   * @param k number of centroids, at least 1 (more than the distinct values with positive weight:
   *     those values, padded; see the class comment)
   */
  public static Result optimal(double[] values, double[] weightsOrNull, int k) {
    WeightedValues v = WeightedValues.of(values, weightsOrNull);
    checkK(k, v.n, "values with positive weight");
    if (k > v.n) {
      return new Result(everyValue(v, k), 0, 0);
    }
    long cells = (long) k * (v.n + 1);
    if (cells > MAX_DIRECT_CELLS) {
      throw new IllegalArgumentException("Exact 1-D k-means on " + v.n + " distinct values with k = " + k
          + " needs " + cells + " backtracking cells, more than MAX_DIRECT_CELLS = " + MAX_DIRECT_CELLS
          + "; use optimalOnHistogram");
    }
    double[] c = OptimalKMeans1D.centroids(v, k, true);
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
    double[] c = k > v.n ? everyValue(v, k) : OptimalKMeans1D.centroids(v, k, true);
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
    checkK(k, v.n, "values with positive weight");
    if (init == null) {
      throw new IllegalArgumentException("init must be one of " + Arrays.toString(Init.values()) + ", cannot be: null");
    }
    if (k > v.n) {
      return new Result(everyValue(v, k), 0, 0);
    }
    double[] c;
    switch (init) {
      case LINEAR:
        c = Lloyd1D.initLinear(v, k);
        break;
      case DENSITY:
        c = Lloyd1D.initDensity(v, k);
        break;
      default:
        c = Lloyd1D.initRandom(v, k, seed);
    }
    return Lloyd1D.run(v, c, maxIterations);
  }

  /** Lloyd's algorithm from given centroids (e.g. to polish a histogram solution on the full data). */
  public static Result lloydFrom(double[] values, double[] weightsOrNull, double[] initialCentroids, int maxIterations) {
    WeightedValues v = WeightedValues.of(values, weightsOrNull);
    if (initialCentroids == null || initialCentroids.length < 1) {
      throw new IllegalArgumentException("initialCentroids must hold at least 1 centroid");
    }
    return Lloyd1D.run(v, initialCentroids.clone(), maxIterations);
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
    if (available == 0) {
      throw new IllegalArgumentException("there are no " + what + " to cluster");
    }
  }

  // fewer distinct values than k: each value its own centroid, the largest repeated up to k
  private static double[] everyValue(WeightedValues v, int k) {
    double[] c = Arrays.copyOf(v.x, k);
    Arrays.fill(c, v.n, k, v.x[v.n - 1]);
    return c;
  }

  /** Exact solver with the divide-and-conquer layers instead of SMAWK (kept as a cross-check for tests). */
  static Result optimalDivideAndConquer(double[] values, double[] weightsOrNull, int k) {
    WeightedValues v = WeightedValues.of(values, weightsOrNull);
    checkK(k, v.n, "values with positive weight");
    double[] c = k > v.n ? everyValue(v, k) : OptimalKMeans1D.centroids(v, k, false);
    return new Result(c, v.sse(c), 0);
  }
}
