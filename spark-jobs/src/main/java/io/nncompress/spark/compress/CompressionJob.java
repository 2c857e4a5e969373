package io.nncompress.spark.compress;

import io.nncompress.compress.ChainingStrategy;
import io.nncompress.compress.Evaluation;
import io.nncompress.compress.LayerChain;
import io.nncompress.compress.LnrCompressor;
import io.nncompress.linalg.Blas;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.model.ArchitectureSpec;
import io.nncompress.model.ModelSpecException;
import io.nncompress.model.Network;
import io.nncompress.progress.Phase;
import io.nncompress.progress.Progress;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.io.AtomicOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network compression job: model + calibration data -> distributed forward pass and layer
 * statistics -> LNR of every layer with the chosen chaining strategy -> compressed model,
 * evaluated on held-out data, written atomically (see {@link CompressedModelStore}).
 */
public final class CompressionJob {
  private static final Logger LOG = LoggerFactory.getLogger(CompressionJob.class);

  /** What a run produced. */
  public static final class Outcome {
    public final LnrCompressor.Result result;
    /** Null without evaluation data. */
    public final Evaluation evaluation;
    public final double seconds;
    public final int passes;
    public final long bytesBefore;
    public final long bytesAfter;
    public final long flopsBefore;
    public final long flopsAfter;
    public final List<CompressedModelStore.StoredLayer> layers;
    /** One record per stage (float32 original, lnr, then each stage after LNR); empty without stages. */
    public final List<StageRecord> stages;
    /**
     * The network the stored layers decode to (the LNR network when there are no stages), what
     * model/ holds: a low-rank layer NAME as its two factor layers NAME.0 and NAME.1.
     */
    public final Network finalNetwork;
    /** Weights and biases of the weighted layers of {@link #finalNetwork} (two factors count as such). */
    public final long modelParams;
    /**
     * Weights and biases of the model written that are not zero, when some layer's stages prune (a
     * pruned weight is a removed parameter); null otherwise.
     */
    public Long modelNonzeroParams;
    /**
     * Per layer through a low-rank stage, the spectrum its rank was chosen on: {"stage", "of" (W for
     * svd, W L for svd_aware with R = L L^T), "rank", "factored", "singular_values"}; empty without.
     */
    public final Map<String, Object> spectra = new LinkedHashMap<>();
    /** Per layer with a kmeans stage, its codebook for the report ({@code codebooks} of the metrics). */
    public final Map<String, Object> codebooks = new LinkedHashMap<>();
    /** Per fine-tuning (after "lnr"), its curve: loss and held-out accuracy per epoch; empty without. */
    public final Map<String, List<io.nncompress.spark.finetune.DataParallelTrainer.Epoch>> finetune =
        new LinkedHashMap<>();
    /** Seconds of each phase (lnr with its statistics passes, evaluation, stages), in run order, and total. */
    public final Map<String, Double> timings = new LinkedHashMap<>();

    Outcome(LnrCompressor.Result result, Evaluation evaluation, double seconds, int passes,
        List<CompressedModelStore.StoredLayer> layers, List<StageRecord> stages, Network finalNetwork) {
      this.stages = stages;
      this.finalNetwork = finalNetwork;
      this.result = result;
      this.evaluation = evaluation;
      this.seconds = seconds;
      this.passes = passes;
      this.layers = layers;
      long before = 0;
      long after = 0;
      for (int k = 0; k < layers.size(); k++) {
        before += 4 * result.layers.get(k).paramsBefore;
        after += layers.get(k).bytes();
      }
      this.bytesBefore = before;
      this.bytesAfter = after;
      this.flopsBefore = NetworkEvaluation.macs(result.original);
      this.flopsAfter = NetworkEvaluation.macs(finalNetwork);
      this.modelParams = NetworkEvaluation.params(finalNetwork);
    }

    public long paramsBefore() {
      return result.layers.stream().mapToLong(l -> l.paramsBefore).sum();
    }

    public long paramsAfter() {
      return result.layers.stream().mapToLong(l -> l.paramsAfter).sum();
    }

    /** Accuracy of the model written (after its last stage, or LNR's without stages); NaN without evaluation. */
    public double accuracyAfter() {
      return evaluation == null ? Double.NaN : stages.isEmpty() ? evaluation.accuracyCompressed
          : stages.get(stages.size() - 1).accuracy;
    }

    /** Top-1 agreement of the model written with the original; NaN without evaluation. */
    public double agreementAfter() {
      return evaluation == null ? Double.NaN : stages.isEmpty() ? evaluation.agreement
          : stages.get(stages.size() - 1).agreement;
    }
  }

  /** The model after one stage: bytes, parameters, accuracy, and the bytes of each layer. */
  public static final class StageRecord {
    /** The Deep Compression paper's formula for this stage (NaN where it does not apply). */
    public double paperRate = Double.NaN;
    public Map<String, Double> layerErrors = Map.of(); // per layer (see StagePipeline.Stage#errors)
    public final String stage;
    public final long bytes;
    public final long params;
    public final double accuracy;
    public final double agreement;
    public final Map<String, Long> layerBytes;
    public final Map<String, Long> layerWeights;

