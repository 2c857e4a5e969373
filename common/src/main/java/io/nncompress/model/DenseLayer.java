package io.nncompress.model;

import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.DenseMatrix;
import java.util.Map;

/** y = W x + b with W h x d (PyTorch Linear layout [out, in]); a batch goes through one dgemm. */
public final class DenseLayer extends Layer {
  private final DenseMatrix weight;
  private final double[] bias;

  /** A dense layer over W (out x in) and b (length out, or null for none). */
  public DenseLayer(String name, DenseMatrix weight, double[] bias) {
    this(bias == null ? LayerSpec.dense(name, false) : LayerSpec.dense(name, true), weight, bias);
  }

  public DenseLayer(LayerSpec spec, DenseMatrix weight, double[] bias) {
    super(spec, FeatureShape.flat(weight.cols), FeatureShape.flat(weight.rows));
    if (bias != null && bias.length != weight.rows) {
      throw new ModelSpecException("dense layer '" + spec.name + "': bias has " + bias.length
          + " values, weight is " + weight.shape() + " (out x in)");
    }
    if ((spec.bias == null) != (bias == null)) {
      throw new ModelSpecException("dense layer '" + spec.name + "': the spec and the tensors disagree on a bias");
    }
    this.weight = weight;
    this.bias = bias;
  }

  /** W, out x in (not a copy). */
  public DenseMatrix weight() {
    return weight;
  }

  /** b, or null (not a copy). */
  public double[] bias() {
    return bias;
  }

  @Override
  public DenseMatrix forward(DenseMatrix x) {
    checkInput(x);
    DenseMatrix y = new DenseMatrix(weight.rows, x.cols);
    // Y = W X
    DenseMatrix.gemm(1.0, weight, false, x, false, 0.0, y);
    if (bias != null) {
      int h = weight.rows;
      for (int j = 0; j < x.cols; j++) {
        for (int i = 0; i < h; i++) {
          y.data[i + j * h] += bias[i];
        }
      }
    }
    return y;
  }

  @Override
  public void tensors(Map<String, Tensor> out) {
    out.put(spec.weight, Tensor.of(weight));
    if (bias != null) {
      out.put(spec.bias, Tensor.of(bias));
    }
  }
}
