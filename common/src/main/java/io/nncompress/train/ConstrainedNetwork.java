package io.nncompress.train;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Network;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * A compressed network as fine-tuning trains it, with the constraints of its compression kept:
 * <ul>
 *   <li>removed neurons stay removed: the network's own (reduced) shapes are trained, no mask;</li>
 *   <li>pruned weights stay zero: a layer's frozen weights get no gradient (and Adam, whose moments of
 *       a weight that never had a gradient are zero, never moves them);</li>
 *   <li>shared weights stay shared: the trained values of a shared layer are its centroids, the gradient
 *       of centroid c the sum of the gradients of the weights whose index is c (Deep Compression's
 *       centroid fine-tuning); the indices never change (index -1: a pruned weight, always 0);</li>
 *   <li>a low-rank layer is the two layers NAME.0 and NAME.1 of the network: trained as such.</li>
 * </ul>
 * The trained values are blocks, two per network layer (weight or centroids, then bias; null for
 * layers without), and travel as one flat vector ({@link #values()}, {@link #set(double[])}).
 */
public final class ConstrainedNetwork {
  private final Network net;
  private final int[][] index;
  private final double[][] centroids;
  private final boolean[][] frozen;
  private final boolean[] frozenBias;
  private final double[][] blocks;

  /** The serialisable form (e.g. a Spark broadcast): spec, F32 weights, constraints. */
  public static final class Spec implements Serializable {
    private static final long serialVersionUID = 1L;
    final String name;
    final String yaml;
    final byte[] weights;
    final int[][] index;
    final double[][] centroids;
    final boolean[][] frozen;
    final boolean[] frozenBias;

    Spec(ConstrainedNetwork c) {
      this.frozenBias = c.frozenBias;
      this.name = c.net.name();
      this.yaml = c.net.spec().toYaml();
      this.weights = c.net.toSafetensorsBytes(Map.of());
      this.index = c.index;
      this.centroids = c.centroids;
      this.frozen = c.frozen;
    }

    /** A network of its own, with the values of the spec (then {@link #set} the current ones). */
    public ConstrainedNetwork build() {
      try {
        ConstrainedNetwork c = new ConstrainedNetwork(Network.fromBytes(yaml, weights, name));
        for (int k = 0; k < index.length; k++) {
          if (index[k] != null) {
            c.share(k, index[k], centroids[k].clone());
          }
          if (frozen[k] != null) {
            c.freeze(k, frozen[k]);
          }
          if (frozenBias[k]) {
            c.freezeBias(k);
          }
        }
        return c;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Every dense and conv2d weight and bias trainable, no constraint yet. */
  public ConstrainedNetwork(Network net) {
    this.net = net;
    int n = net.layers().size();
    index = new int[n][];
    centroids = new double[n][];
    frozen = new boolean[n][];
    frozenBias = new boolean[n];
    blocks = new double[2 * n][];
    for (int k = 0; k < n; k++) {
      DenseMatrix w = Backprop.weightOf(net.layer(k));
      blocks[2 * k] = w == null ? null : w.data;
      blocks[2 * k + 1] = Backprop.biasOf(net.layer(k));
    }
    size = count();
  }

  private int count() {
    int s = 0;
    for (double[] b : blocks) {
      s += b == null ? 0 : b.length;
    }
    return s;
  }

  private int size;

  public Network network() {
    return net;
  }

  public Spec spec() {
    return new Spec(this);
  }

  /** The number of trained values (centroids count once). */
  public int size() {
    return size;
  }

  /** The blocks Adam updates in place (live arrays); call {@link #sync()} after each update. */
  public double[][] blocks() {
    return blocks;
  }

  /**
   * Layer {@code k}'s weights become shared: weight e is {@code centroids[index[e]]} (0 where the
   * index is -1), and the centroids are what is trained.
   */
  public ConstrainedNetwork share(int k, int[] index, double[] centroids) {
    double[] w = weight(k);
    if (index.length != w.length) {
      throw new IllegalArgumentException("layer '" + net.layer(k).name() + "': " + index.length
          + " cluster indices for " + w.length + " weights");
    }
    for (int e = 0; e < index.length; e++) {
      if (index[e] < -1 || index[e] >= centroids.length) {
        throw new IllegalArgumentException("layer '" + net.layer(k).name() + "': cluster index of weight " + e
            + " must be in -1.." + (centroids.length - 1) + ", cannot be: " + index[e]);
      }
    }
    this.index[k] = index;
    this.centroids[k] = centroids;
    blocks[2 * k] = centroids;
    size = count();
    sync();
    return this;
  }

  /** Layer {@code k}'s weights marked true keep their values (e.g. pruned zeros). */
  public ConstrainedNetwork freeze(int k, boolean[] frozen) {
    if (frozen.length != weight(k).length) {
      throw new IllegalArgumentException("layer '" + net.layer(k).name() + "': a mask of " + frozen.length
          + " for " + weight(k).length + " weights");
    }
    this.frozen[k] = frozen;
    return this;
  }

  /** Layer {@code k}'s weights all keep their values (e.g. a layer another codec encodes). */
  public ConstrainedNetwork freezeWeights(int k) {
    boolean[] f = new boolean[weight(k).length];
    java.util.Arrays.fill(f, true);
    return freeze(k, f);
  }

  /** Layer {@code k}'s bias keeps its values (no gradient). */
  public ConstrainedNetwork freezeBias(int k) {
    frozenBias[k] = true;
    return this;
  }

  /** Freezes the weights of layer {@code k} that are exactly zero (what pruning left). */
  public ConstrainedNetwork freezeZeros(int k) {
    double[] w = weight(k);
    boolean[] f = new boolean[w.length];
    for (int e = 0; e < w.length; e++) {
      f[e] = w[e] == 0.0;
    }
    return freeze(k, f);
  }

  private double[] weight(int k) {
    DenseMatrix w = Backprop.weightOf(net.layer(k));
    if (w == null) {
      throw new IllegalArgumentException("layer '" + net.layer(k).name() + "' has no weight");
    }
    return w.data;
  }

  /** Writes the centroids of the shared layers into their weights. */
  public void sync() {
    for (int k = 0; k < index.length; k++) {
      if (index[k] != null) {
        double[] w = weight(k);
        int[] ix = index[k];
        double[] c = centroids[k];
        for (int e = 0; e < w.length; e++) {
          w[e] = ix[e] < 0 ? 0.0 : c[ix[e]];
        }
      }
    }
  }

  /** A copy of the trained values, block after block. */
  public double[] values() {
    double[] out = new double[size];
    int at = 0;
    for (double[] b : blocks) {
      if (b != null) {
        System.arraycopy(b, 0, out, at, b.length);
        at += b.length;
      }
    }
    return out;
  }

  /** Sets the trained values (as {@link #values()} gives them) and the weights they decide. */
  public void set(double[] values) {
    if (values.length != size) {
      throw new IllegalArgumentException(values.length + " values for " + size + " trained values");
    }
    int at = 0;
    for (double[] b : blocks) {
      if (b != null) {
        System.arraycopy(values, at, b, 0, b.length);
        at += b.length;
      }
    }
    sync();
  }

  /** Splits a flat vector (e.g. a gradient) into arrays shaped like {@link #blocks()}. */
  public double[][] split(double[] flat) {
    double[][] out = new double[blocks.length][];
    int at = 0;
    for (int b = 0; b < blocks.length; b++) {
      if (blocks[b] != null) {
        out[b] = java.util.Arrays.copyOfRange(flat, at, at + blocks[b].length);
        at += blocks[b].length;
      }
    }
    return out;
  }

  /**
   * Adds the constrained gradient of the trained values to {@code out} (flat, as {@link #values()}):
   * frozen weights' gradients dropped, a centroid's the sum of its weights'.
   */
  public void addGradient(Backprop.Gradients g, double[] out) {
    int at = 0;
    for (int k = 0; k < index.length; k++) {
      if (blocks[2 * k] == null) {
        continue;
      }
      double[] gw = g.weight[k].data;
      if (index[k] != null) {
        int[] ix = index[k];
        for (int e = 0; e < gw.length; e++) {
          if (ix[e] >= 0 && (frozen[k] == null || !frozen[k][e])) {
            out[at + ix[e]] += gw[e];
          }
        }
      } else {
        boolean[] f = frozen[k];
        for (int e = 0; e < gw.length; e++) {
          if (f == null || !f[e]) {
            out[at + e] += gw[e];
          }
        }
      }
      at += blocks[2 * k].length;
      if (blocks[2 * k + 1] != null) {
        double[] gb = g.bias[k];
        for (int e = 0; e < gb.length && !frozenBias[k]; e++) {
          out[at + e] += gb[e];
        }
        at += gb.length;
      }
    }
  }
}
