package io.nncompress.codec.quant;

import java.util.SplittableRandom;

/**
 * Lloyd's k-means on n points of dimension m (flat row-major double[n*m]) with k-means++
 * initialisation, seeded and deterministic.
 *
 * <p>k-means++: the first centre is a uniformly drawn point; each next one is drawn with
 * probability D(x)^2 / sum D^2, D(x) the distance to the nearest chosen centre. When sum D^2 = 0
 * every point already is a centre and the remaining entries are left unused (there are fewer
 * distinct points than k): {@link #centres} then holds fewer than k rows. Lloyd: assign each point
 * to its nearest centre (ties to the lowest index), move each centre to the mean of its points
 * (a centre with no point stays where it is), until no assignment changes or maxIterations.
 */
public final class KMeans {
  /** Centres, row-major (count x m). */
  public final double[] centres;
  /** Number of centres, at most k. */
  public final int count;
  /** Nearest centre of each point. */
  public final int[] assignment;

  private KMeans(double[] centres, int count, int[] assignment) {
    this.centres = centres;
    this.count = count;
    this.assignment = assignment;
  }

  public static KMeans fit(double[] points, int n, int m, int k, long seed, int maxIterations) {
    if (k < 1) {
      throw new IllegalArgumentException("clusters k must be at least 1, cannot be: " + k);
    }
    if (n < 1 || m < 1 || points.length != (long) n * m) {
      throw new IllegalArgumentException(n + " points of dimension " + m + " need " + (long) n * m + " values, have "
          + points.length);
    }
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] c = new double[Math.min(k, n) * m];
    int count = 0;
    // k-means++ seeding
    int first = rnd.nextInt(n);
    System.arraycopy(points, first * m, c, 0, m);
    count = 1;
    double[] d2 = new double[n];
    for (int p = 0; p < n; p++) {
      d2[p] = dist2(points, p * m, c, 0, m);
    }
    while (count < Math.min(k, n)) {
      double total = 0;
      for (double v : d2) {
        total += v;
      }
      if (total <= 0) {
        break; // fewer distinct points than k
      }
      double u = rnd.nextDouble() * total;
      int pick = -1;
      for (int p = 0; p < n; p++) {
        if (d2[p] > 0) {
          pick = p;
          u -= d2[p];
          if (u < 0) {
            break;
          }
        }
      }
      System.arraycopy(points, pick * m, c, count * m, m);
      for (int p = 0; p < n; p++) {
        d2[p] = Math.min(d2[p], dist2(points, p * m, c, count * m, m));
      }
      count++;
    }
    int[] assign = new int[n];
    java.util.Arrays.fill(assign, -1);
    double[] sums = new double[count * m];
    int[] sizes = new int[count];
    for (int it = 0; it < maxIterations; it++) {
      boolean changed = assign(points, n, m, c, count, assign);
      if (!changed && it > 0) {
        break;
      }
      // centre = mean of its points
      java.util.Arrays.fill(sums, 0);
      java.util.Arrays.fill(sizes, 0);
      for (int p = 0; p < n; p++) {
        int a = assign[p];
        sizes[a]++;
        for (int t = 0; t < m; t++) {
          sums[a * m + t] += points[p * m + t];
        }
      }
      for (int a = 0; a < count; a++) {
        if (sizes[a] > 0) {
          for (int t = 0; t < m; t++) {
            c[a * m + t] = sums[a * m + t] / sizes[a];
          }
        }
      }
    }
    assign(points, n, m, c, count, assign);
    return new KMeans(java.util.Arrays.copyOf(c, count * m), count, assign);
  }

  /** Assigns each point to its nearest centre (ties to the lowest index); whether any assignment changed. */
  static boolean assign(double[] points, int n, int m, double[] c, int count, int[] assign) {
    boolean changed = false;
    for (int p = 0; p < n; p++) {
      int best = nearest(points, p * m, c, count, m);
      if (best != assign[p]) {
        assign[p] = best;
        changed = true;
      }
    }
    return changed;
  }

  static int nearest(double[] points, int off, double[] c, int count, int m) {
    int best = 0;
    double bestD = Double.POSITIVE_INFINITY;
    for (int a = 0; a < count; a++) {
      double dd = dist2(points, off, c, a * m, m);
      if (dd < bestD) {
        bestD = dd;
        best = a;
      }
    }
    return best;
  }

  static double dist2(double[] x, int xo, double[] y, int yo, int m) {
    double s = 0;
    for (int t = 0; t < m; t++) {
      double e = x[xo + t] - y[yo + t];
      s += e * e;
    }
    return s;
  }
}