    StageRecord(String stage, long bytes, long params, double accuracy, double agreement, Map<String, Long> layerBytes,
        Map<String, Long> layerWeights) {
      this.stage = stage;
      this.bytes = bytes;
      this.params = params;
      this.accuracy = accuracy;
      this.agreement = agreement;
      this.layerBytes = layerBytes;
      this.layerWeights = layerWeights;
    }
  }

  private final SparkSession spark;
  private final CompressionConfig config;
  // shared by the strategies a job computes (the demo's three): solved layers, solvers by settings, datasets
  private final io.nncompress.compress.SharedSolves sharedSolves = new io.nncompress.compress.SharedSolves();
  private final Map<String, GroupLassoSolver> solvers = new java.util.HashMap<>();
  private final Map<String, InputData> opened = new java.util.HashMap<>();

  public CompressionJob(SparkSession spark, CompressionConfig config) {
    this.spark = spark;
    this.config = config;
  }

  /**
   * Checks the model (spec against the weights' header), the datasets' schemas and the output,
   * before any heavy work. Returns the loaded network.
   */
  public Network validate(boolean overwrite) {
    Network net;
    try {
      ArchitectureSpec spec = ArchitectureSpec.read(config.spec);
      Network.validate(spec, config.weights);
      net = DistributedLayers.load(config); // a large layer kept whole stays in the file
    } catch (ModelSpecException e) {
      throw new BadInputException("Model " + config.spec + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new BadInputException("Model " + config.weights + ": " + e.getMessage(), e);
    }
    Network folded = net.foldBatchNorm();
    LayerChain chain;
    try {
      chain = LayerChain.of(folded);
    } catch (IllegalArgumentException e) {
      throw new BadInputException("Model " + config.spec + ": " + e.getMessage(), e);
    }
    CompressionChecks.layersAndData(config, chain, d -> data(d, net.inputShape().size()));
    CompressionChecks.check(spark, config, chain, overwrite);
    PruneFinetune.check(config, chain); // finetune.after: prune needs plans that prune first
    return net;
  }

  /** Compresses and evaluates with the configured strategy, without writing. */
  public Outcome compute(Network net) {
    return compute(net, config.strategy, null);
  }

  /**
   * Compresses with {@code strategy}; statistics of the original network may be shared between
   * strategies through {@code shared} (null: a fresh source).
   */
  public Outcome compute(Network net, ChainingStrategy strategy, SparkStatistics shared) {
    return compute(net, strategy, shared, null);
  }

  /** Like {@link #compute(Network, ChainingStrategy, SparkStatistics)}, keeping and reusing checkpoints. */
  public Outcome compute(Network net, ChainingStrategy strategy, SparkStatistics shared, JobCheckpoints checkpoints) {
    long t0 = System.nanoTime();
    PhaseTimer timer = new PhaseTimer();
    Phase phase = Progress.phase("compress").strategy(strategy.id).message("compress " + net.name()).start();
    int features = net.inputShape().size();
    SparkStatistics stats = shared != null ? shared : config.calibration == null ? null : new SparkStatistics(spark,
        data(config.calibration, features), config.batchSize);
    int passesBefore = stats == null ? 0 : stats.passes();
    io.nncompress.compress.StatisticsSource source = config.activations.isEmpty() ? stats
        : new ActivationStatistics(spark, config.activations);
    if (checkpoints != null) {
      source = checkpoints.wrap(source);
    }
    GroupLassoSolver solver = solvers.computeIfAbsent(config.tolerance + "/" + config.maxIterations,
        k -> GroupLassoSolver.defaults().tolerance(config.tolerance).maxIterations(config.maxIterations));
    LOG.info("Compressing {} ({} strategy) with {}", net.name(), strategy.id, Blas.describe());
    LnrCompressor.Result r = new LnrCompressor(strategy, config::targetOf, solver).checkpoints(checkpoints)
        .sharedSolves(sharedSolves).compress(net, source);
    Map<String, List<io.nncompress.spark.finetune.DataParallelTrainer.Epoch>> tuned = io.nncompress.spark.finetune
        .FinetuneStage.afterLnr(spark, config, r.original, r.compressed, checkpoints == null ? null
            : checkpoints.directory().toString());
    List<int[]> keptOutputs = keptOutputs(r);
    timer.lap("lnr");
    Evaluation ev = null;
    if (config.evaluation != null) {
      ev = evaluate(r.original, r.compressed, keptOutputs, data(config.evaluation, features));
      for (int k = 0; k < r.layers.size(); k++) {
        r.layers.get(k).heldOutRelativeError = ev.layerRelativeError[k];
      }
      timer.lap("evaluation");
    }
    List<CompressedModelStore.StoredLayer> stored = CompressedModelStore.layers(r.original, r.compressed,
        r.keptGroups, keptOutputs, r.layers, "lnr(" + strategy.id + ")");
    int passes = (stats == null ? (int) config.activations.values().stream().map(a -> a.dataset).distinct().count()
        : stats.passes() - passesBefore) + (ev == null ? 0 : 1);
    List<StageRecord> records = new ArrayList<>();
    Map<String, Object> codebooks = new LinkedHashMap<>();
    Network finalNet = r.compressed;
    Map<String, Object> lastSpectra = Map.of();
    Long nonzero = null;
    if (StagesAfterLnr.any(config, LayerChain.of(r.compressed))) {
      StagesAfterLnr.Result st = new StagesAfterLnr(this, spark, config).run(r, ev, stored, keptOutputs, tuned, stats,
          checkpoints, features);
      records = st.records();
      codebooks.putAll(st.codebooks());
      finalNet = st.network();
      stored = st.stored();
      lastSpectra = st.spectra();
      nonzero = st.nonzeroParams();
      passes += st.passes();
      timer.lap("stages");
    }
    phase.close();
    Outcome outcome = new Outcome(r, ev, (System.nanoTime() - t0) / 1e9, passes, stored, records, finalNet);
    outcome.timings.putAll(timer.seconds());
    outcome.timings.put("total", outcome.seconds);
    outcome.spectra.putAll(lastSpectra);
    outcome.codebooks.putAll(codebooks);
    outcome.finetune.putAll(tuned);
    outcome.modelNonzeroParams = nonzero;
    return outcome;
  }

  /**
   * Every plan applied alone after the same LNR result (e.g. the demo's comparison of codecs at
   * comparable sizes): one record per plan with the real bytes and the accuracy on the evaluation
   * data. Data-aware plans use the compressed network's layer statistics (one more pass, shared).
   */
  public List<StageRecord> compareCodecs(Outcome lnr, List<io.nncompress.compress.StagePlan> plans,
      SparkStatistics stats) {
    return CodecComparison.run(this, config, spark, lnr, plans, stats);
  }

  /** The dataset, opened (and checked) once per job. */
  public InputData data(String dataset, int features) {
    return opened.computeIfAbsent(dataset + "\n" + features,
        k -> InputData.open(spark, dataset, config.inputColumn, config.labelColumn, features));
  }

  /** Layers taken from another strategy's solve instead of solved again (see {@link #compute}). */
  public int reusedSolves() {
    return sharedSolves.reused();
  }

  /** One distributed pass comparing the two networks on held-out data. */
  public Evaluation evaluate(Network original, Network compressed, List<int[]> keptOutputs, InputData data) {
    return new NetworkEvaluation(spark, config.batchSize).evaluate(original, compressed, keptOutputs, data);
  }

  /** Like {@link #evaluate}, the predictions only: accuracy and agreement (per-layer errors NaN). */
  public Evaluation evaluateOutputs(Network original, Network compressed, List<int[]> keptOutputs, InputData data) {
    return new NetworkEvaluation(spark, config.batchSize).evaluate(original, compressed, keptOutputs, data, false);
  }

  /** Kept output units of each weighted layer of the original network. */
  public static List<int[]> keptOutputs(LnrCompressor.Result r) {
    return NetworkEvaluation.keptOutputs(r);
  }

  /**
   * Validates, compresses, evaluates and writes atomically. What is computed along the way is kept
   * in checkpoints beside the output until it is committed, so that rerunning the same command
   * after a failure resumes: statistics and layers already done are not computed again.
   */
  public Outcome run(boolean overwrite) {
    Network net = validate(overwrite);
    JobCheckpoints cp = new JobCheckpoints(spark, config.output, JobCheckpoints.key(spark, config, net));
    lastCheckpoints = cp;
    try {
      Outcome o = compute(net, config.strategy, null, cp);
      if (cp.reusedStatistics() > 0 || cp.reusedLayers() > 0) {
        LOG.info("Resumed from {}: {} statistics pass(es) and {} layer(s) reused", cp.directory(),
            cp.reusedStatistics(), cp.reusedLayers());
      }
      io.nncompress.report.Metrics metrics = metrics(o);
      try (Phase phase = Progress.phase("write").message(config.output).start()) {
        AtomicOutput.commit(spark, config.output, overwrite,
            tmp -> CompressedModelStore.write(spark, tmp, o.finalNetwork, o.layers, metrics));
      }
      cp.delete();
      return o;
    } catch (RuntimeException | Error e) {
      cp.failed(e); // says where the checkpoints are, or removes those no rerun can use
      throw e;
    }
  }

  private JobCheckpoints lastCheckpoints;

  /** The checkpoints of the last {@link #run} (for tests and logs). */
  public JobCheckpoints lastCheckpoints() {
    return lastCheckpoints;
  }

  /** metrics.json: per layer and end to end (see {@link CompressionMetrics}). */
  public io.nncompress.report.Metrics metrics(Outcome o) {
    return CompressionMetrics.of(config, o);
  }
}
