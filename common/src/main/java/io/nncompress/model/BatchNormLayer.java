package io.nncompress.model;

import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.DenseMatrix;
import java.util.Map;

/**
 * Batch normalisation in inference mode, per feature (flat input) or per channel (map input):
 * y = gamma * (x - mean) / sqrt(var + eps) + beta = scale * x + shift.
 */
public final class BatchNormLayer extends Layer {
  private final double[] gamma;
  private final double[] beta;
  private final double[] mean;
  private final double[] var;

  public BatchNormLayer(LayerSpec spec, FeatureShape in, double[] gamma, double[] beta, double[] mean, double[] var) {
    super(spec, in, in);
    int c = in.channels;
    check(spec, "weight (gamma)", gamma, c, in);
    check(spec, "bias (beta)", beta, c, in);
    check(spec, "running_mean", mean, c, in);
    check(spec, "running_var", var, c, in);
    this.gamma = gamma;
    this.beta = beta;
    this.mean = mean;
    this.var = var;
  }

  private static void check(LayerSpec spec, String what, double[] v, int c, FeatureShape in) {
    if (v.length != c) {
      throw new ModelSpecException("batchnorm layer '" + spec.name + "': " + what + " has " + v.length
          + " values, its input " + in + " has " + c + (in.spatial ? " channels" : " features"));
    }
  }

  /** gamma / sqrt(var + eps), per channel. */
  public double[] scale() {
    double[] s = new double[gamma.length];
    for (int c = 0; c < s.length; c++) {
      s[c] = gamma[c] / Math.sqrt(var[c] + spec.eps);
    }
    return s;
  }

  /** beta - mean * scale, per channel. */
  public double[] shift() {
    double[] s = scale();
    double[] t = new double[s.length];
    for (int c = 0; c < s.length; c++) {
      t[c] = beta[c] - mean[c] * s[c];
    }
    return t;
  }

  @Override
  public DenseMatrix forward(DenseMatrix x) {
    checkInput(x);
    double[] s = scale();
    double[] t = shift();
    int per = in.height * in.width; // values per channel (1 for a flat input)
    DenseMatrix y = new DenseMatrix(x.rows, x.cols);
    for (int k = 0; k < x.data.length; k++) {
      int c = (k % x.rows) / per;
      y.data[k] = s[c] * x.data[k] + t[c];
    }
    return y;
  }

  @Override
  public void tensors(Map<String, Tensor> out) {
    out.put(spec.weight, Tensor.of(gamma));
    out.put(spec.bias, Tensor.of(beta));
    out.put(spec.runningMean, Tensor.of(mean));
    out.put(spec.runningVar, Tensor.of(var));
  }
}
