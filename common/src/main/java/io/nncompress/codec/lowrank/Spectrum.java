package io.nncompress.codec.lowrank;

/**
 * The singular values behind a low-rank factorization of an h x d matrix, with what a
 * {@link RankSelector} needs to pick the rank: the kept energy and the relative (data-aware) error
 * of each rank.
 *
 * <p>Error weights: the error of the rank-r truncation is sum_{i >= r} w_i (0-based), and
 * {@link #relativeError(int)} divides it by sum_i w_i. For plain SVD measured in Frobenius norm
 * w_i = s_i^2; for plain SVD measured on data, tr(E R E^T) with E = sum_{i >= r} s_i u_i v_i^T is
 * sum_{i >= r} s_i^2 v_i^T R v_i (the u_i are orthonormal), so w_i = s_i^2 v_i^T R v_i; for the
 * activation-aware factorization (singular values of W L) w_i = s_i^2.
 */
public final class Spectrum {
  /** h. */
  public final int rows;
  /** d. */
  public final int cols;
  private final double[] singularValues;
  private final double[] errorWeights;

  Spectrum(int rows, int cols, double[] singularValues, double[] errorWeights) {
    this.rows = rows;
    this.cols = cols;
    this.singularValues = singularValues;
    this.errorWeights = errorWeights;
  }

  /** Spectrum whose error weights are the squared singular values. */
  static Spectrum ofSingularValues(int rows, int cols, double[] s) {
    double[] w = new double[s.length];
    for (int i = 0; i < s.length; i++) {
      w[i] = s[i] * s[i];
    }
    return new Spectrum(rows, cols, s, w);
  }

  /** The singular values, descending (a copy). */
  public double[] singularValues() {
    return singularValues.clone();
  }

  /** The largest usable rank: the number of singular values, at most min(h, d). */
  public int maxRank() {
    return singularValues.length;
  }

  /** Kept energy of rank r: sum_{i < r} s_i^2 / sum_i s_i^2; 1 for r = maxRank() or a zero matrix. */
  public double energy(int r) {
    return keptFraction(squares(), r);
  }

  /** Relative error of rank r: sum_{i >= r} w_i / sum_i w_i; 0 for r = maxRank() or a zero total. */
  public double relativeError(int r) {
    return 1.0 - keptFraction(errorWeights, r);
  }

  /** Absolute error of rank r: sum_{i >= r} w_i. */
  public double error(int r) {
    checkRank(r);
    double e = 0;
    for (int i = r; i < errorWeights.length; i++) {
      e += errorWeights[i];
    }
    return e;
  }

  private double[] squares() {
    double[] q = new double[singularValues.length];
    for (int i = 0; i < q.length; i++) {
      q[i] = singularValues[i] * singularValues[i];
    }
    return q;
  }

  private double keptFraction(double[] w, int r) {
    checkRank(r);
    double total = 0;
    double kept = 0;
    for (int i = 0; i < w.length; i++) {
      total += w[i];
      if (i < r) {
        kept += w[i];
      }
    }
    if (r == w.length || total <= 0) {
      return 1.0; // exact at full rank, whatever the rounding of the sums
    }
    return kept / total;
  }

  private void checkRank(int r) {
    if (r < 0 || r > singularValues.length) {
      throw new IllegalArgumentException("rank must be in 0.." + singularValues.length + ", cannot be: " + r);
    }
  }
}
