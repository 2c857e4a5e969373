package io.nncompress.codec.kmeans;

import io.nncompress.linalg.DenseMatrix;

/**
 * Deep Compression's weight sharing of one layer: the weights are clustered into k = 2^bits shared
 * values (a float32 codebook, ascending) and each weight is replaced by its nearest codebook value
 * (ties to the lower), stored as a bits-wide index.
 *
 * <p>Options: the 1-D k-means {@link Solver}; data-aware weighting, where the squared error of w_ij
 * counts R_jj times (R_jj the diagonal of the layer's input autocorrelation: the output error of a
 * perturbation of w_ij is (delta w_ij)^2 R_jj to first order on the diagonal); and {@code skipZeros}:
 * after pruning, only the nonzero weights are clustered, zeros stay exact zeros with code
 * {@link #ZERO_CODE}. Codes are kept row-major (index i * cols + j).
 */
public final class WeightSharing {
  /** Code of an exact (pruned) zero when zeros are skipped. */
  public static final int ZERO_CODE = -1;
  /** Fine histogram used by {@link Solver#OPTIMAL} when the direct exact solver would be too large. */
  public static final int DEFAULT_HISTOGRAM_BINS = 1 << 16;

  /** How the shared values are found. */
  public enum Solver {
    /** Exact 1-D k-means; on a 2^16-bin histogram when k (n + 1) exceeds {@link KMeans1D#MAX_DIRECT_CELLS}. */
    OPTIMAL,
    /** Exact 1-D k-means on a 2^16-bin histogram. */
    OPTIMAL_HISTOGRAM,
    /** Lloyd from linear initialisation (Deep Compression's choice). */
    LLOYD_LINEAR,
    LLOYD_DENSITY,
    LLOYD_RANDOM
  }

  private final int rows;
  private final int cols;
  private final int bits;
  private final float[] codebook;
  private final int[] codes;

  private WeightSharing(int rows, int cols, int bits, float[] codebook, int[] codes) {
    this.rows = rows;
    this.cols = cols;
    this.bits = bits;
    this.codebook = codebook;
    this.codes = codes;
  }

  /** Checks 1 <= bits <= 8. */
  public static void checkBits(int bits) {
    if (bits < 1 || bits > 8) {
      throw new IllegalArgumentException("bits must be in 1..8, cannot be: " + bits);
    }
  }

  /** Unweighted sharing of all weights (zeros included) with the exact solver. */
  public static WeightSharing fit(DenseMatrix w, int bits) {
    return fit(w, bits, Solver.OPTIMAL, null, false, 0L);
  }

  /**
   * Clusters the weights of w into 2^bits shared values. Fewer distinct weights than that (a pruned
   * small layer, a layer quantized before) each keep their value exactly, the codebook padded by
   * repeating its largest value ({@link KMeans1D}); a layer of only skipped zeros gets a codebook of
   * zeros.
   *
   * @param rDiagOrNull R_jj per column of w for the data-aware weighted k-means, or null
   * @param skipZeros cluster only the nonzero weights; zeros get {@link #ZERO_CODE}
   * @param seed for {@link Solver#LLOYD_RANDOM}
   */
  public static WeightSharing fit(DenseMatrix w, int bits, Solver solver, double[] rDiagOrNull, boolean skipZeros,
      long seed) {
    checkBits(bits);
    if (solver == null) {
      throw new IllegalArgumentException("solver must not be null");
    }
    if (rDiagOrNull != null && rDiagOrNull.length != w.cols) {
      throw new IllegalArgumentException("rDiag must have one entry per column of the " + w.shape()
          + " weights, has " + rDiagOrNull.length);
    }
    int k = 1 << bits;
    int n = w.data.length;
    int m = 0;
    for (int j = 0; j < w.cols; j++) {
      for (int i = 0; i < w.rows; i++) {
        double v = w.data[i + j * w.rows];
        if (!Double.isFinite(v)) {
          throw new IllegalArgumentException("weight (" + i + ", " + j + ") must be finite, cannot be: " + v);
        }
        if (!skipZeros || v != 0) {
          m++;
        }
      }
    }
    // the clustered weights, column-major order
    double[] x = new double[m];
    double[] wt = rDiagOrNull == null ? null : new double[m];
    int t = 0;
    for (int j = 0; j < w.cols; j++) {
      for (int i = 0; i < w.rows; i++) {
        double v = w.data[i + j * w.rows];
        if (!skipZeros || v != 0) {
          x[t] = v;
          if (wt != null) {
            wt[t] = rDiagOrNull[j];
          }
          t++;
        }
      }
    }
    double[] c;
    try {
      // every weight a skipped zero: nothing to cluster, every code ZERO_CODE; no input with R_jj > 0
      // (kmeans_aware): any codebook is optimal for the weighted error, so the plain one
      c = m == 0 ? new double[k] : solve(x, wt != null && !hasPositive(wt) ? null : wt, k, solver, seed);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("bits = " + bits + " (k = " + k + ") for a " + w.shape() + " layer with "
          + m + (skipZeros ? " nonzero" : "") + " weights: " + e.getMessage(), e);
    }
    float[] codebook = new float[k];
    for (int s = 0; s < k; s++) {
      codebook[s] = (float) c[s];
    }
    java.util.Arrays.sort(codebook);
    double[] cb = new double[k];
    for (int s = 0; s < k; s++) {
      cb[s] = codebook[s];
    }
    int[] codes = new int[n];
    for (int i = 0; i < w.rows; i++) {
      for (int j = 0; j < w.cols; j++) {
        double v = w.data[i + j * w.rows];
        codes[i * w.cols + j] = skipZeros && v == 0 ? ZERO_CODE : KMeans1D.nearest(cb, v);
      }
    }
    return new WeightSharing(w.rows, w.cols, bits, codebook, codes);
  }

