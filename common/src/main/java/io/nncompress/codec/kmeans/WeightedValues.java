package io.nncompress.codec.kmeans;

/**
 * Distinct values sorted ascending with their positive weights, merged from (value, weight) pairs,
 * and the prefix sums 1-D k-means needs. Values are centred on their weighted mean before the sums
 * of squares are taken, which keeps {@code sum w x^2 - (sum w x)^2 / sum w} accurate.
 */
final class WeightedValues {
  final int n;
  final double[] x; // distinct, ascending
  final double[] w; // > 0
  final double shift; // weighted mean subtracted before the sums
  /**
   * The prefix sums interleaved (the three of a point in one cache line for the exact solver):
   * p[3i] = sum_{t<i} w_t, p[3i+1] = sum_{t<i} w_t (x_t - shift), p[3i+2] = sum_{t<i} w_t (x_t - shift)^2.
   */
  final double[] p;

  private WeightedValues(double[] x, double[] w, int n) {
    this.n = n;
    this.x = x;
    this.w = w;
    double sw = 0;
    double swx = 0;
    for (int i = 0; i < n; i++) {
      sw += w[i];
      swx += w[i] * x[i];
    }
    this.shift = n == 0 ? 0 : swx / sw;
    p = new double[3 * (n + 1)];
    for (int i = 0; i < n; i++) {
      double d = x[i] - shift;
      p[3 * i + 3] = p[3 * i] + w[i];
      p[3 * i + 4] = p[3 * i + 1] + w[i] * d;
      p[3 * i + 5] = p[3 * i + 2] + w[i] * d * d;
    }
  }

  /**
   * Validates, drops zero weights, sorts and merges equal values.
   *
   * @param weightsOrNull null for unit weights
   */
  static WeightedValues of(double[] values, double[] weightsOrNull) {
    if (values == null) {
      throw new IllegalArgumentException("values must not be null");
    }
    if (weightsOrNull != null && weightsOrNull.length != values.length) {
      throw new IllegalArgumentException(
          "weights must have one entry per value: " + values.length + " values vs " + weightsOrNull.length + " weights");
    }
    int m = 0;
    for (int i = 0; i < values.length; i++) {
      if (!Double.isFinite(values[i])) {
        throw new IllegalArgumentException("values[" + i + "] must be finite, cannot be: " + values[i]);
      }
      if (weightsOrNull != null) {
        double wi = weightsOrNull[i];
        if (!(wi >= 0) || Double.isInfinite(wi)) {
          throw new IllegalArgumentException("weights[" + i + "] must be finite and >= 0, cannot be: " + wi);
        }
        if (wi > 0) {
          m++;
        }
      }
    }
    double[] x;
    double[] w;
    if (weightsOrNull == null) {
      x = values.clone();
      PairSort.sort(x, null);
      w = null;
      m = x.length;
    } else {
      x = new double[m];
      w = new double[m];
      int t = 0;
      for (int i = 0; i < values.length; i++) {
        if (weightsOrNull[i] > 0) {
          x[t] = values[i];
          w[t++] = weightsOrNull[i];
        }
      }
      PairSort.sort(x, w);
    }
    // merge equal values (x sorted); -0.0 and 0.0 are one value
    double[] mw = new double[m];
    int d = 0;
    for (int i = 0; i < m; i++) {
      double wi = w == null ? 1.0 : w[i];
      if (d > 0 && x[i] == x[d - 1]) {
        mw[d - 1] += wi;
      } else {
        x[d] = x[i] == 0 ? 0.0 : x[i];
        mw[d++] = wi;
      }
    }
    return new WeightedValues(x, mw, d);
  }

  /**
   * The mirror: the values negated in reverse order (ascending again), weights alike, as prefix
   * sums only (enough for {@link #cost} and {@link #weight}; it has no x or w). Its first t points
   * are this one's last t, so its prefix DP is this one's suffix DP; every cluster's SSE is the same.
   */
  WeightedValues mirrored() {
    // the mirror's first t points are this one's last t: its prefix sums are this one's suffix sums
    // (the first moment negated, as the values are), computed from the prefix sums, no other array
    double[] mp = new double[p.length];
    int e = 3 * n;
    for (int t = 1; t <= n; t++) {
      int a = 3 * (n - t);
      mp[3 * t] = p[e] - p[a];
      mp[3 * t + 1] = -(p[e + 1] - p[a + 1]);
      mp[3 * t + 2] = p[e + 2] - p[a + 2];
    }
    return new WeightedValues(n, mp, -shift);
  }

  /** The mirror of {@link #mirrored}: prefix sums only, for {@link #cost} and {@link #weight}. */
  private WeightedValues(int n, double[] p, double shift) {
    this.n = n;
    this.x = null;
    this.w = null;
    this.shift = shift;
    this.p = p;
  }

  /** Total weight of points [i, j). */
  double weight(int i, int j) {
    return p[3 * j] - p[3 * i];
  }

  /** Weighted mean of points [i, j), j > i. */
  double mean(int i, int j) {
    if (j == i + 1) {
      return x[i]; // exact for a single value
    }
    return (p[3 * j + 1] - p[3 * i + 1]) / (p[3 * j] - p[3 * i]) + shift;
  }

  /** Weighted SSE of points [i, j) around their mean: sum w d^2 - (sum w d)^2 / sum w, clamped at 0. */
  double cost(int i, int j) {
    double sw = p[3 * j] - p[3 * i];
    if (sw <= 0) {
      return 0;
    }
    double s = p[3 * j + 1] - p[3 * i + 1];
    double c = (p[3 * j + 2] - p[3 * i + 2]) - s * s / sw;
    return c > 0 ? c : 0;
  }

  /** Weighted SSE of every point to its nearest centroid (centroids sorted ascending). */
  double sse(double[] centroids) {
    double sse = 0;
    int c = 0;
    int k = centroids.length;
    for (int i = 0; i < n; i++) {
      // advance while the next centroid is strictly nearer (x ascending, so c only grows)
      while (c + 1 < k && Math.abs(x[i] - centroids[c + 1]) < Math.abs(x[i] - centroids[c])) {
        c++;
      }
      double e = x[i] - centroids[c];
      sse += w[i] * e * e;
    }
    return sse;
  }
}
