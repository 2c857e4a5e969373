package io.nncompress.spark.compress;

import io.nncompress.codec.DeepCompressedTensor;
import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.KMeansTensor;
import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.codec.lowrank.FactoredTensor;
import io.nncompress.compress.StagePlan;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.report.Histogram;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code codebooks} section of the metrics (and of the report): for each layer whose stages
 * share weights, the shared values, how many weights have each, and the histogram of the weights
 * that were clustered ({@link #BINS} equal bins over their range). A layer clustered in one task:
 * from its encoded form and its weights after LNR (the weights clustered: those with a code, not the
 * pruned zeros). A layer clustered by {@link DistributedLayers}: from its distributed pass. A layer
 * with a low-rank stage first: from its factors, by {@link #ofLowRank} where they were made.
 */
final class StageCodebooks {
  /** Bins of a layer's weight histogram. */
  static final int BINS = 64;

  private StageCodebooks() {}

  /** The codebooks of the layers of the last stage ({@code distributed}: null when no layer is routed there). */
  static Map<String, Object> of(StagePipeline.Layers layers, List<EncodedTensor> enc, DistributedLayers distributed,
      Map<String, Map<String, Object>> lowRank) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int k = 0; k < layers.size(); k++) {
      String name = layers.name(k);
      StagePlan plan = layers.plan(k);
      if (plan.kmeans() == null) {
        continue;
      }
      if (plan.isLowRank()) {
        out.putAll(lowRank.getOrDefault(name, Map.of()));
        continue;
      }
      if (distributed != null && distributed.routes(name)) {
        Map<String, Object> c = distributed.codebook(name);
        if (c != null) {
          out.put(name, c);
        }
        continue;
      }
      WeightSharing ws = shared(enc.get(k));
      if (ws != null) {
        out.put(name, of(ws, layers.weight(k)));
      }
    }
    return out;
  }

  /**
   * The entries of a layer whose plan starts with a low-rank stage, made where its factors are (on
   * the executor that encoded it): {@code NAME.0} (Q^T) and {@code NAME.1} (P), the layers of the
   * compressed model, when it was split; {@code NAME} (P Q^T) when it was kept whole. Empty when no
   * later stage shares weights.
   */
  static Map<String, Object> ofLowRank(String layer, StagePlan.Encoded e) {
    Map<String, Object> out = new LinkedHashMap<>();
    if (e.tensor instanceof FactoredTensor && e.coded.size() == 2) {
      FactoredTensor f = (FactoredTensor) e.tensor;
      WeightSharing first = shared(f.firstEncoded());
      WeightSharing second = shared(f.secondEncoded());
      if (first != null) {
        out.put(layer + ".0", of(first, e.coded.get(0)));
      }
      if (second != null) {
        out.put(layer + ".1", of(second, e.coded.get(1)));
      }
    } else if (e.coded.size() == 1 && shared(e.tensor) != null) {
      out.put(layer, of(shared(e.tensor), e.coded.get(0)));
    }
    return out;
  }

  private static WeightSharing shared(EncodedTensor t) {
    return t instanceof DeepCompressedTensor ? ((DeepCompressedTensor) t).shared()
        : t instanceof KMeansTensor ? ((KMeansTensor) t).shared() : null;
  }

  /** One layer's entry: the codebook, each value's count, the histogram of w where a code is. */
  static Map<String, Object> of(WeightSharing ws, DenseMatrix w) {
    float[] cb = ws.codebook();
    int[] codes = ws.codes(); // row-major
    long[] counts = new long[cb.length];
    int clustered = 0;
    for (int c : codes) {
      if (c != WeightSharing.ZERO_CODE) {
        counts[c]++;
        clustered++;
      }
    }
    double[] values = new double[clustered];
    int t = 0;
    for (int i = 0; i < w.rows; i++) {
      for (int j = 0; j < w.cols; j++) {
        if (codes[i * w.cols + j] != WeightSharing.ZERO_CODE) {
          values[t++] = w.get(i, j);
        }
      }
    }
    double[] centroids = new double[cb.length];
    for (int s = 0; s < cb.length; s++) {
      centroids[s] = cb[s];
    }
    double[][] h = Histogram.bin(values, BINS);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("centroids", centroids);
    m.put("counts", counts);
    m.put("histogram", Map.of("centres", h[0], "counts", h[1]));
    return m;
  }
}
