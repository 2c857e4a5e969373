package io.nncompress.compress;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Layer;
import io.nncompress.model.Network;
import io.nncompress.stats.AutocorrelationAccumulator;
import io.nncompress.stats.AutocorrelationStats;
import java.io.Serializable;
import java.util.List;

/**
 * The comparison of a compressed network with its original on held-out data, from one pass:
 * top-1 accuracy of both (with labels), agreement of their top-1 predictions, and per weighted layer
 * the end-to-end relative reconstruction error E||W~ z~ - M^ z^~||^2 / E||W~ z~||^2 over the outputs
 * the compressed layer keeps, z the original network's input to the layer and z^ the compressed
 * network's (from the joint statistic of [z; z^; 1]). A layer of the original that the compressed
 * network holds as two low-rank factors (see {@link io.nncompress.model.FactoredLayers}) is compared
 * through their product, with z^ the input of the first factor.
 */
public final class Evaluation {

  /** Accumulated counts and joint statistics; mergeable across partitions. */
  public static final class Partial implements Serializable {
    private static final long serialVersionUID = 1L;
    long samples;
    long correctOriginal;
    long correctCompressed;
    long agree;
    long labelled;
    AutocorrelationAccumulator[] joint;

    public Partial merge(Partial o) {
      samples += o.samples;
      correctOriginal += o.correctOriginal;
      correctCompressed += o.correctCompressed;
      agree += o.agree;
      labelled += o.labelled;
      for (int k = 0; joint != null && k < joint.length; k++) {
        joint[k].merge(o.joint[k]);
      }
      return this;
    }

    public long samples() {
      return samples;
    }
  }

  /**
   * A label that is not one of the network's classes 0..classes-1 (a label of another dataset, or an
   * encoding such as 1..10): counted, it would silently lower the accuracy. {@link #sample} is its
   * position in the batch, so that the reader of the batch can name the file and row.
   */
  public static final class BadLabelException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    public final int sample;
    public final int label;
    public final int classes;