  /** Wraps an existing codebook (length 2^bits) and row-major codes (in -1..2^bits-1); copies both. */
  public static WeightSharing of(int rows, int cols, int bits, float[] codebook, int[] codes) {
    checkBits(bits);
    if (codebook.length != (1 << bits)) {
      throw new IllegalArgumentException("codebook must have 2^bits = " + (1 << bits) + " values, has "
          + codebook.length);
    }
    if ((long) rows * cols != codes.length) {
      throw new IllegalArgumentException("codes must have rows*cols = " + (long) rows * cols + " entries, has "
          + codes.length);
    }
    for (int t = 0; t < codes.length; t++) {
      if (codes[t] < ZERO_CODE || codes[t] >= codebook.length) {
        throw new IllegalArgumentException("codes[" + t + "] must be in -1.." + (codebook.length - 1)
            + ", cannot be: " + codes[t]);
      }
    }
    return new WeightSharing(rows, cols, bits, codebook.clone(), codes.clone());
  }

  private static boolean hasPositive(double[] w) {
    for (double v : w) {
      if (v > 0) {
        return true;
      }
    }
    return false;
  }

  private static double[] solve(double[] x, double[] wt, int k, Solver solver, long seed) {
    switch (solver) {
      case OPTIMAL: {
        // the distinct count is at most x.length: a cheap bound deciding direct vs histogram
        if ((long) k * (x.length + 1) <= KMeans1D.MAX_DIRECT_CELLS) {
          return KMeans1D.optimal(x, wt, k).centroids;
        }
        return KMeans1D.optimalOnHistogram(x, wt, k, DEFAULT_HISTOGRAM_BINS).centroids;
      }
      case OPTIMAL_HISTOGRAM:
        return KMeans1D.optimalOnHistogram(x, wt, k, DEFAULT_HISTOGRAM_BINS).centroids;
      case LLOYD_LINEAR:
        return KMeans1D.lloyd(x, wt, k, KMeans1D.Init.LINEAR, seed, KMeans1D.DEFAULT_MAX_ITERATIONS).centroids;
      case LLOYD_DENSITY:
        return KMeans1D.lloyd(x, wt, k, KMeans1D.Init.DENSITY, seed, KMeans1D.DEFAULT_MAX_ITERATIONS).centroids;
      default:
        return KMeans1D.lloyd(x, wt, k, KMeans1D.Init.RANDOM, seed, KMeans1D.DEFAULT_MAX_ITERATIONS).centroids;
    }
  }

  public int rows() {
    return rows;
  }

  public int cols() {
    return cols;
  }

  public int bits() {
    return bits;
  }

  /** The 2^bits shared values, ascending, a copy. */
  public float[] codebook() {
    return codebook.clone();
  }

  /** Row-major codes (i * cols + j), {@link #ZERO_CODE} for an exact zero, a copy. */
  public int[] codes() {
    return codes.clone();
  }

  /** True when some entry is an exact zero outside the codebook. */
  public boolean hasZeroCodes() {
    for (int c : codes) {
      if (c == ZERO_CODE) {
        return true;
      }
    }
    return false;
  }

  /** The quantized layer: codebook[code] (as float32, widened), 0 for {@link #ZERO_CODE}. */
  public DenseMatrix quantized() {
    DenseMatrix q = new DenseMatrix(rows, cols);
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        int c = codes[i * cols + j];
        q.data[i + j * rows] = c == ZERO_CODE ? 0.0 : codebook[c];
      }
    }
    return q;
  }

  // package-private views for the encoded forms (no copies)
  float[] codebookView() {
    return codebook;
  }

  int[] codesView() {
    return codes;
  }
}
