package io.nncompress.spark.compress;

import io.nncompress.compress.LayerChain;
import io.nncompress.compress.LayerReport;
import io.nncompress.linalg.Blas;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** metrics.json of the compression job: end to end, per layer, per stage, spectra and codebooks. */
final class CompressionMetrics {
  private CompressionMetrics() {}

  /** metrics.json of a run over a network the engine runs. */
  static Map<String, Object> of(CompressionConfig config, CompressionJob.Outcome o) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format_version", CompressedModelStore.FORMAT_VERSION);
    m.put("model", o.result.original.name());
    m.put("strategy", o.result.strategy.id);
    m.put("seconds", o.seconds);
    m.put("passes_over_data", o.passes);
    m.put("blas", Blas.describe());
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("model", String.valueOf(config.spec));
    cfg.put("weights", String.valueOf(config.weights));
    cfg.put("calibration", config.calibration != null ? config.calibration : "activations " + config.activations.keySet());
    cfg.put("evaluation", String.valueOf(config.evaluation));
    cfg.putAll(targetsAndStages(config, o.result.strategy.id));
    m.put("config", cfg);
    m.put("timings", Map.of("total", o.seconds));
    Map<String, Object> total = new LinkedHashMap<>();
    total.put("params_before", o.paramsBefore());
    total.put("params_after", o.paramsAfter());
    total.put("params_ratio", (double) o.paramsAfter() / o.paramsBefore());
    total.put("bytes_before", o.bytesBefore);
    total.put("bytes_after", o.bytesAfter);
    total.put("macs_before", o.flopsBefore);
    total.put("macs_after", o.flopsAfter);
    total.put("model_params", o.modelParams);
    int[] sel = o.result.compressed.inputSelect();
    total.put("inputs_before", o.result.original.inputShape().size());
    total.put("inputs_after", sel == null ? o.result.original.inputShape().size() : sel.length);
    if (o.evaluation != null) {
      total.put("evaluation_samples", o.evaluation.samples);
      total.put("accuracy_before", o.evaluation.accuracyOriginal);
      // after: the model written (its last stage), like bytes_after; accuracy_lnr: after LNR alone
      CompressionJob.StageRecord last = o.stages.isEmpty() ? null : o.stages.get(o.stages.size() - 1);
      total.put("accuracy_after", last == null ? o.evaluation.accuracyCompressed : last.accuracy);
      total.put("top1_agreement", last == null ? o.evaluation.agreement : last.agreement);
      total.put("accuracy_lnr", o.evaluation.accuracyCompressed);
    }
    m.put("end_to_end", total);
    List<Map<String, Object>> layers = new ArrayList<>();
    List<LayerChain.Match> inModel = LayerChain.match(LayerChain.of(o.result.compressed), o.finalNetwork);
    for (int k = 0; k < o.result.layers.size(); k++) {
      LayerReport l = o.result.layers.get(k);
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("layer", l.layer);
      List<String> modelLayers = new ArrayList<>();
      for (int i = 0; i < inModel.get(k).span; i++) {
        modelLayers.add(o.finalNetwork.layer(inModel.get(k).index + i).name());
      }
      x.put("model_layers", modelLayers);
      x.putAll(layer(l, o.layers.get(k).bytes()));
      layers.add(x);
    }
    m.put("layers", layers);
    if (!o.spectra.isEmpty()) {
      m.put("spectra", o.spectra);
    }
    if (!o.stages.isEmpty()) {
      m.put("stages", stages(o.stages));
    }
    if (!o.codebooks.isEmpty()) {
      m.put("codebooks", o.codebooks);
    }
    return m;
  }

  /** The config's strategy, targets, stages, tolerance and output, as metrics.json's config section gives them. */
  static Map<String, Object> targetsAndStages(CompressionConfig config, String strategy) {
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("strategy", strategy);
    cfg.put("target", String.valueOf(config.target));
    cfg.put("layer_targets", String.valueOf(config.layerTargets));
    cfg.put("stages", String.valueOf(config.stages));
    cfg.put("layer_stages", String.valueOf(config.layerStages));
    cfg.put("distributed_above", config.distributedAbove);
    cfg.put("tolerance", config.tolerance);
    cfg.put("output", config.output);
    return cfg;
  }

  /** A layer's LNR record: sizes, shapes, lambda, solver and errors, the lambda path. */
  static Map<String, Object> layer(LayerReport l, long bytesAfter) {
    Map<String, Object> x = new LinkedHashMap<>();
    x.put("bytes_before", 4 * l.paramsBefore);
    x.put("bytes_after", bytesAfter);
    x.put("type", l.type);
    x.put("target", l.target);
    x.put("inputs_before", l.inputsBefore);
    x.put("inputs_after", l.inputsAfter);
    x.put("outputs_before", l.outputsBefore);
    x.put("outputs_after", l.outputsAfter);
    x.put("params_before", l.paramsBefore);
    x.put("params_after", l.paramsAfter);
    x.put("lambda", l.lambda);
    x.put("lambda_max", l.lambdaMax);
    x.put("iterations", l.iterations);
    x.put("solver", l.method);
    x.put("target_reached", l.targetReached);
    x.put("relative_error_lasso", l.relativeErrorLasso);
    x.put("relative_error_debiased", l.relativeErrorDebiased);
    x.put("relative_error_held_out", l.heldOutRelativeError);
    List<Map<String, Object>> path = new ArrayList<>();
    for (io.nncompress.lnr.LambdaSearch.PathPoint p : l.path) {
      Map<String, Object> q = new LinkedHashMap<>();
      q.put("lambda", p.lambda);
      q.put("kept", p.kept);
      q.put("relative_error_lasso", p.relativeErrorLasso);
      q.put("relative_error_debiased", p.relativeErrorDebiased);
      path.add(q);
    }
    x.put("lambda_path", path);
    return x;
  }

  /** One record per stage: bytes, parameters, accuracy, the bytes of each layer, the rates. */
  static List<Map<String, Object>> stages(List<CompressionJob.StageRecord> stages) {
    List<Map<String, Object>> st = new ArrayList<>();
    for (CompressionJob.StageRecord r : stages) {
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("stage", r.stage);
      x.put("bytes", r.bytes);
      x.put("params", r.params);
      x.put("accuracy", r.accuracy);
      x.put("agreement", r.agreement);
      x.put("layer_bytes", r.layerBytes);
      if (!r.layerErrors.isEmpty()) {
        x.put("layer_relative_errors", r.layerErrors);
      }
      x.put("paper_rate", r.paperRate);
      x.put("real_rate", (double) stages.get(0).bytes / r.bytes);
      st.add(x);
    }
    return st;
  }
}
