package io.nncompress.spark.compress;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.nncompress.compress.LayerChain;
import io.nncompress.compress.LayerReport;
import io.nncompress.linalg.Blas;
import io.nncompress.report.Metrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** metrics.json of the compression job ({@link Metrics}): end to end, per layer, per stage, spectra and codebooks. */
final class CompressionMetrics {
  // the stage pipeline hands spectra and codebooks over as maps in metrics.json's form
  private static final ObjectMapper JSON = new ObjectMapper();

  private CompressionMetrics() {}

  /** metrics.json of a run over a network the engine runs. */
  static Metrics of(CompressionConfig config, CompressionJob.Outcome o) {
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("model", String.valueOf(config.spec));
    cfg.put("weights", String.valueOf(config.weights));
    cfg.put("calibration", config.calibration != null ? config.calibration : "activations " + config.activations.keySet());
    cfg.put("evaluation", String.valueOf(config.evaluation));
    cfg.putAll(targetsAndStages(config, o.result.strategy.id));
    int[] sel = o.result.compressed.inputSelect();
    int inputs = o.result.original.inputShape().size();
    Metrics.EndToEnd total = new Metrics.EndToEnd(o.paramsBefore(), o.paramsAfter(),
        (double) o.paramsAfter() / o.paramsBefore(), o.bytesBefore, o.bytesAfter, o.flopsBefore, o.flopsAfter,
        o.modelParams, inputs, sel == null ? inputs : sel.length,
        o.evaluation == null ? null : o.evaluation.samples,
        o.evaluation == null ? null : o.evaluation.accuracyOriginal,
        // after: the model written (its last stage), like bytes_after; accuracy_lnr: after LNR alone
        o.evaluation == null ? null : o.accuracyAfter(),
        o.evaluation == null ? null : o.agreementAfter(),
        o.evaluation == null ? null : o.evaluation.accuracyCompressed, o.modelNonzeroParams);
    List<Metrics.Layer> layers = new ArrayList<>();
    List<LayerChain.Match> inModel = LayerChain.match(LayerChain.of(o.result.compressed), o.finalNetwork);
    for (int k = 0; k < o.result.layers.size(); k++) {
      List<String> modelLayers = new ArrayList<>();
      for (int i = 0; i < inModel.get(k).span; i++) {
        modelLayers.add(o.finalNetwork.layer(inModel.get(k).index + i).name());
      }
      layers.add(layer(o.result.layers.get(k), o.layers.get(k).bytes()).withModelLayers(modelLayers));
    }
    return new Metrics(Metrics.SCHEMA_VERSION, CompressedModelStore.FORMAT_VERSION, o.result.original.name(),
        o.result.strategy.id, null, o.seconds, o.passes, Blas.describe(), cfg, o.timings, total, layers,
        spectra(o.spectra), stages(o.stages), codebooks(o.codebooks),
        io.nncompress.spark.finetune.FinetuneStage.metrics(o.finetune));
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
  static Metrics.Layer layer(LayerReport l, long bytesAfter) {
    List<Metrics.LambdaPoint> path = new ArrayList<>();
    for (io.nncompress.lnr.LambdaSearch.PathPoint p : l.path) {
      path.add(new Metrics.LambdaPoint(p.lambda, p.kept, p.relativeErrorLasso, p.relativeErrorDebiased));
    }
    return new Metrics.Layer(l.layer, null, null, null, null, null, null, null, 4 * l.paramsBefore, bytesAfter,
        l.type, l.target, l.inputsBefore, l.inputsAfter, l.outputsBefore, l.outputsAfter, l.paramsBefore,
        l.paramsAfter, l.lambda, l.lambdaMax, l.iterations, l.method, l.targetReached, l.relativeErrorLasso,
        l.relativeErrorDebiased, l.heldOutRelativeError, path);
  }

  /** One record per stage: bytes, parameters, accuracy, the bytes of each layer, the rates; null without stages. */
  static List<Metrics.Stage> stages(List<CompressionJob.StageRecord> stages) {
    if (stages.isEmpty()) {
      return null;
    }
    List<Metrics.Stage> st = new ArrayList<>();
    for (CompressionJob.StageRecord r : stages) {
      st.add(new Metrics.Stage(r.stage, r.bytes, r.params, r.accuracy, r.agreement, r.layerBytes,
          r.layerErrors.isEmpty() ? null : r.layerErrors, r.paperRate, (double) stages.get(0).bytes / r.bytes));
    }
    return st;
  }

  /** The stage pipeline's spectra (maps of metrics.json's form) as records; null without. */
  static Map<String, Metrics.Spectrum> spectra(Map<String, Object> spectra) {
    return typed(spectra, Metrics.Spectrum.class);
  }

  /** The stage pipeline's codebooks (maps of metrics.json's form) as records; null without. */
  static Map<String, Metrics.Codebook> codebooks(Map<String, Object> codebooks) {
    return typed(codebooks, Metrics.Codebook.class);
  }

  private static <T> Map<String, T> typed(Map<String, Object> in, Class<T> type) {
    if (in.isEmpty()) {
      return null;
    }
    Map<String, T> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : in.entrySet()) {
      T record = JSON.convertValue(e.getValue(), type);
      // every key the pipeline gives must be in the schema: none is dropped on the way to metrics.json
      java.util.Set<String> given = new java.util.TreeSet<>();
      JSON.valueToTree(e.getValue()).fieldNames().forEachRemaining(given::add);
      java.util.Set<String> kept = new java.util.TreeSet<>();
      JSON.valueToTree(record).fieldNames().forEachRemaining(kept::add);
      if (!kept.containsAll(given)) {
        given.removeAll(kept);
        throw new IllegalStateException("metrics.json: " + type.getSimpleName() + " of " + e.getKey()
            + " has keys outside the schema: " + given);
      }
      out.put(e.getKey(), record);
    }
    return out;
  }
}
