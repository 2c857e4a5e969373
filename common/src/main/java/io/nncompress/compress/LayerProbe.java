package io.nncompress.compress;

import io.nncompress.linalg.ConvGeometry;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Conv2dLayer;
import io.nncompress.model.Layer;
import io.nncompress.model.Network;
import io.nncompress.stats.AutocorrelationAccumulator;
import java.util.ArrayList;
import java.util.List;

/**
 * Accumulates, from batches of network inputs, the input statistics of weighted layers: of one
 * network ({@link #inputs}), or jointly of two networks run on the same samples ({@link #joint}:
 * the statistic of [z; z^; 1], whose blocks are E[z z^T], E[z z^^T] and E[z^ z^^T]).
 *
 * <p>Conv layers contribute every patch (the LNR extension to convolution); for a joint conv
 * statistic the two maps are stacked as channels, so a patch is [patch(z); patch(z^)].
 */
public final class LayerProbe {
  private final Network a;
  private final int[] indexA;
  private final Network b;
  private final int[] indexB;
  private final AutocorrelationAccumulator[] acc;
  private final int maxA;
  private final int maxB;

  private LayerProbe(Network a, int[] indexA, Network b, int[] indexB, int blockSamples) {
    this.a = a;
    this.indexA = indexA.clone();
    this.b = b;
    this.indexB = indexB == null ? null : indexB.clone();
    this.acc = new AutocorrelationAccumulator[indexA.length];
    int ma = -1;
    int mb = -1;
    for (int k = 0; k < indexA.length; k++) {
      Layer la = a.layer(indexA[k]);
      ma = Math.max(ma, indexA[k]);
      if (b == null) {
        acc[k] = accumulator(la, null, blockSamples);
      } else {
        mb = Math.max(mb, indexB[k]);
        acc[k] = accumulator(la, b.layer(indexB[k]), blockSamples);
      }
    }
    this.maxA = ma;
    this.maxB = mb;
  }

  /** The inputs of the given layers (indices into {@link Network#layers()}) of one network. */
  public static LayerProbe inputs(Network net, int[] layerIndices, int blockSamples) {
    return new LayerProbe(net, layerIndices, null, null, blockSamples);
  }

  /** The joint inputs of layer indexA[k] of {@code a} and indexB[k] of {@code b}, for every k. */
  public static LayerProbe joint(Network a, int[] indexA, Network b, int[] indexB, int blockSamples) {
    if (indexA.length != indexB.length) {
      throw new IllegalArgumentException("index lists must have the same length: " + indexA.length + " vs "
          + indexB.length);
    }
    return new LayerProbe(a, indexA, b, indexB, blockSamples);
  }

  private static AutocorrelationAccumulator accumulator(Layer la, Layer lb, int blockSamples) {
    if (la instanceof Conv2dLayer) {
      ConvGeometry g = ((Conv2dLayer) la).geometry();
      int channels = g.channels;
      if (lb != null) {
        ConvGeometry gb = ((Conv2dLayer) lb).geometry();
        if (gb.height != g.height || gb.width != g.width) {
          throw new IllegalArgumentException("joint conv statistics need maps of the same size: " + g + " vs " + gb);
        }
        channels += gb.channels;
      }
      ConvGeometry stacked = new ConvGeometry(channels, g.height, g.width, g.kernelH, g.kernelW, g.strideH, g.strideW,
          g.padH, g.padW, g.dilationH, g.dilationW);
      return AutocorrelationAccumulator.conv(stacked, true, blockSamples);
    }
    int d = la.inputShape().size() + (lb == null ? 0 : lb.inputShape().size());
    return AutocorrelationAccumulator.dense(d, true, blockSamples);
  }

  /** Adds a batch of ORIGINAL network inputs (one sample per column). */
  public void add(DenseMatrix batch) {
    List<DenseMatrix> za = capture(a, indexA, maxA, batch);
    if (b == null) {
      for (int k = 0; k < acc.length; k++) {
        DenseMatrix z = za.get(k);
        for (int s = 0; s < z.cols; s++) {
          acc[k].addRow(z.data, s * z.rows);
        }
      }
      return;
    }
    List<DenseMatrix> zb = capture(b, indexB, maxB, batch);
    for (int k = 0; k < acc.length; k++) {
      DenseMatrix x = za.get(k);
      DenseMatrix y = zb.get(k);
      double[] v = new double[x.rows + y.rows];
      for (int s = 0; s < x.cols; s++) {
        System.arraycopy(x.data, s * x.rows, v, 0, x.rows);
        System.arraycopy(y.data, s * y.rows, v, x.rows, y.rows);
        acc[k].addRow(v, 0);
      }
    }
  }

  // the inputs of the requested layers, running the network only as far as needed
  private static List<DenseMatrix> capture(Network net, int[] idx, int max, DenseMatrix batch) {
    DenseMatrix[] out = new DenseMatrix[idx.length];
    int[] sel = net.inputSelect();
    DenseMatrix x = sel == null ? batch : batch.selectRows(sel);
    net.forwardRange(0, max + 1, x, (i, layer, input) -> {
      for (int k = 0; k < idx.length; k++) {
        if (idx[k] == i) {
          out[k] = input;
        }
      }
    });
    List<DenseMatrix> l = new ArrayList<>();
    for (DenseMatrix m : out) {
      l.add(m);
    }
    return l;
  }

  /** The accumulators, flushed, in the order of the requested layers. */
  public AutocorrelationAccumulator[] finish() {
    for (AutocorrelationAccumulator x : acc) {
      x.finish();
    }
    return acc;
  }
}
