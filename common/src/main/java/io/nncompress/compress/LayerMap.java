package io.nncompress.compress;

import java.util.List;

/**
 * The layers of a model that nncompress does not run, named in a safetensors file: for each layer to
 * compress, its weight (and bias) tensor, the statistics layer holding its input's autocorrelation,
 * and the tensors that lose entries along dim 0 when the layer loses input columns (its couples:
 * e.g. removing inputs of {@code mlp.down_proj} removes rows of {@code mlp.up_proj} and
 * {@code mlp.gate_proj}; removing a conv's input channels removes output channels of the conv before
 * it and of its batchnorm).
 */
public final class LayerMap {
  /** One layer of the map. */
  public static final class Entry implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    public final String name;
    public final String weight;
    /** Null without a bias. */
    public final String bias;
    /** The layer of the autocorr output holding this layer's input R. */
    public final String statistics;
    /** Tensors that lose entries along dim 0 with this layer's removed inputs; empty: the layer keeps its shape. */
    public final List<String> couples;

    public Entry(String name, String weight, String bias, String statistics, List<String> couples) {
      this.name = name;
      this.weight = weight;
      this.bias = bias;
      this.statistics = statistics;
      this.couples = List.copyOf(couples);
    }

    /** Whether removed inputs are removed from the layer's shape (else they are zero columns). */
    public boolean shrinks() {
      return !couples.isEmpty();
    }
  }

  public final List<Entry> entries;

  public LayerMap(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }
}
