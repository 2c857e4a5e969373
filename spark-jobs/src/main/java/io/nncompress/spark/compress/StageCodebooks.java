package io.nncompress.spark.compress;

import io.nncompress.codec.DeepCompressedTensor;
import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.KMeansTensor;
import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.compress.LayerChain;
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
 * pruned zeros). A layer clustered by {@link DistributedLayers}: from its distributed pass.
 */
final class StageCodebooks {
  /** Bins of a layer's weight histogram. */
  static final int BINS = 64;

  private StageCodebooks() {}

  static Map<String, Object> of(CompressionConfig config, LayerChain chain, List<EncodedTensor> enc,
      DistributedLayers distributed) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (int k = 0; k < chain.size(); k++) {
      String name = chain.layer(k).name();
      StagePlan plan = config.stagesOf(name);
      if (plan.stages().stream().noneMatch(s -> s.name.startsWith("kmeans"))) {
        continue;
      }
      if (distributed.routes(name)) {
        Map<String, Object> c = distributed.codebook(name);
        if (c != null) {
          out.put(name, c);
        }
        continue;
      }
      WeightSharing ws = enc.get(k) instanceof DeepCompressedTensor ? ((DeepCompressedTensor) enc.get(k)).shared()
          : enc.get(k) instanceof KMeansTensor ? ((KMeansTensor) enc.get(k)).shared() : null;
      if (ws != null) {
        out.put(name, of(ws, LayerChain.weight(chain.layer(k))));
      }
    }
    return out;
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
