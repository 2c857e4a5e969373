package io.nncompress.spark.compress;

import io.nncompress.codec.EncodedTensor;
import io.nncompress.compress.Evaluation;
import io.nncompress.compress.LayerChain;
import io.nncompress.compress.LnrCompressor;
import io.nncompress.compress.StagePlan;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Network;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.compress.CompressionJob.StageRecord;
import io.nncompress.spark.finetune.DataParallelTrainer;
import io.nncompress.spark.finetune.FinetuneStage;
import io.nncompress.stats.AutocorrelationStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stages after LNR of one compression (weight sharing, quantization, low rank, ... as
 * {@code stages.plan} says per layer): each stage runs once on the previous stage's output, all
 * layers in one Spark job ({@link StagePipeline}); the model after each stage is evaluated on the
 * held-out data (a lossless stage reuses the evaluation before it, {@link EvaluationReuse}); after the
 * last stage the shared values are fine-tuned when {@code finetune.after} says so. Input: the LNR
 * result and what was written for it; output: one {@link StageRecord} per stage (float32 and lnr
 * first) and the last stage's layers, network, spectra and codebooks.
 */
final class StagesAfterLnr {
  private static final Logger LOG = LoggerFactory.getLogger(StagesAfterLnr.class);

  /** What the stages left: the records of every stage, and the last stage's layers, network and figures. */
  record Result(List<StageRecord> records, Map<String, Object> codebooks, Network network,
      List<CompressedModelStore.StoredLayer> stored, Map<String, Object> spectra, int passes, Long nonzeroParams) {}

  // what the stage pipeline's last stage left
  private static final class LastStage {
    List<CompressedModelStore.StoredLayer> stored;
    Map<String, Object> spectra;
    Network network;
  }

  private final CompressionJob job;
  private final SparkSession spark;
  private final CompressionConfig config;

  StagesAfterLnr(CompressionJob job, SparkSession spark, CompressionConfig config) {
    this.job = job;
    this.spark = spark;
    this.config = config;
  }

