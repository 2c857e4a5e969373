package io.nncompress.spark.compress;

import io.nncompress.compress.StatisticsSource;
import io.nncompress.model.Conv2dLayer;
import io.nncompress.model.Layer;
import io.nncompress.model.Network;
import io.nncompress.spark.autocorr.AutocorrelationJob;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.autocorr.LayerInput;
import io.nncompress.stats.AutocorrelationStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * Statistics from precomputed activation datasets, one column per layer input, for networks the
 * engine does not run: the autocorrelation job computes each layer's R directly (layers in one
 * dataset share a pass). Only the strategies that need the original network's inputs alone
 * (parallel, bottom-up) can use it.
 */
public final class ActivationStatistics implements StatisticsSource {
  /** Where one layer's input lives. */
  public static final class Source {
    public final String dataset;
    public final String column;

    public Source(String dataset, String column) {
      this.dataset = dataset;
      this.column = column;
    }
  }

  private final SparkSession spark;
  private final Map<String, Source> sources;

  public ActivationStatistics(SparkSession spark, Map<String, Source> sources) {
    this.spark = spark;
    this.sources = sources;
  }

  @Override
  public AutocorrelationStats[] inputs(Network net, int[] layerIndices) {
    List<LayerInput> inputs = new ArrayList<>();
    for (int i : layerIndices) {
      Layer l = net.layer(i);
      Source s = sources.get(l.name());
      if (s == null) {
        throw new BadInputException("Layer " + l.name() + " has no activation dataset (data.activations."
            + l.name() + ")");
      }
      inputs.add(l instanceof Conv2dLayer
          ? new LayerInput(l.name(), s.dataset, s.column, null, ((Conv2dLayer) l).geometry())
          : new LayerInput(l.name(), s.dataset, s.column, l.inputShape().size(), null));
    }
    List<AutocorrelationJob.LayerResult> res =
        new AutocorrelationJob(spark, new AutocorrelationJob.Options()).compute(inputs);
    AutocorrelationStats[] out = new AutocorrelationStats[res.size()];
    for (int k = 0; k < out.length; k++) {
      out[k] = res.get(k).stats;
    }
    return out;
  }

  @Override
  public AutocorrelationStats[] joint(Network a, int[] indexA, Network b, int[] indexB) {
    throw new BadInputException("The top-down strategy needs the compressed network's activations, which only the "
        + "forward pass gives: with data.activations use lnr.strategy parallel or bottom-up");
  }
}
