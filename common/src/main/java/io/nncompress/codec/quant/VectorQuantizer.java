package io.nncompress.codec.quant;

import io.nncompress.linalg.DenseMatrix;
import java.util.List;

/**
 * Product and residual quantization of the rows of an m x n matrix (Gong et al. 2014, "Compressing
 * deep convolutional networks using vector quantization", seeds/002).
 *
 * <p>Product quantization: split the n columns into s sub-blocks of n/s columns (s must divide n;
 * no padding); in block b every row's sub-vector is a point, and k-means ({@link KMeans}, seeded)
 * gives block b its own codebook of k entries. Each sub-vector is stored as the index of its
 * nearest entry.
 *
 * <p>Residual quantization: t stages; stage 1 is the product quantization above, stage u + 1
 * quantizes (with fresh codebooks) the residual W - (sum of the entries chosen at stages 1..u). The
 * reconstruction is the sum of the t chosen entries. The sub-vector length is n/s: s = 1 quantizes
 * full rows, as in the paper; s &gt; 1 is residual quantization on sub-vectors. Codebooks are
 * rounded to float32 before the codes are chosen, so the residuals are those of the stored form.
 *
 * <p>Literature compression rate (32-bit floats, log2 k bits per index; the paper's PQ formula,
 * and its RQ formula for s = 1 generalised to s blocks): rate = 32 m n / (t (32 k n + m s log2 k)).
 * The slides of seeds/002 print RQ's as m / (tk + log2(k) t n), a garbled version of the same
 * count. {@link VectorQuantizedTensor#encode()} is the real size, with a 28-byte header and codes
 * of ceil(log2 k) bits.
 */
public final class VectorQuantizer {
  /** The largest codebook: codes are at most 16 bits. */
  public static final int MAX_CLUSTERS = 1 << 16;
  static final int MAX_ITERATIONS = 50;

  private VectorQuantizer() {}

  /** Product quantization: s sub-blocks, k entries each (one stage). */
  public static VectorQuantizedTensor product(DenseMatrix w, int subBlocks, int k, long seed) {
    return residual(w, subBlocks, k, 1, seed);
  }

  /** Residual quantization: t stages of product quantization on the residuals. */
  public static VectorQuantizedTensor residual(DenseMatrix w, int subBlocks, int k, int stages, long seed) {
    if (w.rows < 1 || w.cols < 1) {
      throw new IllegalArgumentException("Cannot quantize an empty matrix, cannot be: " + w.shape());
    }
    if (subBlocks < 1 || w.cols % subBlocks != 0) {
      throw new IllegalArgumentException("sub-blocks s must divide the " + w.cols + " columns, cannot be: "
          + subBlocks);
    }
    if (k < 1 || k > MAX_CLUSTERS) {
      throw new IllegalArgumentException("clusters k must be in 1.." + MAX_CLUSTERS + ", cannot be: " + k);
    }
    if (stages < 1) {
      throw new IllegalArgumentException("stages t must be at least 1, cannot be: " + stages);
    }
    int m = w.rows;
    int n = w.cols;
    int len = n / subBlocks;
    double[] residual = w.toRowMajor();
    float[] codebooks = new float[stages * subBlocks * k * len]; // [stage][block][entry][component]
    int[] codes = new int[stages * m * subBlocks]; // [stage][row][block]
    double[] points = new double[m * len];
    for (int st = 0; st < stages; st++) {
      for (int b = 0; b < subBlocks; b++) {
        for (int i = 0; i < m; i++) {
          System.arraycopy(residual, i * n + b * len, points, i * len, len);
        }
        KMeans km = KMeans.fit(points, m, len, k, seed + 1_000_003L * st + b, MAX_ITERATIONS);
        int cbOff = (st * subBlocks + b) * k * len;
        double[] rounded = new double[km.count * len];
        for (int e = 0; e < km.count * len; e++) {
          codebooks[cbOff + e] = (float) km.centres[e];
          rounded[e] = codebooks[cbOff + e];
        }
        for (int i = 0; i < m; i++) {
          int c = KMeans.nearest(points, i * len, rounded, km.count, len);
          codes[(st * m + i) * subBlocks + b] = c;
          for (int t = 0; t < len; t++) {
            residual[i * n + b * len + t] -= rounded[c * len + t]; // residual of the stored entries
          }
        }
      }
    }
    return new VectorQuantizedTensor(m, n, subBlocks, k, stages, codebooks, codes);
  }

  /**
   * The most clusters k (at most {@code rows}, the points each codebook is fit to, and at most
   * {@link #MAX_CLUSTERS}) whose encoded form of a rows x cols matrix in {@code subBlocks} blocks and
   * {@code stages} stages takes at most {@code bytes}; 0 when not even k = 1 fits. The size grows with
   * k, so the answer is found by bisection.
   */
  public static int clustersWithin(int rows, int cols, int subBlocks, int stages, long bytes) {
    return largest(Math.min(rows, MAX_CLUSTERS),
        k -> VectorQuantizedTensor.bytesOf(rows, cols, subBlocks, k, stages) <= bytes);
  }

  /**
   * The one k for several layers (each {rows, cols}, sub-vectors of about {@code len} columns as in
   * {@link #subBlocks}, each layer's k capped at its rows) whose encodings together take at most
   * {@code bytes}: the most that fit, 0 when not even k = 1 does.
   */
  public static int clustersWithin(List<int[]> shapes, int len, int stages, long bytes) {
    int most = 0;
    for (int[] sh : shapes) {
      most = Math.max(most, Math.min(sh[0], MAX_CLUSTERS));
    }
    return largest(most, k -> {
      long total = 0;
      for (int[] sh : shapes) {
        total += VectorQuantizedTensor.bytesOf(sh[0], sh[1], subBlocks(sh[1], len), Math.min(k, sh[0]), stages);
      }
      return total <= bytes;
    });
  }

  // the largest k in 1..most for which fits holds (fits must hold for every smaller k too), 0 if none
  private static int largest(int most, java.util.function.IntPredicate fits) {
    int lo = 0;
    int hi = most;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (fits.test(mid)) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /**
   * The blocks of sub-vectors about len long in d columns: d / (the largest divisor of d that is at
   * most len).
   */
  public static int subBlocks(int d, int len) {
    if (len < 1) {
      throw new IllegalArgumentException("sub-vector length must be at least 1, cannot be: " + len);
    }
    int l = Math.min(len, d);
    while (d % l != 0) {
      l--;
    }
    return d / l;
  }

  /** ceil(log2 k), at least 1: the bits of one stored index. */
  public static int codeBits(int k) {
    return Math.max(1, 32 - Integer.numberOfLeadingZeros(k - 1));
  }

  /** 32 m n / (t (32 k n + m s log2 k)) (Gong et al. 2014). */
  public static double literatureCompressionRate(int m, int n, int subBlocks, int k, int stages) {
    double log2k = Math.log(k) / Math.log(2);
    return 32.0 * m * n / (stages * (32.0 * k * n + (double) m * subBlocks * log2k));
  }
}
