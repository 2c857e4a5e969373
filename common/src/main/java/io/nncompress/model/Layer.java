package io.nncompress.model;

import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.DenseMatrix;
import java.util.Map;

/**
 * One layer of a {@link Network}. A batch is a matrix with one sample per column:
 * {@link #forward} maps in.size() x n to out.size() x n.
 */
public abstract class Layer {
  protected final LayerSpec spec;
  protected final FeatureShape in;
  protected final FeatureShape out;

  protected Layer(LayerSpec spec, FeatureShape in, FeatureShape out) {
    this.spec = spec;
    this.in = in;
    this.out = out;
  }

  public String name() {
    return spec.name;
  }

  public LayerType type() {
    return spec.type;
  }

  public LayerSpec spec() {
    return spec;
  }

  public FeatureShape inputShape() {
    return in;
  }

  public FeatureShape outputShape() {
    return out;
  }

  /** The output batch of an input batch (in.size() x n; not modified). */
  public abstract DenseMatrix forward(DenseMatrix x);

  /** Adds this layer's tensors (F32, under the names of its spec) to {@code out}. */
  public void tensors(Map<String, Tensor> out) {}

  protected void checkInput(DenseMatrix x) {
    if (x.rows != in.size()) {
      throw new IllegalArgumentException(this + " takes " + in.size() + " values per sample (" + in
          + "), the batch is " + x.shape() + " (one sample per column)");
    }
  }

  @Override
  public String toString() {
    return spec.type.id + " '" + spec.name + "' (" + in + " -> " + out + ")";
  }
}
