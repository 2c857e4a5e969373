package io.nncompress.codec.quant;

import io.nncompress.linalg.DenseMatrix;

/**
 * Binary weights (BinaryConnect with XNOR-Net's scale): W_ij ~ alpha_i sign(W_ij), sign(0) = +1,
 * with alpha_i = mean_j |W_ij|, the minimiser of ||W_i - alpha s_i||^2 over alpha for s_i = sign(W_i):
 * d/d alpha = 0 gives alpha = s_i . W_i / d = sum_j |W_ij| / d. Stored as float32.
 */
public final class BinaryQuantizer {
  private BinaryQuantizer() {}

  public static BinaryTensor quantize(DenseMatrix w) {
    if (w.rows < 1 || w.cols < 1) {
      throw new IllegalArgumentException("Cannot binarize an empty matrix, cannot be: " + w.shape());
    }
    float[] alphas = new float[w.rows];
    int[] signs = new int[w.rows * w.cols];
    for (int i = 0; i < w.rows; i++) {
      double sumAbs = 0;
      for (int j = 0; j < w.cols; j++) {
        double v = w.get(i, j);
        sumAbs += Math.abs(v);
        signs[i * w.cols + j] = v >= 0 ? 1 : 0; // bit 1 = +alpha, 0 = -alpha
      }
      alphas[i] = (float) (sumAbs / w.cols); // alpha_i = mean |W_i|
    }
    return new BinaryTensor(w.rows, w.cols, alphas, signs);
  }
}
