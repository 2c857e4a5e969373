package io.nncompress.spark.compress;

import io.nncompress.compress.LayerMapCompressor;
import io.nncompress.spark.autocorr.AutocorrelationStore;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.autocorr.ParquetInputs;
import io.nncompress.stats.AutocorrelationStats;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The statistics source of a layer map: the output directory of {@code nncompress autocorr}
 * ({@link AutocorrelationStore}), R of each layer exactly as the autocorrelation job computed it.
 */
final class StoredStatistics {
  private final SparkSession spark;
  private final String dir;

  StoredStatistics(SparkSession spark, String dir) {
    this.spark = spark;
    this.dir = dir;
  }

  /** Every stored layer's d and whether R has the bias column, from the layers table alone (no tiles read). */
  Map<String, LayerMapCompressor.StatsShape> shapes() {
    List<Row> rows;
    try {
      rows = ParquetInputs.read(spark, dir + "/" + AutocorrelationStore.LAYERS)
          .select("layer", "dim", "bias_augmented").collectAsList();
    } catch (BadInputException e) {
      throw new BadInputException("Statistics " + dir + " is not the output of nncompress autocorr: " + e.getMessage(),
          e);
    } catch (Exception e) {
      throw new BadInputException("Statistics " + dir + " is not the output of nncompress autocorr (a layers/ table "
          + "with columns layer, dim, bias_augmented): " + e.getMessage(), e);
    }
    Map<String, LayerMapCompressor.StatsShape> out = new LinkedHashMap<>();
    for (Row r : rows) {
      out.put(r.getString(0), new LayerMapCompressor.StatsShape(r.getInt(1), r.getBoolean(2)));
    }
    return out;
  }

  /** R, N, mean, min and max of the named layers. */
  Map<String, AutocorrelationStats> read(Collection<String> layers) {
    Map<String, AutocorrelationStats> out = new LinkedHashMap<>();
    for (String l : layers) {
      if (!out.containsKey(l)) {
        out.put(l, AutocorrelationStore.read(spark, dir, l).get(l).stats);
      }
    }
    return out;
  }
}
