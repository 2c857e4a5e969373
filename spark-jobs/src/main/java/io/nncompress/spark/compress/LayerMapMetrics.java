package io.nncompress.spark.compress;

import io.nncompress.compress.LayerMapCompressor;
import io.nncompress.linalg.Blas;
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

  static Map<String, Object> of(CompressionConfig config, LayerMapCompression.Outcome o) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format_version", CompressedModelStore.FORMAT_VERSION);
    m.put("model", String.valueOf(config.weights.getFileName()));
    m.put("strategy", "parallel");
    m.put("source", "stored statistics");
    m.put("seconds", o.seconds);
    m.put("passes_over_data", 0);
    m.put("blas", Blas.describe());
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("weights", String.valueOf(config.weights));
    cfg.put("statistics", config.statistics);
    cfg.putAll(CompressionMetrics.targetsAndStages(config, "parallel"));
    m.put("config", cfg);
    m.put("timings", Map.of("total", o.seconds));
    Map<String, Object> total = new LinkedHashMap<>();
    total.put("params_before", o.paramsBefore());
    total.put("params_after", o.paramsAfter());
    total.put("params_ratio", (double) o.paramsAfter() / o.paramsBefore());
    total.put("bytes_before", 4 * o.paramsBefore());
    total.put("bytes_after", o.bytesAfter());
    long modelParams = 0;
    for (var t : o.tensors.values()) {
      modelParams += t.size();
    }
    total.put("model_params", modelParams);
    m.put("end_to_end", total);
    List<Map<String, Object>> layers = new ArrayList<>();
    for (int k = 0; k < o.lnr.layers.size(); k++) {
      LayerMapCompressor.Layer l = o.lnr.layers.get(k);
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("layer", l.entry.name);
      x.put("weight", l.entry.weight);
      x.put("bias", l.entry.bias);
      x.put("statistics", l.entry.statistics);
      x.put("couples", l.entry.couples);
      x.put("original_shape", l.originalShape);
      x.put("shape", l.shape);
      x.putAll(CompressionMetrics.layer(l.report, o.layers.get(k).bytes()));
      layers.add(x);
    }
    m.put("layers", layers);
    if (!o.spectra.isEmpty()) {
      m.put("spectra", o.spectra);
    }
    if (!o.stages.isEmpty()) {
      m.put("stages", CompressionMetrics.stages(o.stages));
    }
    if (!o.codebooks.isEmpty()) {
      m.put("codebooks", o.codebooks);
    }
    return m;
  }
}
