package io.nncompress.spark.compress;

import io.nncompress.model.Network;
import java.io.Serializable;

/** A network in the form tasks receive it: the spec's YAML and the F32 safetensors bytes. */
public final class NetworkBytes implements Serializable {
  private static final long serialVersionUID = 1L;
  private final String yaml;
  private final byte[] weights;
  private final String name;

  private NetworkBytes(String name, String yaml, byte[] weights) {
    this.name = name;
    this.yaml = yaml;
    this.weights = weights;
  }

  public static NetworkBytes of(Network net) {
    return new NetworkBytes(net.name(), net.spec().toYaml(), net.toSafetensorsBytes(java.util.Map.of()));
  }

  public Network build() {
    try {
      return Network.fromBytes(yaml, weights, name);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
