package io.nncompress.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One layer of an {@link ArchitectureSpec}: its type, name, the names of its tensors in the
 * safetensors file, and its hyper-parameters. Tensor names default to PyTorch's state_dict names:
 * {@code <name>.weight}, {@code <name>.bias}, {@code <name>.running_mean}, {@code <name>.running_var}.
 */
public final class LayerSpec {
  public final String name;
  public final LayerType type;
  /** dense/conv2d weight, batchnorm gamma. */
  public final String weight;
  /** dense/conv2d bias (null: the layer has none), batchnorm beta. */
  public final String bias;
  public final String runningMean;
  public final String runningVar;
  /** conv2d / pooling: [h, w]. */
  public final int[] stride;
  public final int[] padding;
  public final int[] dilation;
  public final int[] kernel;
  public final double eps;
  /** dense units or conv2d out_channels when the spec states it (checked against the weight), else 0. */
  public final int units;

  LayerSpec(String name, LayerType type, String weight, String bias, String runningMean, String runningVar,
      int[] stride, int[] padding, int[] dilation, int[] kernel, double eps, int units) {
    this.name = name;
    this.type = type;
    this.weight = weight;
    this.bias = bias;
    this.runningMean = runningMean;
    this.runningVar = runningVar;
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    this.kernel = kernel;
    this.eps = eps;
    this.units = units;
  }

  public static LayerSpec dense(String name, boolean bias) {
    return new LayerSpec(name, LayerType.DENSE, name + ".weight", bias ? name + ".bias" : null, null, null,
        null, null, null, null, 0, 0);
  }

  public static LayerSpec conv2d(String name, boolean bias, int stride, int padding, int dilation) {
    return new LayerSpec(name, LayerType.CONV2D, name + ".weight", bias ? name + ".bias" : null, null, null,
        new int[] {stride, stride}, new int[] {padding, padding}, new int[] {dilation, dilation}, null, 0, 0);
  }

  /** A conv2d layer with [h, w] stride, padding and dilation. */
  public static LayerSpec conv2d(String name, boolean bias, int[] stride, int[] padding, int[] dilation) {
    return new LayerSpec(name, LayerType.CONV2D, name + ".weight", bias ? name + ".bias" : null, null, null,
        stride.clone(), padding.clone(), dilation.clone(), null, 0, 0);
  }

  public static LayerSpec pool(String name, LayerType type, int kernel, int stride) {
    if (type != LayerType.MAXPOOL && type != LayerType.AVGPOOL) {
      throw new IllegalArgumentException("pool type must be maxpool or avgpool, cannot be: " + type.id);
    }
    return new LayerSpec(name, type, null, null, null, null, new int[] {stride, stride}, null, null,
        new int[] {kernel, kernel}, 0, 0);
  }

  public static LayerSpec batchnorm(String name, double eps) {
    return new LayerSpec(name, LayerType.BATCHNORM, name + ".weight", name + ".bias", name + ".running_mean",
        name + ".running_var", null, null, null, null, eps, 0);
  }

  /** flatten or an activation. */
  public static LayerSpec simple(String name, LayerType type) {
    if (type.hasTensors() || !type.keys().isEmpty()) {
      throw new IllegalArgumentException("layer type " + type.id + " has parameters; use its own factory");
    }
    return new LayerSpec(name, type, null, null, null, null, null, null, null, null, 0, 0);
  }

  /** The same layer with the stated output size (dense units / conv2d out_channels). */
  public LayerSpec withUnits(int n) {
    return new LayerSpec(name, type, weight, bias, runningMean, runningVar, stride, padding, dilation, kernel, eps, n);
  }

  /** The YAML mapping of this layer (only non-default keys besides name and type). */
  Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("type", type.id);
    switch (type) {
      case DENSE:
      case CONV2D:
        if (units > 0) {
          m.put(type == LayerType.DENSE ? "units" : "out_channels", units);
        }
        putTensor(m, "weight", weight, name + ".weight");
        if (bias == null) {
          m.put("bias", "none");
        } else {
          putTensor(m, "bias", bias, name + ".bias");
        }
        if (type == LayerType.CONV2D) {
          m.put("stride", pair(stride));
          m.put("padding", pair(padding));
          m.put("dilation", pair(dilation));
        }
        break;
      case MAXPOOL:
      case AVGPOOL:
        m.put("kernel", pair(kernel));
        m.put("stride", pair(stride));
        break;
      case BATCHNORM:
        putTensor(m, "weight", weight, name + ".weight");
        putTensor(m, "bias", bias, name + ".bias");
        putTensor(m, "running_mean", runningMean, name + ".running_mean");
        putTensor(m, "running_var", runningVar, name + ".running_var");
        m.put("eps", eps);
        break;
      default:
        break;
    }
    return m;
  }

  private static void putTensor(Map<String, Object> m, String key, String value, String dflt) {
    if (!value.equals(dflt)) {
      m.put(key, value);
    }
  }

  private static Object pair(int[] v) {
    return v[0] == v[1] ? (Object) v[0] : Arrays.asList(v[0], v[1]);
  }

  @Override
  public String toString() {
    return type.id + " '" + name + "'";
  }
}
