package io.nncompress.spark.compress;

import io.nncompress.compress.LayerProbe;
import io.nncompress.compress.StatisticsSource;
import io.nncompress.model.Network;
import io.nncompress.progress.Phase;
import io.nncompress.progress.Progress;
import io.nncompress.spark.autocorr.AccumulatorReduction;
import io.nncompress.spark.autocorr.AutocorrelationJob;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.stats.AutocorrelationAccumulator;
import io.nncompress.stats.AutocorrelationStats;
import java.util.Collections;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compressor's statistics computed on Spark: the network (or two) is broadcast, every task runs
 * it over its partition's samples in batches and accumulates the layer statistics (level-3 BLAS, the
 * same {@link AutocorrelationAccumulator} as the autocorrelation job), and the partial sums are merged
 * as the autocorrelation job merges them ({@link AccumulatorReduction}). One pass over the data per call.
 */
public final class SparkStatistics implements StatisticsSource {
  private static final Logger LOG = LoggerFactory.getLogger(SparkStatistics.class);
  /** The autocorrelation job's merge settings: the same reduction as over stored activations. */
  private static final AutocorrelationJob.Options REDUCTION = new AutocorrelationJob.Options();
  private final SparkSession spark;
  private final InputData data;
  private final int batchSize;
  private int passes;

  public SparkStatistics(SparkSession spark, InputData data, int batchSize) {
    this.spark = spark;
    this.data = data;
    this.batchSize = batchSize;
  }

  /** Passes over the data so far. */
  public int passes() {
    return passes;
  }

  /**
   * Input statistics are kept per network and layer, so strategies that need statistics of the
   * original network already computed (parallel and bottom-up all its layers, top-down its first
   * layer) share one pass; a pass computes only the layers not kept yet.
   */
  @Override
  public AutocorrelationStats[] inputs(Network net, int[] layerIndices) {
    java.util.Map<Integer, AutocorrelationStats> known = cache.computeIfAbsent(fingerprint(net),
        k -> new java.util.HashMap<>());
    int[] missing = java.util.Arrays.stream(layerIndices).filter(i -> !known.containsKey(i)).distinct().toArray();
    if (missing.length == 0) {
      LOG.info("Statistics of {} reused (no pass over the data)", net.name());
    } else {
      AutocorrelationStats[] s = run(net, missing, null, null, "layer inputs of " + net.name());
      for (int k = 0; k < missing.length; k++) {
        known.put(missing[k], s[k]);
      }
    }
    AutocorrelationStats[] out = new AutocorrelationStats[layerIndices.length];
    for (int k = 0; k < out.length; k++) {
      out[k] = known.get(layerIndices[k]);
    }
    return out;
  }

  private final java.util.Map<String, java.util.Map<Integer, AutocorrelationStats>> cache =
      new java.util.HashMap<>();

  private static String fingerprint(Network net) {
    // the spec and every tensor; a weight left on file counts by where it is, so nothing is read here
    return java.util.HexFormat.of().formatHex(net.digest()) + "/";
  }

  @Override
  public AutocorrelationStats[] joint(Network a, int[] indexA, Network b, int[] indexB) {
    return run(a, indexA, b, indexB, "joint statistics of " + a.name() + " and its compressed form");
  }

  private AutocorrelationStats[] run(Network a, int[] ia, Network b, int[] ib, String what) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    jsc.setJobGroup("nncompress-compress", "nncompress compress: " + what + " over " + data.dataset, false);
    Broadcast<NetworkBytes> na = jsc.broadcast(NetworkBytes.of(a));
    Broadcast<NetworkBytes> nb = b == null ? null : jsc.broadcast(NetworkBytes.of(b));
    InputData d = data;
    int batch = batchSize;
    long t0 = System.nanoTime();
    AutocorrelationAccumulator[] acc;
    Phase phase = Progress.phase("statistics").message("pass " + (passes + 1) + ": " + what + " over " + data.dataset)
        .start();
    try {
      acc = AccumulatorReduction.reduce(data.rows().mapPartitions(it -> {
        Network x = na.value().build();
        LayerProbe probe = nb == null
            ? LayerProbe.inputs(x, ia, AutocorrelationAccumulator.DEFAULT_BLOCK_SAMPLES)
            : LayerProbe.joint(x, ia, nb.value().build(), ib, AutocorrelationAccumulator.DEFAULT_BLOCK_SAMPLES);
        d.forEachBatch(it, batch, (m, labels) -> probe.add(m));
        return Collections.singletonList(probe.finish()).iterator();
      }), REDUCTION);
    } catch (Exception e) {
      BadInputException bad = BadInputException.find(e);
      throw bad != null ? new BadInputException(bad.getMessage(), e)
          : io.nncompress.spark.autocorr.ParquetInputs.wrapReadFailure(data.dataset, e);
    } finally {
      na.destroy();
      if (nb != null) {
        nb.destroy();
      }
      jsc.clearJobGroup();
      phase.close();
    }
    passes++;
    if (acc[0].samples() == 0) {
      throw new BadInputException("Dataset " + data.dataset + ": the dataset has no rows");
    }
    AutocorrelationStats[] out = new AutocorrelationStats[acc.length];
    for (int k = 0; k < acc.length; k++) {
      out[k] = acc[k].toStats();
    }
    LOG.info("Pass {} over {}: {} ({} samples) in {} s", passes, data.dataset, what, acc[0].rows(),
        String.format("%.1f", (System.nanoTime() - t0) / 1e9));
    return out;
  }
}
