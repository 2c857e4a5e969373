package io.nncompress.spark.compress;

import io.nncompress.format.safetensors.SafetensorsWriter;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.format.safetensors.TensorSource;
import io.nncompress.model.Network;
import java.io.Serializable;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A network in the form tasks receive it: the spec's YAML and the F32 safetensors bytes; a
 * deferred weight ({@link Tensor#deferred}) travels as its source (where it is, e.g. a byte range
 * of the model file, or its encoded form), and the task reads it itself.
 */
public final class NetworkBytes implements Serializable {
  private static final long serialVersionUID = 2L;
  private final String yaml;
  private final byte[] weights;
  private final HashMap<String, TensorSource> deferred;
  private final String name;

  private NetworkBytes(String name, String yaml, byte[] weights, HashMap<String, TensorSource> deferred) {
    this.name = name;
    this.yaml = yaml;
    this.weights = weights;
    this.deferred = deferred;
  }

  public static NetworkBytes of(Network net) {
    Map<String, Tensor> held = new LinkedHashMap<>();
    HashMap<String, TensorSource> deferred = new HashMap<>();
    for (Map.Entry<String, Tensor> e : net.tensors().entrySet()) {
      if (e.getValue().isDeferred()) {
        deferred.put(e.getKey(), e.getValue().source());
      } else {
        held.put(e.getKey(), e.getValue());
      }
    }
    return new NetworkBytes(net.name(), net.spec().toYaml(), SafetensorsWriter.toBytes(held, Map.of()), deferred);
  }

  public Network build() {
    Map<String, Tensor> more = new HashMap<>();
    for (Map.Entry<String, TensorSource> e : deferred.entrySet()) {
      more.put(e.getKey(), Tensor.deferred(e.getValue()));
    }
    try {
      return Network.fromBytes(yaml, weights, more, name);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
