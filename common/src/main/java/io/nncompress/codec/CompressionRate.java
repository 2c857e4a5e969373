package io.nncompress.codec;

/**
 * Compression rates. The real one divides the float32 size of the tensor by the bytes actually
 * written; the paper's (Han et al., Deep Compression, 2016, eq. 1) counts only the weight indices
 * and the codebook: {@code r = n b / (n log2(k) + k b)}.
 */
public final class CompressionRate {
  private CompressionRate() {}

  /**
   * Deep Compression's formula: n weights of b bits each, shared through k centroids of b bits.
   *
   * @param n number of weights, at least 1
   * @param b bits of one uncompressed weight (32 for float32)
   * @param k number of shared values, at least 1
   */
  public static double paper(long n, int b, int k) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be at least 1, cannot be: " + n);
    }
    if (b < 1) {
      throw new IllegalArgumentException("b must be at least 1, cannot be: " + b);
    }
    if (k < 1) {
      throw new IllegalArgumentException("k must be at least 1, cannot be: " + k);
    }
    double log2k = Math.log(k) / Math.log(2);
    // r = n b / (n log2(k) + k b)
    return (double) n * b / (n * log2k + (double) k * b);
  }

  /** float32 bytes of the tensor (4 rows cols) over the bytes of its encoded form. */
  public static double actual(EncodedTensor t) {
    return actual(t.rows(), t.cols(), t.encode().length);
  }

  /** 4 rows cols / encodedBytes. */
  public static double actual(int rows, int cols, long encodedBytes) {
    if (encodedBytes < 1) {
      throw new IllegalArgumentException("encodedBytes must be at least 1, cannot be: " + encodedBytes);
    }
    return 4.0 * rows * cols / encodedBytes;
  }
}
