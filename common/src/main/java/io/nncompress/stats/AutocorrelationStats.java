package io.nncompress.stats;

import io.nncompress.linalg.DenseMatrix;
import java.io.Serializable;

/**
 * A layer's input statistics: R = (1/N) sum_n x~_n x~_n^T with x~ = [x; 1] when bias-augmented
 * (then R's last row and column hold the mean and R[d][d] = 1), N, and the per-feature mean,
 * minimum and maximum. For a conv layer the samples are patches and N counts patches.
 */
public final class AutocorrelationStats implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int dim;
  private final boolean biasAugmented;
  private final long samples;
  private final long rows;
  private final DenseMatrix r;
  private final double[] mean;
  private final double[] min;
  private final double[] max;

  public AutocorrelationStats(int dim, boolean biasAugmented, long samples, long rows, DenseMatrix r, double[] mean,
      double[] min, double[] max) {
    int p = dim + (biasAugmented ? 1 : 0);
    if (r.rows != p || r.cols != p) {
      throw new IllegalArgumentException("R must be " + p + "x" + p + " for d = " + dim + (biasAugmented
          ? " with bias" : "") + ", cannot be: " + r.shape());
    }
    if (mean.length != dim || min.length != dim || max.length != dim) {
      throw new IllegalArgumentException("mean, min and max must have " + dim + " values");
    }
    this.dim = dim;
    this.biasAugmented = biasAugmented;
    this.samples = samples;
    this.rows = rows;
    this.r = r;
    this.mean = mean;
    this.min = min;
    this.max = max;
  }

  /** From the sum S (upper triangle filled, p x p column-major): R = S / N, symmetrised. */
  static AutocorrelationStats fromSum(int dim, boolean biasAugmented, long samples, long rows, double[] upperSum,
      double[] sum, double[] min, double[] max) {
    int p = dim + (biasAugmented ? 1 : 0);
    DenseMatrix r = new DenseMatrix(p, p, upperSum.clone());
    double n = samples == 0 ? 1.0 : samples;
    for (int j = 0; j < p; j++) {
      for (int i = 0; i <= j; i++) {
        r.data[i + j * p] /= n;
      }
    }
    r.symmetrizeFromUpper();
    double[] mean = new double[dim];
    for (int k = 0; k < dim; k++) {
      mean[k] = sum[k] / n;
    }
    return new AutocorrelationStats(dim, biasAugmented, samples, rows, r, mean, min.clone(), max.clone());
  }

  /** d, the number of inputs (without the bias). */
  public int dim() {
    return dim;
  }

  public boolean biasAugmented() {
    return biasAugmented;
  }

  /** N: rows for a dense layer, patches for a conv layer. */
  public long samples() {
    return samples;
  }

  /** The number of dataset rows read. */
  public long rows() {
    return rows;
  }

  /** R = E[x~ x~^T], (d+1) x (d+1) with the bias, d x d without; not copied. */
  public DenseMatrix autocorrelation() {
    return r;
  }

  public double[] mean() {
    return mean;
  }

  public double[] min() {
    return min;
  }

  public double[] max() {
    return max;
  }

  /** max |R_ij - S_ij| / max |R_ij|: the relative difference of two autocorrelations. */
  public double relativeDifference(AutocorrelationStats o) {
    double scale = 0;
    for (double v : r.data) {
      scale = Math.max(scale, Math.abs(v));
    }
    return r.maxAbsDiff(o.r) / Math.max(scale, Double.MIN_NORMAL);
  }
}
