package io.nncompress.spark.finetune;

import io.nncompress.codec.DeepCompressedTensor;
import io.nncompress.codec.EncodedBytes;
import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.KMeansTensor;
import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Layer;
import io.nncompress.model.Network;
import io.nncompress.train.ConstrainedNetwork;
import java.util.ArrayList;
import java.util.List;

/**
 * Centroid fine-tuning of the layers a weight-sharing stage left (kmeans, then maybe Huffman):
 * each such layer of the decoded network is shared over its codebook with its codes as they are
 * (ZERO_CODE: a pruned weight, stays 0); every other weighted layer (another codec's encoding, kept
 * as encoded) and every bias (stored as is) is frozen. After training the same codes are encoded
 * again with the trained codebook: Huffman coding is redone on the unchanged indices.
 */
final class SharedLayers {
  private final List<String> names;
  private final List<EncodedTensor> encoded;
  private final WeightSharing[] sharing;

  /** {@code names.get(k)}: the network layer of {@code encoded.get(k)}. */
  SharedLayers(List<String> names, List<EncodedTensor> encoded) {
    this.names = names;
    this.encoded = encoded;
    this.sharing = new WeightSharing[encoded.size()];
    for (int k = 0; k < encoded.size(); k++) {
      sharing[k] = sharing(encoded.get(k));
    }
  }

  static WeightSharing sharing(EncodedTensor t) {
    if (t instanceof EncodedBytes && (t.codec().equals(DeepCompressedTensor.CODEC)
        || t.codec().equals(KMeansTensor.CODEC))) {
      byte[] b = t.encode();
      t = t.codec().equals(DeepCompressedTensor.CODEC) ? DeepCompressedTensor.fromBytes(b) : KMeansTensor.fromBytes(b);
    }
    return t instanceof DeepCompressedTensor ? ((DeepCompressedTensor) t).shared()
        : t instanceof KMeansTensor ? ((KMeansTensor) t).shared() : null;
  }

  /** Whether some layer shares weights (else there is nothing to fine-tune). */
  boolean any() {
    for (WeightSharing s : sharing) {
      if (s != null) {
        return true;
      }
    }
    return false;
  }

  /** The decoded network with its shared layers' centroids trainable, all else frozen. */
  ConstrainedNetwork constrain(Network decoded) {
    ConstrainedNetwork c = new ConstrainedNetwork(decoded);
    for (int i = 0; i < decoded.layers().size(); i++) {
      Layer l = decoded.layer(i);
      if (!(l instanceof io.nncompress.model.DenseLayer || l instanceof io.nncompress.model.Conv2dLayer)) {
        continue;
      }
      DenseMatrix w = io.nncompress.compress.LayerChain.weight(l);
      int k = names.indexOf(l.name());
      WeightSharing ws = k < 0 ? null : sharing[k];
      if (ws != null && ws.rows() == w.rows && ws.cols() == w.cols) {
        int[] codes = ws.codes(); // row-major
        int[] index = new int[codes.length];
        for (int r = 0; r < w.rows; r++) {
          for (int j = 0; j < w.cols; j++) {
            index[r + j * w.rows] = codes[r * w.cols + j];
          }
        }
        float[] cb = ws.codebook();
        double[] centroids = new double[cb.length];
        for (int s = 0; s < cb.length; s++) {
          centroids[s] = cb[s];
        }
        c.share(i, index, centroids);
      } else {
        c.freezeWeights(i);
      }
      c.freezeBias(i);
    }
    return c;
  }

  /** The encoded layers after training: shared ones with their trained codebook (float32), others as they were. */
  List<EncodedTensor> reencode(ConstrainedNetwork trained) {
    List<EncodedTensor> out = new ArrayList<>(encoded);
    Network net = trained.network();
    for (int k = 0; k < encoded.size(); k++) {
      WeightSharing ws = sharing[k];
      if (ws == null) {
        continue;
      }
      int i = indexOf(net, names.get(k));
      double[] c = trained.blocks()[2 * i];
      float[] cb = new float[c.length];
      for (int s = 0; s < c.length; s++) {
        cb[s] = (float) c[s];
      }
      WeightSharing tuned = WeightSharing.of(ws.rows(), ws.cols(), ws.bits(), cb, ws.codes());
      EncodedTensor was = encoded.get(k);
      if (was instanceof EncodedBytes) {
        was = was.codec().equals(DeepCompressedTensor.CODEC) ? DeepCompressedTensor.fromBytes(was.encode())
            : KMeansTensor.fromBytes(was.encode());
      }
      if (was instanceof DeepCompressedTensor) {
        DeepCompressedTensor d = (DeepCompressedTensor) was;
        out.set(k, DeepCompressedTensor.of(tuned, d.isSparse(), d.gapBits(), d.isHuffman()));
      } else {
        out.set(k, KMeansTensor.of(tuned));
      }
    }
    return out;
  }

  private static int indexOf(Network net, String name) {
    for (int i = 0; i < net.layers().size(); i++) {
      if (net.layer(i).name().equals(name)) {
        return i;
      }
    }
    throw new IllegalStateException("no layer " + name);
  }
}
