package io.nncompress.spark.finetune;

import io.nncompress.model.Network;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.compress.CompressionConfig;
import io.nncompress.spark.compress.InputData;
import io.nncompress.train.ConstrainedNetwork;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * The fine-tuning of the compression job (config section {@code finetune}): after LNR, the
 * compressed network (its reduced shapes) trained on data.calibration, data-parallel, with the
 * original network as the teacher when distilling; the held-out accuracy after each epoch on
 * data.evaluation. Checkpoints per epoch go beside the job's other checkpoints.
 */
public final class FinetuneStage {
  private FinetuneStage() {}

  /** After LNR when the config says so: {"lnr": its curve}; else empty. */
  public static Map<String, List<DataParallelTrainer.Epoch>> afterLnr(SparkSession spark, CompressionConfig config,
      Network original, Network compressed, String checkpointDir) {
    Map<String, List<DataParallelTrainer.Epoch>> out = new LinkedHashMap<>();
    if (config.finetune != null && config.finetune.after.contains("lnr")) {
      out.put("lnr", run(spark, config, "lnr", original, new ConstrainedNetwork(compressed), checkpointDir));
    }
    return out;
  }

  /** Whether fine-tuning runs after the layers' prune stage (finetune.after has "prune"). */
  public static boolean afterPrune(CompressionConfig config) {
    return config.finetune != null && config.finetune.after.contains("prune");
  }

  /**
   * After the layers' prune stage when finetune.after has "prune": trains {@code pruned} in place (the
   * network after LNR whose layers named in {@code prunedLayers} have their pruned weights at 0), those
   * zeros frozen (no gradient: Deep Compression's masked retraining), every other weight and every bias
   * trained. Its curve goes into {@code curves} as {@code label}: "prune" (the last round of iterative
   * pruning, finetune.prune.rounds) or "prune_roundR" (an earlier round R); the settings are finetune.prune's.
   */
  public static void afterPrune(SparkSession spark, CompressionConfig config, Network original, Network pruned,
      java.util.Set<String> prunedLayers, String label, Map<String, List<DataParallelTrainer.Epoch>> curves,
      String checkpointDir) {
    ConstrainedNetwork c = new ConstrainedNetwork(pruned);
    for (int i = 0; i < pruned.layers().size(); i++) {
      if (prunedLayers.contains(pruned.layer(i).name())) {
        c.freezeZeros(i);
      }
    }
    curves.put(label, run(spark, config, "prune", label, original, c, checkpointDir));
  }

  /**
   * After the last stage when finetune.after has "kmeans" and some layer shares weights: the centroid
   * fine-tuning of {@code decoded} (what {@code encoded} decodes to; {@code names.get(k)} the layer of
   * {@code encoded.get(k)}); returns the layers encoded again with the trained codebooks (the same
   * indices, Huffman redone), or {@code encoded} as it is. Its curve goes into {@code curves} as "kmeans".
   */
  public static List<io.nncompress.codec.EncodedTensor> afterStages(SparkSession spark, CompressionConfig config,
      Network original, Network decoded, List<String> names, List<io.nncompress.codec.EncodedTensor> encoded,
      Map<String, List<DataParallelTrainer.Epoch>> curves, String checkpointDir) {
    if (config.finetune == null || !config.finetune.after.contains("kmeans")) {
      return encoded;
    }
    SharedLayers shared = new SharedLayers(names, encoded);
    if (!shared.any()) {
      return encoded;
    }
    ConstrainedNetwork c = shared.constrain(decoded);
    curves.put("kmeans", run(spark, config, "kmeans", original, c, checkpointDir));
    return shared.reencode(c);
  }

  /**
   * metrics.json's {@code finetune}: the settings and, per place it ran (e.g. "lnr"), the curve: epoch
   * 0 the held-out accuracy before training, then per epoch the mean training loss, the held-out
   * accuracy, seconds and samples/s.
   */
  /** metrics.json's finetune section: "after_LABEL" -> one row per epoch; null without fine-tuning. */
  public static Map<String, List<io.nncompress.report.Metrics.Epoch>> metrics(
      Map<String, List<DataParallelTrainer.Epoch>> curves) {
    if (curves.isEmpty()) {
      return null;
    }
    Map<String, List<io.nncompress.report.Metrics.Epoch>> f = new LinkedHashMap<>();
    for (Map.Entry<String, List<DataParallelTrainer.Epoch>> e : curves.entrySet()) {
      List<io.nncompress.report.Metrics.Epoch> rows = new ArrayList<>();
      e.getValue().forEach(ep -> rows.add(ep.toRecord()));
      f.put("after_" + e.getKey(), rows);
    }
    return f;
  }

  /**
   * Trains {@code compressed} in place after the stage {@code label} (e.g. "lnr"); returns the curve.
   * {@code checkpointDir} may be null (no checkpoints).
   */
  public static List<DataParallelTrainer.Epoch> run(SparkSession spark, CompressionConfig config, String label,
      Network original, ConstrainedNetwork compressed, String checkpointDir) {
    return run(spark, config, label, label, original, compressed, checkpointDir);
  }

  /** As {@link #run(SparkSession, CompressionConfig, String, Network, ConstrainedNetwork, String)}, with the
   * settings of {@code place} and the checkpoints of {@code label}. */
  static List<DataParallelTrainer.Epoch> run(SparkSession spark, CompressionConfig config, String place, String label,
      Network original, ConstrainedNetwork compressed, String checkpointDir) {
    FinetuneSettings s = config.finetune.at(place, label);
    if (config.calibration == null) {
      throw new BadInputException("Config " + config.source + ", key finetune: fine-tuning trains on "
          + "data.calibration; give it (data.activations alone cannot train a network)");
    }
    int features = original.inputShape().size();
    int maxPartitions = ExchangedEpoch.maxPartitions(
        org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()));
    try (TrainingData train = TrainingData.of(InputData.open(spark, config.calibration, config.inputColumn,
        config.labelColumn, features), config.batchSize, maxPartitions);
        TrainingData held = config.evaluation == null || config.labelColumn == null ? null
            : TrainingData.of(InputData.open(spark, config.evaluation, config.inputColumn, config.labelColumn,
                features), config.batchSize)) {
      return new DataParallelTrainer(spark, s).checkpoints(checkpointDir == null ? null
          : new FinetuneCheckpoints(spark, checkpointDir), label).train(compressed, original, train, held);
    }
  }
}
