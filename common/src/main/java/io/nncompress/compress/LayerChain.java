package io.nncompress.compress;

import io.nncompress.linalg.ConvGeometry;
import io.nncompress.model.Conv2dLayer;
import io.nncompress.model.DenseLayer;
import io.nncompress.model.FeatureShape;
import io.nncompress.model.Layer;
import io.nncompress.model.LayerType;
import io.nncompress.model.Network;
import java.util.ArrayList;
import java.util.List;

/**
 * The weighted layers (dense, conv2d) of a network in order, and for each one how its input columns
 * group into the neurons that can be removed: a group of layer k's input is one output neuron (dense)
 * or output channel (conv) of weighted layer k-1, or, for the first layer, one input feature (dense)
 * or input channel (conv).
 *
 * <p>Between two weighted layers only elementwise activations, pooling and flatten may stand: they
 * keep the correspondence (pooling acts per channel; flatten lays channel c out as H*W consecutive
 * features). Batchnorm must have been folded ({@link Network#foldBatchNorm()}).
 */
public final class LayerChain {
  private final Network network;
  private final List<Integer> indices = new ArrayList<>();
  private final List<int[]> groupOfColumn = new ArrayList<>();
  private final List<Integer> groupCounts = new ArrayList<>();

  private LayerChain(Network network) {
    this.network = network;
    List<Layer> layers = network.layers();
    int previousUnits = -1;
    for (int i = 0; i < layers.size(); i++) {
      Layer l = layers.get(i);
      if (l.type() == LayerType.BATCHNORM) {
        throw new IllegalArgumentException("Layer " + l.name() + ": fold batchnorm before compression");
      }
      if (!l.type().isWeighted()) {
        if (l.type() != LayerType.FLATTEN && l.type() != LayerType.MAXPOOL && l.type() != LayerType.AVGPOOL
            && l.type() != LayerType.RELU && l.type() != LayerType.TANH && l.type() != LayerType.SIGMOID
            && l.type() != LayerType.IDENTITY) {
          throw new IllegalArgumentException("Layer " + l.name() + " of type " + l.type().id
              + " cannot stand between compressed layers");
        }
        continue;
      }
      FeatureShape in = l.inputShape();
      int[] groups;
      int count;
      if (l instanceof DenseLayer) {
        int d = ((DenseLayer) l).weightCols();
        groups = new int[d];
        if (in.spatial || (previousUnits > 0 && previousUnits != d)) {
          // dense after flatten of a C x H x W map: group = channel, H*W features each
          FeatureShape map = mapBefore(layers, i);
          int hw = map.height * map.width;
          for (int j = 0; j < d; j++) {
            groups[j] = j / hw;
          }
          count = map.channels;
        } else {
          for (int j = 0; j < d; j++) {
            groups[j] = j;
          }
          count = d;
        }
      } else {
        ConvGeometry g = ((Conv2dLayer) l).geometry();
        int kk = g.kernelH * g.kernelW;
        groups = new int[g.patchSize()];
        for (int j = 0; j < groups.length; j++) {
          groups[j] = j / kk; // patch order (c, i, j): channel c owns kh*kw consecutive columns
        }
        count = g.channels;
      }
      if (previousUnits > 0 && previousUnits != count) {
        throw new IllegalArgumentException("Layer " + l.name() + " has " + count + " input groups but the layer "
            + "before it has " + previousUnits + " outputs");
      }
      indices.add(i);
      groupOfColumn.add(groups);
      groupCounts.add(count);
      previousUnits = l.type() == LayerType.DENSE ? l.outputShape().size() : l.outputShape().channels;
    }
    if (indices.isEmpty()) {
      throw new IllegalArgumentException("Network " + network.name() + " has no dense or conv2d layer");
    }
  }

  // the C x H x W map that a flatten before layer i flattens
  private static FeatureShape mapBefore(List<Layer> layers, int i) {
    for (int k = i - 1; k >= 0; k--) {
      if (layers.get(k).type() == LayerType.FLATTEN) {
        return layers.get(k).inputShape();
      }
    }
    throw new IllegalArgumentException("Layer " + layers.get(i).name() + ": dense input of unexpected shape");
  }

  public static LayerChain of(Network network) {
    return new LayerChain(network);
  }

  public Network network() {
    return network;
  }

  /** Number of weighted layers. */
  public int size() {
    return indices.size();
  }

  /** The index in {@link Network#layers()} of weighted layer k. */
  public int networkIndex(int k) {
    return indices.get(k);
  }

  public Layer layer(int k) {
    return network.layer(indices.get(k));
  }