    BadLabelException(int sample, int label, int classes) {
      super("label " + label + " is not one of the network's " + classes + " classes 0.." + (classes - 1));
      this.sample = sample;
      this.label = label;
      this.classes = classes;
    }
  }

  /** Runs both networks on batches and accumulates a {@link Partial}. */
  public static final class Probe {
    private final Network original;
    private final Network compressed;
    private final LayerProbe layers;
    private final Partial partial = new Partial();

    public Probe(Network original, Network compressed) {
      this(original, compressed, true);
    }

    /**
     * Without {@code layerErrors}, only the predictions are compared (accuracy and agreement): no
     * joint statistics of the layer inputs, and {@link Evaluation#layerRelativeError} all NaN.
     */
    public Probe(Network original, Network compressed, boolean layerErrors) {
      this.original = original;
      this.compressed = compressed;
      if (!layerErrors) {
        this.layers = null;
        return;
      }
      LayerChain a = LayerChain.of(original);
      List<LayerChain.Match> b = LayerChain.match(a, compressed);
      int[] ia = new int[a.size()];
      int[] ib = new int[a.size()];
      for (int k = 0; k < ia.length; k++) {
        ia[k] = a.networkIndex(k);
        ib[k] = b.get(k).index; // a factored layer's input is its first factor's
      }
      this.layers = LayerProbe.joint(original, ia, compressed, ib, AutocorrelationAccumulator.DEFAULT_BLOCK_SAMPLES);
    }

    /**
     * A batch of original inputs (one sample per column) and their labels (or null); a label outside
     * the network's classes throws {@link BadLabelException} before anything is counted.
     */
    public void add(DenseMatrix batch, int[] labels) {
      DenseMatrix yo = original.forward(batch);
      if (labels != null) {
        for (int s = 0; s < labels.length; s++) {
          if (labels[s] < 0 || labels[s] >= yo.rows) {
            throw new BadLabelException(s, labels[s], yo.rows);
          }
        }
      }
      if (layers != null) {
        layers.add(batch);
      }
      int[] po = Network.argmaxColumns(yo);
      int[] pc = Network.argmaxColumns(compressed.forward(batch));
      for (int s = 0; s < po.length; s++) {
        partial.samples++;
        partial.agree += po[s] == pc[s] ? 1 : 0;
        if (labels != null) {
          partial.labelled++;
          partial.correctOriginal += po[s] == labels[s] ? 1 : 0;
          partial.correctCompressed += pc[s] == labels[s] ? 1 : 0;
        }
      }
    }

    public Partial finish() {
      partial.joint = layers == null ? null : layers.finish();
      return partial;
    }
  }

  public final long samples;
  /** NaN without labels. */
  public final double accuracyOriginal;
  public final double accuracyCompressed;
  public final double agreement;
  /** Per weighted layer. */
  public final double[] layerRelativeError;

  private Evaluation(long samples, double accuracyOriginal, double accuracyCompressed, double agreement,
      double[] layerRelativeError) {
    this.samples = samples;
    this.accuracyOriginal = accuracyOriginal;
    this.accuracyCompressed = accuracyCompressed;
    this.agreement = agreement;
    this.layerRelativeError = layerRelativeError;
  }

  /** The evaluation of a merged partial; {@code keptOutputs.get(k)} are original layer k's kept outputs. */
  public static Evaluation of(Network original, Network compressed, java.util.List<int[]> keptOutputs,
      Partial p) {
    LayerChain a = LayerChain.of(original);
    double[] err = new double[a.size()];
    java.util.Arrays.fill(err, Double.NaN);
    List<LayerChain.Match> b = p.joint == null ? null : LayerChain.match(a, compressed);
    for (int k = 0; b != null && k < a.size(); k++) {
      err[k] = layerError(a.layer(k), b.get(k).layer, keptOutputs.get(k), p.joint[k].toStats());
    }
    double n = p.labelled;
    return new Evaluation(p.samples, p.labelled == 0 ? Double.NaN : p.correctOriginal / n,
        p.labelled == 0 ? Double.NaN : p.correctCompressed / n, p.samples == 0 ? Double.NaN
        : (double) p.agree / p.samples, err);
  }

  // tr(D R D^T) / tr(D0 R D0^T), D = [W_rows | -M^ | b_rows - b^], D0 = [W_rows | 0 | b_rows];
  // NaN for a layer whose weights are left on file (deferred): this process does not read them
  static double layerError(Layer original, Layer compressed, int[] rows, AutocorrelationStats joint) {
    if (!LayerChain.weightHeld(original) || !LayerChain.weightHeld(compressed)) {
      return Double.NaN;
    }
    DenseMatrix w = LayerChain.weight(original);
    double[] b = LayerChain.bias(original);
    DenseMatrix m = LayerChain.weight(compressed);
    double[] bh = LayerChain.bias(compressed);
    int d = w.cols;
    int dh = m.cols;
    if (m.rows != rows.length) {
      throw new IllegalArgumentException("Layer " + original.name() + ": compressed layer has " + m.rows
          + " outputs, " + rows.length + " kept");
    }
    int p = d + dh + 1;
    DenseMatrix dm = new DenseMatrix(rows.length, p);
    DenseMatrix d0 = new DenseMatrix(rows.length, p);
    for (int i = 0; i < rows.length; i++) {
      for (int j = 0; j < d; j++) {
        dm.set(i, j, w.get(rows[i], j));
        d0.set(i, j, w.get(rows[i], j));
      }
      for (int j = 0; j < dh; j++) {
        dm.set(i, d + j, -m.get(i, j));
      }
      double bo = b == null ? 0 : b[rows[i]];
      dm.set(i, p - 1, bo - (bh == null ? 0 : bh[i]));
      d0.set(i, p - 1, bo);
    }
    DenseMatrix r = joint.autocorrelation();
    // a quadratic form of a PSD matrix: clamp round-off below zero
    return Math.max(0.0, quadratic(dm, r)) / quadratic(d0, r);
  }

  // tr(D R D^T) = sum_ij (D R)_ij D_ij
  static double quadratic(DenseMatrix dm, DenseMatrix r) {
    DenseMatrix dr = dm.times(r);
    double s = 0;
    for (int q = 0; q < dr.data.length; q++) {
      s += dr.data[q] * dm.data[q];
    }
    return s;
  }
}
