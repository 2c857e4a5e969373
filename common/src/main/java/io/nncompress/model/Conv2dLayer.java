package io.nncompress.model;

import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.ConvGeometry;
import io.nncompress.linalg.ConvKernels;
import io.nncompress.linalg.DenseMatrix;
import java.util.Map;

/**
 * 2-D convolution (PyTorch Conv2d, groups = 1): the weight O x C x kh x kw is held as the matrix
 * W, O x (C*kh*kw); the input map is turned into patches (im2col) and Y = W P + b goes through one
 * dgemm per sample ({@link ConvKernels#forward}, patches transposed so that the product lands in the
 * output's layout); {@link #patches} gives them in {@link ConvGeometry#extractPatches}'s order.
 */
public final class Conv2dLayer extends Layer {
  private final ConvGeometry geometry;
  private final DenseMatrix weight;
  private final double[] bias;

  /**
   * @param weight O x (C*kh*kw), row o = the flattened PyTorch kernel weight[o, :, :, :]
   * @param bias length O, or null when spec.bias is null
   */
  public Conv2dLayer(LayerSpec spec, FeatureShape in, int kernelH, int kernelW, DenseMatrix weight, double[] bias) {
    this(spec, new ConvGeometry(in.channels, in.height, in.width, kernelH, kernelW, spec.stride[0], spec.stride[1],
        spec.padding[0], spec.padding[1], spec.dilation[0], spec.dilation[1]), weight, bias, in);
  }

  private Conv2dLayer(LayerSpec spec, ConvGeometry g, DenseMatrix weight, double[] bias, FeatureShape in) {
    super(spec, in, FeatureShape.map(weight.rows, g.outH, g.outW));
    if (!in.spatial) {
      throw new ModelSpecException("conv2d layer '" + spec.name + "' needs a C x H x W input, its input is flat: " + in);
    }
    if (weight.cols != g.patchSize()) {
      throw new ModelSpecException("conv2d layer '" + spec.name + "': weight has " + weight.cols
          + " values per output channel, a " + g.channels + "x" + g.kernelH + "x" + g.kernelW + " kernel needs "
          + g.patchSize());
    }
    if (bias != null && bias.length != weight.rows) {
      throw new ModelSpecException("conv2d layer '" + spec.name + "': bias has " + bias.length + " values, weight has "
          + weight.rows + " output channels");
    }
    if ((spec.bias == null) != (bias == null)) {
      throw new ModelSpecException("conv2d layer '" + spec.name + "': the spec and the tensors disagree on a bias");
    }
    this.geometry = g;
    this.weight = weight;
    this.bias = bias;
  }

  public ConvGeometry geometry() {
    return geometry;
  }

  /** W, O x (C*kh*kw) (not a copy). */
  public DenseMatrix weight() {
    return weight;
  }

  /** b, or null (not a copy). */
  public double[] bias() {
    return bias;
  }

  /**
   * The patches of samples [from, to) of x: a (C*kh*kw) x ((to-from)*positions) matrix whose column
   * s*positions + p is patch p of sample from+s. The input to the layer's linear map (Z_k).
   */
  public DenseMatrix patches(DenseMatrix x, int from, int to) {
    checkInput(x);
    int ps = geometry.patchSize();
    int np = geometry.positions();
    DenseMatrix p = new DenseMatrix(ps, (to - from) * np);
    for (int s = from; s < to; s++) {
      geometry.extractPatches(x.data, s * x.rows, p.data, (s - from) * np * ps, ps);
    }
    return p;
  }

  @Override
  public DenseMatrix forward(DenseMatrix x) {
    checkInput(x);
    DenseMatrix y = new DenseMatrix(weight.rows * geometry.positions(), x.cols);
    ConvKernels.forward(geometry, weight, bias, x, y);
    return y;
  }

  @Override
  public void tensors(Map<String, Tensor> out) {
    out.put(spec.weight, Tensor.f32(weight.toRowMajor(), weight.rows, geometry.channels, geometry.kernelH,
        geometry.kernelW));
    if (bias != null) {
      out.put(spec.bias, Tensor.of(bias));
    }
  }
}
