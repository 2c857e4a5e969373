package io.nncompress.codec.prune;

import io.nncompress.linalg.DenseMatrix;
import java.util.Arrays;

/**
 * Weight pruning of a layer W (rows = outputs, cols = inputs; y = W x).
 *
 * <ul>
 *   <li>{@link #pruneBelow}: Han et al. (2015): every |w_ij| strictly below a threshold becomes 0.</li>
 *   <li>{@link #pruneToSparsity}: the {@link #prunedCount round(s n)} weights of smallest |w_ij|
 *       become 0, exactly that many.</li>
 *   <li>{@link #pruneBySaliency}: data-aware, Optimal Brain Damage's diagonal approximation
 *       (LeCun et al. 1990): removing w_ij raises the layer's output error by w_ij^2 R_jj, with
 *       R_jj = E[x_j^2] the diagonal of the input autocorrelation; the round(s n) smallest
 *       saliencies become 0.</li>
 * </ul>
 * Ties in the score are broken by the column-major position (data index) of the weight: the
 * earlier is pruned first, so the result is deterministic. Pruned entries are +0.0. Weights that
 * were already zero have score 0 and are pruned first; the resulting fraction of zeros is
 * {@code max(round(s n), zeros already there) / n}.
 */
public final class MagnitudePruner {
  private MagnitudePruner() {}

  /** A copy of w with every |w_ij| < threshold set to 0. */
  public static DenseMatrix pruneBelow(DenseMatrix w, double threshold) {
    if (!(threshold >= 0) || Double.isInfinite(threshold)) {
      throw new IllegalArgumentException("threshold must be finite and >= 0, cannot be: " + threshold);
    }
    checkFinite(w);
    DenseMatrix out = w.copy();
    for (int t = 0; t < out.data.length; t++) {
      if (Math.abs(out.data[t]) < threshold) {
        out.data[t] = 0.0;
      }
    }
    return out;
  }

  /** A copy of w with the round(sparsity n) smallest |w_ij| set to 0. */
  public static DenseMatrix pruneToSparsity(DenseMatrix w, double sparsity) {
    checkSparsity(sparsity);
    checkFinite(w);
    double[] score = new double[w.data.length];
    for (int t = 0; t < score.length; t++) {
      score[t] = Math.abs(w.data[t]);
    }
    return prune(w, score, prunedCount(score.length, sparsity));
  }

  /**
   * A copy of w with the round(sparsity n) smallest saliencies w_ij^2 R_jj set to 0.
   *
   * @param rDiag R_jj, one per column (input) of w, finite and >= 0
   */
  public static DenseMatrix pruneBySaliency(DenseMatrix w, double[] rDiag, double sparsity) {
    checkSparsity(sparsity);
    checkFinite(w);
    double[] score = saliency(w, rDiag);
    return prune(w, score, prunedCount(score.length, sparsity));
  }

  /** OBD saliency w_ij^2 R_jj, column-major like w.data. */
  public static double[] saliency(DenseMatrix w, double[] rDiag) {
    if (rDiag == null || rDiag.length != w.cols) {
      throw new IllegalArgumentException("rDiag must have one entry per column of the " + w.shape() + " weights, has "
          + (rDiag == null ? "null" : rDiag.length));
    }
    for (int j = 0; j < rDiag.length; j++) {
      if (!(rDiag[j] >= 0) || Double.isInfinite(rDiag[j])) {
        throw new IllegalArgumentException("rDiag[" + j + "] must be finite and >= 0, cannot be: " + rDiag[j]);
      }
    }
    double[] score = new double[w.data.length];
    for (int j = 0; j < w.cols; j++) {
      for (int i = 0; i < w.rows; i++) {
        double v = w.data[i + j * w.rows];
        score[i + j * w.rows] = v * v * rDiag[j]; // w_ij^2 R_jj
      }
    }
    return score;
  }

  /** Number of weights pruned for a target sparsity: round(sparsity n), halves up. */
  public static int prunedCount(int n, double sparsity) {
    checkSparsity(sparsity);
    return (int) Math.min(n, Math.floor(sparsity * n + 0.5));
  }

  /** Fraction of entries equal to 0. */
  public static double sparsity(DenseMatrix w) {
    if (w.data.length == 0) {
      return 0;
    }
    int z = 0;
    for (double v : w.data) {
      if (v == 0) {
        z++;
      }
    }
    return (double) z / w.data.length;
  }

  private static DenseMatrix prune(DenseMatrix w, double[] score, int count) {
    DenseMatrix out = w.copy();
    if (count == 0) {
      return out;
    }
    double[] sorted = score.clone();
    Arrays.sort(sorted);
    double tau = sorted[count - 1]; // the count-th smallest score
    int below = 0;
    for (double s : score) {
      if (s < tau) {
        below++;
      }
    }
    int tiesToPrune = count - below;
    // every score < tau, then the first tiesToPrune scores == tau in data order
    for (int t = 0; t < score.length; t++) {
      if (score[t] < tau) {
        out.data[t] = 0.0;
      } else if (score[t] == tau && tiesToPrune > 0) {
        out.data[t] = 0.0;
        tiesToPrune--;
      }
    }
    return out;
  }

  static void checkSparsity(double sparsity) {
    if (!(sparsity >= 0 && sparsity <= 1)) {
      throw new IllegalArgumentException("sparsity must be in [0, 1], cannot be: " + sparsity);
    }
  }

  static void checkFinite(DenseMatrix w) {
    for (int j = 0; j < w.cols; j++) {
      for (int i = 0; i < w.rows; i++) {
        double v = w.data[i + j * w.rows];
        if (!Double.isFinite(v)) {
          throw new IllegalArgumentException("weight (" + i + ", " + j + ") must be finite, cannot be: " + v);
        }
      }
    }
  }
}
