package io.nncompress.model;

import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.DenseMatrix;
import java.util.Map;

/**
 * y = W x + b with W h x d (PyTorch Linear layout [out, in]); a batch goes through one dgemm.
 *
 * <p>W may be {@link Tensor#deferred deferred}: left where it is (a byte range of a safetensors
 * file) until the first {@link #weight()} or {@link #forward}; its shape is known without it. A
 * process that only reads the layer's shape and spec never holds W.
 */
public final class DenseLayer extends Layer {
  private volatile DenseMatrix weight;
  private final Tensor deferred;
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
    this.deferred = null;
    this.bias = bias;
  }

  /** A dense layer over a deferred W (a 2-D tensor [out, in], not read now) and b (or null). */
  public DenseLayer(LayerSpec spec, Tensor deferredWeight, double[] bias) {
    super(spec, FeatureShape.flat(cols(spec, deferredWeight)), FeatureShape.flat((int) deferredWeight.dim(0)));
    if (bias != null && bias.length != deferredWeight.dim(0)) {
      throw new ModelSpecException("dense layer '" + spec.name + "': bias has " + bias.length
          + " values, weight is " + deferredWeight.shapeString() + " (out x in)");
    }
    if ((spec.bias == null) != (bias == null)) {
      throw new ModelSpecException("dense layer '" + spec.name + "': the spec and the tensors disagree on a bias");
    }
    this.weight = null;
    this.deferred = deferredWeight;
    this.bias = bias;
  }

  private static int cols(LayerSpec spec, Tensor w) {
    if (w.rank() != 2) {
      throw new ModelSpecException("dense layer '" + spec.name + "': weight must be [out, in], has shape "
          + w.shapeString());
    }
    return (int) w.dim(1);
  }

  /** W, out x in (not a copy); a deferred W is read now, once. */
  public DenseMatrix weight() {
    DenseMatrix w = weight;
    if (w == null) {
      synchronized (this) {
        w = weight;
        if (w == null) {
          w = deferred.toMatrix();
          weight = w;
        }
      }
    }
    return w;
  }

  /** The deferred W this layer was built over (read or not), or null when W was given in memory. */
  public Tensor deferredWeight() {
    return deferred;
  }

  /** Rows of W (outputs), without reading a deferred W. */
  public int weightRows() {
    return outputShape().size();
  }

  /** Columns of W (inputs), without reading a deferred W. */
  public int weightCols() {
    return inputShape().size();
  }

  /** b, or null (not a copy). */
  public double[] bias() {
    return bias;
  }

  @Override
  public DenseMatrix forward(DenseMatrix x) {
    checkInput(x);
    DenseMatrix weight = weight();
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
    out.put(spec.weight, deferred != null ? deferred : Tensor.of(weight));
    if (bias != null) {
      out.put(spec.bias, Tensor.of(bias));
    }
  }
}
