package io.nncompress.model;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** The layer types of an architecture spec, with the YAML keys each one accepts besides name and type. */
public enum LayerType {
  DENSE("dense", "weight", "bias", "units"),
  CONV2D("conv2d", "weight", "bias", "stride", "padding", "dilation", "out_channels"),
  FLATTEN("flatten"),
  MAXPOOL("maxpool", "kernel", "stride"),
  AVGPOOL("avgpool", "kernel", "stride"),
  RELU("relu"),
  TANH("tanh"),
  SIGMOID("sigmoid"),
  IDENTITY("identity"),
  BATCHNORM("batchnorm", "weight", "bias", "running_mean", "running_var", "eps");

  /** The name in the YAML spec. */
  public final String id;
  private final Set<String> keys;

  LayerType(String id, String... keys) {
    this.id = id;
    this.keys = Set.of(keys);
  }

  /** Keys accepted besides {@code name} and {@code type}. */
  public Set<String> keys() {
    return keys;
  }

  /** Whether this layer holds weights the compression works on (dense, conv2d). */
  public boolean isWeighted() {
    return this == DENSE || this == CONV2D;
  }

  /** Whether the layer needs a name (it owns tensors named after it). */
  public boolean hasTensors() {
    return this == DENSE || this == CONV2D || this == BATCHNORM;
  }

  public static LayerType parse(String id) {
    for (LayerType t : values()) {
      if (t.id.equals(id)) {
        return t;
      }
    }
    return null;
  }

  public static List<String> ids() {
    return Arrays.stream(values()).map(t -> t.id).collect(java.util.stream.Collectors.toList());
  }
}
