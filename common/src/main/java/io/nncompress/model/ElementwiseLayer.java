package io.nncompress.model;

import io.nncompress.linalg.DenseMatrix;

/** Activations (relu, tanh, sigmoid, identity) and flatten: the same number of values in and out. */
public final class ElementwiseLayer extends Layer {
  public ElementwiseLayer(LayerSpec spec, FeatureShape in) {
    super(spec, in, spec.type == LayerType.FLATTEN ? FeatureShape.flat(in.size()) : in);
    switch (spec.type) {
      case RELU:
      case TANH:
      case SIGMOID:
      case IDENTITY:
      case FLATTEN:
        break;
      default:
        throw new IllegalArgumentException("not an element-wise layer type: " + spec.type.id);
    }
  }

  /** f(z) of this activation. */
  public double apply(double z) {
    switch (spec.type) {
      case RELU:
        return z > 0 ? z : 0.0;
      case TANH:
        return Math.tanh(z);
      case SIGMOID:
        return 1.0 / (1.0 + Math.exp(-z));
      default:
        return z;
    }
  }

  /**
   * b = max(a, 0) with a NaN mapped to 0, as {@link #apply}: Math.max without a branch per value (a branch on the
   * sign of each value is mispredicted half the time, 10x slower measured), the rare NaNs fixed afterwards.
   */
  static void relu(double[] a, double[] b) {
    for (int k = 0; k < a.length; k++) {
      b[k] = Math.max(a[k], 0.0);
    }
    if (Double.isNaN(sum(b))) { // max(NaN, 0) is NaN: some input was NaN
      for (int k = 0; k < a.length; k++) {
        b[k] = a[k] > 0 ? a[k] : 0.0;
      }
    }
  }

  /** The sum of v in 4 interleaved parts: NaN exactly when some value is NaN or +inf and -inf meet. */
  public static double sum(double[] v) {
    double s0 = 0;
    double s1 = 0;
    double s2 = 0;
    double s3 = 0;
    int k = 0;
    for (; k + 3 < v.length; k += 4) {
      s0 += v[k];
      s1 += v[k + 1];
      s2 += v[k + 2];
      s3 += v[k + 3];
    }
    for (; k < v.length; k++) {
      s0 += v[k];
    }
    return s0 + s1 + s2 + s3;
  }

  @Override
  public DenseMatrix forward(DenseMatrix x) {
    checkInput(x);
    if (spec.type == LayerType.FLATTEN || spec.type == LayerType.IDENTITY) {
      return x; // (c, h, w) row-major is already the flattened order
    }
    DenseMatrix y = new DenseMatrix(x.rows, x.cols);
    double[] a = x.data;
    double[] b = y.data;
    if (spec.type == LayerType.RELU) {
      relu(a, b);
    } else {
      for (int k = 0; k < a.length; k++) {
        b[k] = apply(a[k]);
      }
    }
    return y;
  }
}
