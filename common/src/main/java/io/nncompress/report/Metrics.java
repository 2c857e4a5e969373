package io.nncompress.report;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * metrics.json, the typed contract between the compression job (which writes it), the report
 * (which reads it back) and users. Written and read with {@link MetricsJson}; the schema is
 * documented once, in docs/metrics-schema.md, and versioned by {@link #SCHEMA_VERSION}.
 *
 * <p>Every section but {@code schema_version} may be absent (null here, left out of the JSON): a
 * layer-map run has no accuracies, MACs or model inputs, a run without stages no {@code stages},
 * spectra or codebooks. A number that does not apply is NaN (written as Jackson writes NaN).
 * Readers ignore keys they do not know, so that a newer file (e.g. one with a {@code training}
 * section) still reads; a new section is a new nullable component here, and the schema version
 * goes up when a key changes meaning or disappears.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"schema_version", "format_version", "model", "strategy", "source", "seconds", "passes_over_data",
    "blas", "config", "timings", "end_to_end", "layers", "spectra", "stages", "codebooks", "finetune"})
public record Metrics(
    @JsonProperty("schema_version") int schemaVersion,
    /** The version of the compressed model's layers/ format (CompressedModelStore.FORMAT_VERSION). */
    @JsonProperty("format_version") Integer formatVersion,
    @JsonProperty("model") String model,
    /** Chaining strategy: top-down, bottom-up, parallel... */
    @JsonProperty("strategy") String strategy,
    /** "stored statistics" for a layer-map run; absent for a network run. */
    @JsonProperty("source") String source,
    /** Seconds of the compression (statistics, LNR, evaluation, stages), without writing. */
    @JsonProperty("seconds") Double seconds,
    @JsonProperty("passes_over_data") Integer passesOverData,
    @JsonProperty("blas") String blas,
    /** The run's configuration as given (free-form: values are strings, numbers or nested maps). */
    @JsonProperty("config") Map<String, Object> config,
    /** Phase name to seconds, in run order, each phase once; {@code total} is the sum of the run. */
    @JsonProperty("timings") Map<String, Double> timings,
    @JsonProperty("end_to_end") EndToEnd endToEnd,
    @JsonProperty("layers") List<Layer> layers,
    /** Per layer through a low-rank stage, the spectrum its rank was chosen on. */
    @JsonProperty("spectra") Map<String, Spectrum> spectra,
    /** The model after each stage, in pipeline order: float32, lnr, then each stage after LNR. */
    @JsonProperty("stages") List<Stage> stages,
    /** Per layer (or low-rank factor) with a weight-sharing stage, its codebook. */
    @JsonProperty("codebooks") Map<String, Codebook> codebooks,
    /**
     * Per fine-tuning ("after_lnr", "after_kmeans"), its curve, one row per epoch (epoch 0: before
     * training); absent without a finetune section.
     */
    @JsonProperty("finetune") Map<String, List<Epoch>> finetune) {

  /** 2: metrics.json typed (this record), with {@code schema_version}; 1: before, without it. */
  public static final int SCHEMA_VERSION = 2;

  /** The whole model before and after. "after" is the model written (its last stage). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"params_before", "params_after", "params_ratio", "bytes_before", "bytes_after", "macs_before",
      "macs_after", "model_params", "inputs_before", "inputs_after", "evaluation_samples", "accuracy_before",
      "accuracy_after", "top1_agreement", "accuracy_lnr", "model_nonzero_params"})
  public record EndToEnd(
      /** Weights and biases of the compressed layers, before and after LNR (a parameter count, not bytes). */
      @JsonProperty("params_before") Long paramsBefore,
      @JsonProperty("params_after") Long paramsAfter,
      /** params_after / params_before. */
      @JsonProperty("params_ratio") Double paramsRatio,
      /** float32 bytes of the original layers; encoded bytes of the layers written. */
      @JsonProperty("bytes_before") Long bytesBefore,
      @JsonProperty("bytes_after") Long bytesAfter,
      @JsonProperty("macs_before") Long macsBefore,
      @JsonProperty("macs_after") Long macsAfter,
      /** Weights and biases of the model written (two low-rank factors count as such). */
      @JsonProperty("model_params") Long modelParams,
      @JsonProperty("inputs_before") Integer inputsBefore,
      @JsonProperty("inputs_after") Integer inputsAfter,
      @JsonProperty("evaluation_samples") Long evaluationSamples,
      @JsonProperty("accuracy_before") Double accuracyBefore,
      /** Accuracy of the model written (after its last stage), like bytes_after. */
      @JsonProperty("accuracy_after") Double accuracyAfter,
      /** Top-1 agreement of the model written with the original. */
      @JsonProperty("top1_agreement") Double top1Agreement,
      /** Accuracy after LNR alone (before any stage). */
      @JsonProperty("accuracy_lnr") Double accuracyLnr,
      /**
       * Weights and biases of the model written that are not zero, when some layer's stages prune (a
       * pruned weight is a removed parameter, stored sparse); absent otherwise.
       */
      @JsonProperty("model_nonzero_params") Long modelNonzeroParams) {
    /** Without a nonzero count (no layer pruned). */
    public EndToEnd(Long paramsBefore, Long paramsAfter, Double paramsRatio, Long bytesBefore, Long bytesAfter,
        Long macsBefore, Long macsAfter, Long modelParams, Integer inputsBefore, Integer inputsAfter,
        Long evaluationSamples, Double accuracyBefore, Double accuracyAfter, Double top1Agreement,
        Double accuracyLnr) {
      this(paramsBefore, paramsAfter, paramsRatio, bytesBefore, bytesAfter, macsBefore, macsAfter, modelParams,
          inputsBefore, inputsAfter, evaluationSamples, accuracyBefore, accuracyAfter, top1Agreement, accuracyLnr,
          null);
    }
  }

  /** One compressed layer: what LNR did to it, its bytes, and for a layer map its tensors. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"layer", "model_layers", "weight", "bias", "statistics", "couples", "original_shape", "shape",
      "bytes_before", "bytes_after", "type", "target", "inputs_before", "inputs_after", "outputs_before",
      "outputs_after", "params_before", "params_after", "lambda", "lambda_max", "iterations", "solver",
      "target_reached", "relative_error_lasso", "relative_error_debiased", "relative_error_held_out", "lambda_path"})
  public record Layer(
      @JsonProperty("layer") String layer,
      /** The layers of the model written that hold it (NAME, or NAME.0 and NAME.1 when factored). */
      @JsonProperty("model_layers") List<String> modelLayers,
      /** Layer map: the weight tensor's name, its bias's (absent without), the statistics, the coupled layers. */
      @JsonProperty("weight") String weight,
      @JsonProperty("bias") String bias,
      @JsonProperty("statistics") String statistics,
      @JsonProperty("couples") List<String> couples,
      @JsonProperty("original_shape") long[] originalShape,
      @JsonProperty("shape") long[] shape,
      @JsonProperty("bytes_before") Long bytesBefore,
      @JsonProperty("bytes_after") Long bytesAfter,
      @JsonProperty("type") String type,
      @JsonProperty("target") String target,
      @JsonProperty("inputs_before") Integer inputsBefore,
      @JsonProperty("inputs_after") Integer inputsAfter,
      @JsonProperty("outputs_before") Integer outputsBefore,
      @JsonProperty("outputs_after") Integer outputsAfter,
      @JsonProperty("params_before") Long paramsBefore,
      @JsonProperty("params_after") Long paramsAfter,
      @JsonProperty("lambda") Double lambda,
      @JsonProperty("lambda_max") Double lambdaMax,
      @JsonProperty("iterations") Integer iterations,
      @JsonProperty("solver") String solver,
      @JsonProperty("target_reached") Boolean targetReached,
      @JsonProperty("relative_error_lasso") Double relativeErrorLasso,
      @JsonProperty("relative_error_debiased") Double relativeErrorDebiased,
      /** NaN without evaluation data. */
      @JsonProperty("relative_error_held_out") Double relativeErrorHeldOut,
      @JsonProperty("lambda_path") List<LambdaPoint> lambdaPath) {

    /** This layer with its tensors (a layer map's). */
    public Layer withTensors(String weight, String bias, String statistics, List<String> couples,
        long[] originalShape, long[] shape) {
      return new Layer(layer, modelLayers, weight, bias, statistics, couples, originalShape, shape, bytesBefore,
          bytesAfter, type, target, inputsBefore, inputsAfter, outputsBefore, outputsAfter, paramsBefore, paramsAfter,
          lambda, lambdaMax, iterations, solver, targetReached, relativeErrorLasso, relativeErrorDebiased,
          relativeErrorHeldOut, lambdaPath);
    }

    /** This layer with the layers of the model written that hold it. */
    public Layer withModelLayers(List<String> modelLayers) {
      return new Layer(layer, modelLayers, weight, bias, statistics, couples, originalShape, shape, bytesBefore,
          bytesAfter, type, target, inputsBefore, inputsAfter, outputsBefore, outputsAfter, paramsBefore, paramsAfter,
          lambda, lambdaMax, iterations, solver, targetReached, relativeErrorLasso, relativeErrorDebiased,
          relativeErrorHeldOut, lambdaPath);
    }
  }

  /** One lasso solve of a layer's lambda search. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record LambdaPoint(
      @JsonProperty("lambda") Double lambda,
      @JsonProperty("kept") Integer kept,
      @JsonProperty("relative_error_lasso") Double relativeErrorLasso,
      @JsonProperty("relative_error_debiased") Double relativeErrorDebiased) {}

  /** The model after one stage. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Stage(
      /** "float32", "lnr", then the plan up to this stage, e.g. "kmeans(4) -> huffman". */
      @JsonProperty("stage") String stage,
      /** Encoded bytes of the compressed layers. */
      @JsonProperty("bytes") Long bytes,
      @JsonProperty("params") Long params,
      /** NaN without evaluation data. */
      @JsonProperty("accuracy") Double accuracy,
      @JsonProperty("agreement") Double agreement,
      @JsonProperty("layer_bytes") Map<String, Long> layerBytes,
      /** Per layer, ||W - W'||_F / ||W||_F: W after LNR, W' decoded after this stage; absent when not computed. */
      @JsonProperty("layer_relative_errors") Map<String, Double> layerRelativeErrors,
      /** The Deep Compression paper's rate formula for this stage (NaN where it does not apply). */
      @JsonProperty("paper_rate") Double paperRate,
      /** float32 bytes / this stage's bytes. */
      @JsonProperty("real_rate") Double realRate) {}

  /** A layer's spectrum, as its low-rank stage chose the rank on it. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Spectrum(
      @JsonProperty("stage") String stage,
      /** "W" for svd, "W L" for svd_aware (R = L L^T). */
      @JsonProperty("of") String of,
      @JsonProperty("rank") Integer rank,
      /** Whether the layer was stored as two factors (false: dense was smaller). */
      @JsonProperty("factored") Boolean factored,
      /** In any order (the report sorts them descending). */
      @JsonProperty("singular_values") double[] singularValues) {}

  /** A weight-sharing codebook: the shared values and how many weights use each. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Codebook(
      @JsonProperty("centroids") double[] centroids,
      @JsonProperty("counts") long[] counts,
      /** The histogram of the weights that were clustered; absent when not kept. */
      @JsonProperty("histogram") Bins histogram,
      /** A layer encoded on the executors: where its weights came from; absent otherwise. */
      @JsonProperty("distributed") String distributed) {}

  /** Histogram bins: their centres and counts (same length). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Bins(@JsonProperty("centres") double[] centres, @JsonProperty("counts") double[] counts) {}

  /** One epoch of fine-tuning. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonPropertyOrder({"epoch", "loss", "held_out_accuracy", "seconds", "samples_per_second"})
  public record Epoch(
      @JsonProperty("epoch") int epoch,
      /** The mean training loss over the epoch; absent for epoch 0. */
      @JsonProperty("loss") Double loss,
      /** Accuracy on data.evaluation after the epoch; absent without evaluation data. */
      @JsonProperty("held_out_accuracy") Double heldOutAccuracy,
      @JsonProperty("seconds") Double seconds,
      /** Absent for epoch 0. */
      @JsonProperty("samples_per_second") Double samplesPerSecond) {}
}
