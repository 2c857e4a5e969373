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

  @Override
  public DenseMatrix forward(DenseMatrix x) {
    checkInput(x);
    if (spec.type == LayerType.FLATTEN || spec.type == LayerType.IDENTITY) {
      return x; // (c, h, w) row-major is already the flattened order
    }
    DenseMatrix y = new DenseMatrix(x.rows, x.cols);
    double[] a = x.data;
    double[] b = y.data;
    if (spec.type == LayerType.RELU) { // the type chosen once, not per value: a loop the JIT vectorizes
      for (int k = 0; k < a.length; k++) {
        b[k] = a[k] > 0 ? a[k] : 0.0;
      }
    } else {
      for (int k = 0; k < a.length; k++) {
        b[k] = apply(a[k]);
      }
    }
    return y;
  }
}
