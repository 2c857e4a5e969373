package io.nncompress.spark.compress;

import io.nncompress.compress.LayerChain;
import io.nncompress.lnr.LambdaSearch;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.autocorr.ParquetInputs;
import io.nncompress.spark.io.AtomicOutput;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * What {@link CompressionJob#validate} checks of a config beyond the model and the datasets'
 * schemas, so that {@code --validate-only} refuses what the run would fail on (or destroy) only
 * hours later: a {@code keep: N} target above a layer's inputs, an output that cannot be created,
 * already exists, or is, contains or lies inside an input (dataset or model file), and datasets
 * whose files hold vectors of different lengths.
 */
public final class CompressionChecks {
  private CompressionChecks() {}

  /** Runs every check; throws {@link BadInputException} naming the key, layer, file or path. */
  public static void check(SparkSession spark, CompressionConfig c, LayerChain chain, boolean overwrite) {
    checkTargets(c, chain);
    AtomicOutput.checkWritable(spark, c.output, overwrite);
    AtomicOutput.checkNotInput(spark, c.output, inputs(c));
    if (c.calibration != null) {
      checkFiles(spark, c.calibration, c.inputColumn);
    }
    if (c.evaluation != null) {
      checkFiles(spark, c.evaluation, c.inputColumn);
    }
    for (ActivationStatistics.Source s : c.activations.values()) {
      checkFiles(spark, s.dataset, s.column);
    }
  }

  /** A {@code keep: N} target of a layer must not exceed the layer's inputs (neurons or channels). */
  static void checkTargets(CompressionConfig c, LayerChain chain) {
    for (int k = 0; k < chain.size(); k++) {
      String name = chain.layer(k).name();
      LambdaSearch.Target t = c.targetOf(name);
      if (t == null || t.keepCount() < 0) {
        continue;
      }
      if (k == 0 && chain.groupCount(0) != LayerChain.weightCols(chain.layer(0))) {
        continue; // the network's first conv layer reads input channels: kept whole whatever the target
      }
      int inputs = chain.groupCount(k);
      if (t.keepCount() > inputs) {
        String key = c.layerTargets.containsKey(name) ? "lnr.layers." + name + ".keep" : "lnr.target.keep";
        throw new BadInputException("Config " + c.source + ", key " + key + ": keep " + t.keepCount()
            + " is more than the " + inputs + " inputs of layer " + name + "; give at most " + inputs);
      }
    }
  }

  /** The inputs an output must not overlap: datasets and model files, by what they are in the config. */
  static Map<String, String> inputs(CompressionConfig c) {
    Map<String, String> in = new LinkedHashMap<>();
    if (c.calibration != null) {
      in.put(c.calibration, "dataset (data.calibration)");
    }
    if (c.evaluation != null) {
      in.putIfAbsent(c.evaluation, "dataset (data.evaluation)");
    }
    for (Map.Entry<String, ActivationStatistics.Source> e : c.activations.entrySet()) {
      in.putIfAbsent(e.getValue().dataset, "dataset (data.activations." + e.getKey() + ")");
    }
    String spec = c.specSource != null ? c.specSource : c.spec == null ? null : c.spec.toAbsolutePath().toUri()
        .toString();
    String weights = c.weightsSource != null ? c.weightsSource : c.weights == null ? null
        : c.weights.toAbsolutePath().toUri().toString();
    if (spec != null) {
      in.putIfAbsent(spec, "file (model.spec)");
    }
    if (weights != null) {
      in.putIfAbsent(weights, "file (model.weights)");
    }
    return in;
  }

  private static void checkFiles(SparkSession spark, String dataset, String column) {
    Dataset<Row> df = ParquetInputs.read(spark, dataset);
    ParquetInputs.checkFileLengths(spark, dataset, df, column, ParquetInputs.encodingOf(dataset, df.schema(), column));
  }

  /**
   * The layers named by lnr.layers and data.activations exist among the network's weighted layers,
   * every layer has statistics (calibration data or its activations), and the datasets' schemas fit
   * the network's inputs ({@code open} opens and checks a dataset).
   */
  static void layersAndData(CompressionConfig config, LayerChain chain,
      java.util.function.Function<String, InputData> open) {
    List<String> names = new ArrayList<>();
    for (int k = 0; k < chain.size(); k++) {
      names.add(chain.layer(k).name());
    }
    for (String l : config.layerTargets.keySet()) {
      if (!names.contains(l)) {
        throw new BadInputException("Config " + config.source + ", key lnr.layers." + l + ": no weighted layer '" + l
            + "' in " + config.spec + "; its weighted layers are " + names);
      }
    }
    for (String l : config.keptWhole) {
      if (!names.contains(l)) {
        throw new BadInputException("Config " + config.source + ", key lnr.layers." + l + ": no weighted layer '" + l
            + "'; its weighted layers are " + names);
      }
    }
    if (config.calibration != null) {
      open.apply(config.calibration);
    }
    for (String l : config.activations.keySet()) {
      if (!names.contains(l)) {
        throw new BadInputException("Config " + config.source + ", key data.activations." + l + ": no weighted layer '"
            + l + "'; its weighted layers are " + names);
      }
    }
    if (config.calibration == null) {
      for (String l : names) {
        if (!config.activations.containsKey(l)) {
          throw new BadInputException("Config " + config.source + ": layer " + l + " has no data.activations entry "
              + "(and there is no data.calibration for a forward pass)");
        }
      }
    }
    if (config.evaluation != null) {
      open.apply(config.evaluation);
    }
  }
}
