package io.nncompress.codec.quant;

import io.nncompress.linalg.DenseMatrix;

/**
 * Affine uniform quantization to b bits (2..8), per tensor or per output channel (row), with
 * PyTorch's convention: q = clamp(round(w / scale) + z, 0, 2^b - 1) and w^ = (q - z) scale.
 *
 * <p>For each group (the whole tensor, or one row) with lo = min(0, min w) and hi = max(0, max w):
 * scale = (hi - lo) / (2^b - 1) rounded to float32, and the integer zero point
 * z = clamp(round(-lo / scale), 0, 2^b - 1). The range is widened to contain 0 so that 0 (a pruned
 * weight) is exactly representable. Every w in [lo, hi] satisfies |w - w^| &lt;= scale / 2 (up to
 * float32 rounding of the scale): the grid (q - z) scale, q = 0..2^b - 1, covers [lo, hi] to within
 * scale / 2 at each end since z is -lo / scale rounded. A group of zeros gets scale 1, z 0.
 * round(x) is floor(x + 1/2) (Java's Math.round).
 */
public final class UniformQuantizer {
  public static final int MIN_BITS = 2;
  public static final int MAX_BITS = 8;

  /** What shares one scale and zero point. */
  public enum Granularity {
    PER_TENSOR,
    PER_ROW
  }

  private UniformQuantizer() {}

  public static UniformQuantizedTensor quantize(DenseMatrix w, int bits, Granularity granularity) {
    if (bits < MIN_BITS || bits > MAX_BITS) {
      throw new IllegalArgumentException("bits must be in " + MIN_BITS + ".." + MAX_BITS + ", cannot be: " + bits);
    }
    if (w.rows < 1 || w.cols < 1) {
      throw new IllegalArgumentException("Cannot quantize an empty matrix, cannot be: " + w.shape());
    }
    int qmax = (1 << bits) - 1;
    int groups = granularity == Granularity.PER_ROW ? w.rows : 1;
    float[] scales = new float[groups];
    int[] zeroPoints = new int[groups];
    for (int g = 0; g < groups; g++) {
      double lo = 0; // the range always contains 0
      double hi = 0;
      int first = granularity == Granularity.PER_ROW ? g : 0;
      int last = granularity == Granularity.PER_ROW ? g : w.rows - 1;
      for (int i = first; i <= last; i++) {
        for (int j = 0; j < w.cols; j++) {
          double v = w.get(i, j);
          if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("Cannot quantize a non-finite weight at (" + i + ", " + j + "): " + v);
          }
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
      float scale = (float) ((hi - lo) / qmax); // scale = (hi - lo) / (2^b - 1)
      if (!(scale > 0)) {
        scale = 1f; // all zeros (or below float32's range): any scale, z = 0 gives w^ = 0
      }
      scales[g] = scale;
      zeroPoints[g] = (int) Math.max(0, Math.min(qmax, Math.round(-lo / scale))); // z = round(-lo / scale)
    }
    int[] codes = new int[w.rows * w.cols];
    for (int i = 0; i < w.rows; i++) {
      int g = granularity == Granularity.PER_ROW ? i : 0;
      double scale = scales[g];
      for (int j = 0; j < w.cols; j++) {
        long q = Math.round(w.get(i, j) / scale) + zeroPoints[g]; // q = round(w / scale) + z
        codes[i * w.cols + j] = (int) Math.max(0, Math.min(qmax, q));
      }
    }
    return new UniformQuantizedTensor(w.rows, w.cols, bits, granularity, scales, zeroPoints, codes);
  }
}