  /** Whether any layer of the chain has a stage plan. */
  static boolean any(CompressionConfig config, LayerChain chain) {
    for (int k = 0; k < chain.size(); k++) {
      if (!config.stagesOf(chain.layer(k).name()).isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Runs the stages on the LNR result {@code r} ({@code ev}: its evaluation, null without held-out
   * data; {@code stored}: its layers as written; {@code tuned}: the fine-tuning curves so far, to which
   * the centroids' is added).
   */
  Result run(LnrCompressor.Result r, Evaluation ev, List<CompressedModelStore.StoredLayer> stored,
      List<int[]> keptOutputs, Map<String, List<DataParallelTrainer.Epoch>> tuned, SparkStatistics stats,
      JobCheckpoints checkpoints, int features) {
    List<StageRecord> records = new ArrayList<>();
    Map<String, Object> codebooks = new LinkedHashMap<>();
    LayerChain chain = LayerChain.of(r.compressed);
    InputData test = config.evaluation == null ? null : job.data(config.evaluation, features);
    long paramsBefore = r.layers.stream().mapToLong(l -> l.paramsBefore).sum();
    long paramsAfter = r.layers.stream().mapToLong(l -> l.paramsAfter).sum();
    Map<String, Long> origBytes = new LinkedHashMap<>();
    Map<String, Long> origWeights = new LinkedHashMap<>();
    Map<String, Long> lnrBytes = new LinkedHashMap<>();
    Map<String, Long> lnrWeights = new LinkedHashMap<>();
    LayerChain originalChain = LayerChain.of(r.original);
    for (int k = 0; k < stored.size(); k++) {
      origBytes.put(stored.get(k).layer, 4 * r.layers.get(k).paramsBefore);
      origWeights.put(stored.get(k).layer, weights(originalChain, k));
      lnrBytes.put(stored.get(k).layer, stored.get(k).bytes());
      lnrWeights.put(stored.get(k).layer, weights(chain, k));
    }
    DistributedLayers distributed = new DistributedLayers(spark, config, r.original);
    records.add(new StageRecord("float32", 4 * paramsBefore, paramsBefore,
        ev == null ? Double.NaN : ev.accuracyOriginal, 1.0, origBytes, origWeights));
    records.add(new StageRecord("lnr", stored.stream().mapToLong(CompressedModelStore.StoredLayer::bytes).sum(),
        paramsAfter, ev == null ? Double.NaN : ev.accuracyCompressed, ev == null ? Double.NaN : ev.agreement,
        lnrBytes, lnrWeights));
    AutocorrelationStats[] rs = null;
    boolean aware = false;
    for (int k = 0; k < chain.size(); k++) {
      aware |= config.stagesOf(chain.layer(k).name()).needsStatistics();
    }
    if (aware && stats == null) {
      throw new BadInputException("Config " + config.source + ": data-aware stages need data.calibration (the "
          + "compressed network's statistics come from a forward pass)");
    }
    if (aware) {
      int[] idx = new int[chain.size()];
      for (int k = 0; k < idx.length; k++) {
        idx[k] = chain.networkIndex(k);
      }
      rs = stats.inputs(r.compressed, idx);
    }
    AutocorrelationStats[] stageStats = rs;
    StagePipeline.Layers layers = new StagePipeline.Layers() {
      @Override
      public int size() {
        return chain.size();
      }

      @Override
      public String name(int k) {
        return chain.layer(k).name();
      }

      @Override
      public StagePlan plan(int k) {
        return config.stagesOf(name(k));
      }

      @Override
      public DenseMatrix weight(int k) {
        return LayerChain.weight(chain.layer(k));
      }

      @Override
      public DenseMatrix autocorrelation(int k) {
        return stageStats == null ? null
            : stageStats[k].autocorrelation().selectSymmetric(IntStream.range(0,
                LayerChain.weightCols(chain.layer(k))).toArray());
      }

      @Override
      public EncodedTensor encodeElsewhere(int k, StagePlan prefix) {
        if (!distributed.routes(name(k))) {
          return null;
        }
        // too large to collect: see DistributedLayers
        return distributed.encode(chain.layer(k), prefix, stageStats == null ? null
            : DistributedLayers.diagonal(stageStats[k].autocorrelation(), LayerChain.weightCols(chain.layer(k))));
      }
    };
    List<CompressedModelStore.StoredLayer> lnrStored = stored;
    LastStage last = new LastStage();
    // fine-tuning after prune: the plans split at prune, the stages then run on the trained network
    Network base = r.compressed;
    StagePipeline.Layers planned = layers;
    boolean pruneTuned = FinetuneStage.afterPrune(config);
    java.util.Set<String> pruned = PruneFinetune.pruning(layers);
    if (pruneTuned) {
      PruneFinetune.check(config, chain);
      base = PruneFinetune.pruneAndTrain(spark, config, r.original, r.compressed, chain, layers, pruned, tuned,
          checkpoints == null ? null : checkpoints.directory().toString());
      planned = PruneFinetune.trained(layers, LayerChain.of(base), pruned);
    }
    Network baseNet = base;
    LayerChain baseChain = LayerChain.of(base);
    EvaluationReuse reuse = new EvaluationReuse(base, pruneTuned ? null : ev);
    StagePipeline.Layers stagesOn = planned;
    new StagePipeline(spark).run(stagesOn, stage -> {
      List<EncodedTensor> enc = !stage.last ? stage.encoded : FinetuneStage.afterStages(spark, config, r.original,
          NetworkEvaluation.withWeights(baseNet, baseChain, stage.encoded), IntStream.range(0, chain.size())
              .mapToObj(k -> chain.layer(k).name())
              .toList(), stage.encoded, tuned, checkpoints == null ? null : checkpoints.directory().toString());
      Network decoded = NetworkEvaluation.withWeights(baseNet, baseChain, enc);
      Evaluation e = test == null ? null
          : reuse.evaluate(decoded, () -> job.evaluateOutputs(r.original, decoded, keptOutputs, test));
      List<CompressedModelStore.StoredLayer> staged = new ArrayList<>();
      Map<String, Long> lb = new LinkedHashMap<>();
      for (int k = 0; k < lnrStored.size(); k++) {
        CompressedModelStore.StoredLayer l = lnrStored.get(k);
        staged.add(new CompressedModelStore.StoredLayer(l.layer, l.type, l.method + " -> " + stage.prefixes.get(k),
            l.originalShape, l.shape, l.keptInputs, l.keptOutputs, enc.get(k),
            pruneTuned ? floats(LayerChain.bias(baseChain.layer(k))) : l.bias, l.metrics));
        lb.put(l.layer, staged.get(k).bytes());
      }
      StageRecord rec = new StageRecord(stage.label, lb.values().stream().mapToLong(Long::longValue).sum(),
          NetworkEvaluation.params(decoded), e == null ? Double.NaN : e.accuracyCompressed,
          e == null ? Double.NaN : e.agreement, lb, lnrWeights);
      rec.paperRate = StagePipeline.paperRate(stagesOn, stage.index, enc);
      rec.layerErrors = stage.errors;
      records.add(rec);
      if (stage.last) {
        last.stored = staged;
        last.spectra = stage.spectra;
        last.network = decoded;
        codebooks.putAll(StageCodebooks.of(stagesOn, enc, distributed, stage.factorCodebooks));
      }
      LOG.info("After {}: {} bytes, accuracy {}", stage.label, rec.bytes, e == null ? "n/a" : e.accuracyCompressed);
      return rec.bytes + " bytes";
    });
    Long nonzero = pruned.isEmpty() || pruned.stream().anyMatch(distributed::routes) ? null
        : NetworkEvaluation.nonzeroParams(last.network);
    return new Result(records, codebooks, last.network, last.stored, last.spectra, reuse.passes(), nonzero);
  }

  private static float[] floats(double[] b) {
    if (b == null) {
      return null;
    }
    float[] f = new float[b.length];
    for (int i = 0; i < b.length; i++) {
      f[i] = (float) b[i];
    }
    return f;
  }

  private static long weights(LayerChain chain, int k) {
    return (long) LayerChain.weightRows(chain.layer(k)) * LayerChain.weightCols(chain.layer(k));
  }
}