  /** The group (removable neuron) of each input column of weighted layer k, bias excluded. */
  public int[] groupOfColumn(int k) {
    return groupOfColumn.get(k).clone();
  }

  /** Number of input groups of weighted layer k (neurons or channels it reads). */
  public int groupCount(int k) {
    return groupCounts.get(k);
  }

  /** Output neurons (dense) or channels (conv) of weighted layer k. */
  public int outputUnits(int k) {
    Layer l = layer(k);
    return l.type() == LayerType.DENSE ? l.outputShape().size() : l.outputShape().channels;
  }

  /** Weighted layer k of a reference chain in a network derived from it (see {@link #match}). */
  public static final class Match {
    /** The index in the derived network's layers of the layer that reads the input (NAME.0 for a pair). */
    public final int index;
    /** The layer; for a factored pair, one layer named NAME whose weight is the product. */
    public final Layer layer;
    /** Layers of the derived network it covers: 1, or 2 for a factored pair. */
    public final int span;

    Match(int index, Layer layer, int span) {
      this.index = index;
      this.layer = layer;
      this.span = span;
    }
  }

  /**
   * The weighted layers of {@code reference} in {@code derived}, a network compressed from it: in
   * order, weighted layer k is the derived network's next weighted layer, or, when the next two are
   * NAME.0 and NAME.1 with NAME the reference's layer k, that factored pair (low rank, see
   * {@link io.nncompress.model.FactoredLayers}) taken as one layer.
   */
  public static List<Match> match(LayerChain reference, Network derived) {
    List<Integer> weighted = new ArrayList<>();
    for (int i = 0; i < derived.layers().size(); i++) {
      if (derived.layer(i).type().isWeighted()) {
        weighted.add(i);
      }
    }
    List<Match> out = new ArrayList<>();
    int j = 0;
    for (int k = 0; k < reference.size(); k++) {
      String name = reference.layer(k).name();
      if (j >= weighted.size()) {
        throw new IllegalArgumentException("Network " + derived.name() + " has no weighted layer for " + name);
      }
      int i = weighted.get(j);
      Layer a = derived.layer(i);
      if (j + 1 < weighted.size() && weighted.get(j + 1) == i + 1
          && io.nncompress.model.FactoredLayers.isPair(a, derived.layer(i + 1), name)) {
        out.add(new Match(i, io.nncompress.model.FactoredLayers.merge(a, derived.layer(i + 1), name), 2));
        j += 2;
      } else {
        out.add(new Match(i, a, 1));
        j++;
      }
    }
    if (j != weighted.size()) {
      throw new IllegalArgumentException("Network " + derived.name() + " has " + (weighted.size() - j)
          + " weighted layer(s) more than " + reference.network().name() + " (from " + derived.layer(weighted.get(j))
          + ")");
    }
    return out;
  }

  /** W of weighted layer k (h x d: dense weight, or conv O x C*kh*kw). */
  public static io.nncompress.linalg.DenseMatrix weight(Layer l) {
    return l instanceof DenseLayer ? ((DenseLayer) l).weight() : ((Conv2dLayer) l).weight();
  }

  /** Rows of W of a weighted layer (outputs / output channels), without reading a deferred weight. */
  public static int weightRows(Layer l) {
    return l instanceof DenseLayer ? ((DenseLayer) l).weightRows() : ((Conv2dLayer) l).weight().rows;
  }

  /** Columns of W of a weighted layer (inputs, or C kh kw), without reading a deferred weight. */
  public static int weightCols(Layer l) {
    return l instanceof DenseLayer ? ((DenseLayer) l).weightCols() : ((Conv2dLayer) l).weight().cols;
  }

  /** The deferred weight of a dense layer built over one (read or not), or null. */
  public static io.nncompress.format.safetensors.Tensor deferredWeight(Layer l) {
    if (l instanceof DenseLayer) {
      io.nncompress.format.safetensors.Tensor t = ((DenseLayer) l).deferredWeight();
      return t != null && t.isDeferred() ? t : null;
    }
    return null;
  }

  /** Whether W of a weighted layer is in this process's memory (not a deferred weight still unread). */
  public static boolean weightHeld(Layer l) {
    io.nncompress.format.safetensors.Tensor t = deferredWeight(l);
    return t == null || t.isLoaded();
  }

  /** b of weighted layer k, or null. */
  public static double[] bias(Layer l) {
    return l instanceof DenseLayer ? ((DenseLayer) l).bias() : ((Conv2dLayer) l).bias();
  }
}
