package io.nncompress.spark.compress;

import io.nncompress.compress.LayerMapCompressor;
import io.nncompress.linalg.Blas;
import io.nncompress.report.Metrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * metrics.json of a layer-map run: the same sections as a network's ({@link CompressionMetrics}),
 * without what only a forward pass gives (accuracies, MACs, held-out errors), and with each layer's
 * tensors and couples.
 */
final class LayerMapMetrics {
  private LayerMapMetrics() {}

  static Metrics of(CompressionConfig config, LayerMapCompression.Outcome o) {
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("weights", String.valueOf(config.weights));
    cfg.put("statistics", config.statistics);
    cfg.putAll(CompressionMetrics.targetsAndStages(config, "parallel"));
    long modelParams = 0;
    for (var t : o.tensors.values()) {
      modelParams += t.size();
    }
    Metrics.EndToEnd total = new Metrics.EndToEnd(o.paramsBefore(), o.paramsAfter(),
        (double) o.paramsAfter() / o.paramsBefore(), 4 * o.paramsBefore(), o.bytesAfter(), null, null, modelParams,
        null, null, null, null, null, null, null);
    List<Metrics.Layer> layers = new ArrayList<>();
    for (int k = 0; k < o.lnr.layers.size(); k++) {
      LayerMapCompressor.Layer l = o.lnr.layers.get(k);
      layers.add(CompressionMetrics.layer(l.report, o.layers.get(k).bytes()).withTensors(l.entry.weight,
          l.entry.bias, l.entry.statistics, l.entry.couples, l.originalShape, l.shape));
    }
    Map<String, Double> timings = new LinkedHashMap<>(o.timings);
    timings.put("total", o.seconds);
    return new Metrics(Metrics.SCHEMA_VERSION, CompressedModelStore.FORMAT_VERSION,
        String.valueOf(config.weights.getFileName()), "parallel", "stored statistics", o.seconds, 0, Blas.describe(),
        cfg, timings, total, layers, CompressionMetrics.spectra(o.spectra), CompressionMetrics.stages(o.stages),
        CompressionMetrics.codebooks(o.codebooks), null);
  }
}
