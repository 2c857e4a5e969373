package io.nncompress.spark.autocorr;

import io.nncompress.stats.AutocorrelationAccumulator;
import io.nncompress.stats.NonFiniteValueException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The tiled mode of {@link AutocorrelationJob}, for a layer with p = d + 1 at or above {@link
 * AutocorrelationJob.Options#tileThreshold}: no task and not the driver ever holds more than a
 * bounded number of R's tiles.
 */
final class TiledAutocorrelation {
  private static final Logger LOG = LoggerFactory.getLogger(TiledAutocorrelation.class);

  private TiledAutocorrelation() {}

  /**
   * Layer l (column {@code ordinal} of the rows, their file and row at {@code metadataOrdinal}, -1
   * when unknown) in tiles: R's upper tiles in groups of at most {@link
   * AutocorrelationJob.Options#maxTilesPerTask}, one group per task over a partition, reduced by key;
   * the tiles stay persisted on the executors (the caller unpersists them).
   */
  static AutocorrelationJob.LayerResult compute(String datasetName, JavaRDD<InternalRow> rows, LayerInput l,
      ColumnEncoding enc, int ordinal, int metadataOrdinal, AutocorrelationJob.Options options) {
    int p = AutocorrelationJob.dimOf(l) + (options.biasAugmented ? 1 : 0);
    int nt = AutocorrelationAccumulator.tileCount(p, options.tileSize);
    List<int[]> all = new ArrayList<>();
    for (int i = 0; i < nt; i++) {
      for (int j = i; j < nt; j++) {
        all.add(new int[] {i, j});
      }
    }
    List<JavaPairRDD<Long, TilePartial>> groups = new ArrayList<>();
    for (int g = 0; g * options.maxTilesPerTask < all.size(); g++) {
      List<int[]> group = new ArrayList<>(all.subList(g * options.maxTilesPerTask,
          Math.min(all.size(), (g + 1) * options.maxTilesPerTask)));
      groups.add(rows.mapPartitionsToPair(
          new AccumulateTiles(datasetName, l, enc, ordinal, metadataOrdinal, options, group, g == 0)));
    }
    LOG.info("Layer {}: p = {} >= {}, tiled into {}x{} tiles of {} in {} group(s) of at most {}", l.name(), p,
        options.tileThreshold, nt, nt, options.tileSize, groups.size(), options.maxTilesPerTask);
    JavaPairRDD<Long, TilePartial> union = groups.get(0);
    for (int g = 1; g < groups.size(); g++) {
      union = union.union(groups.get(g));
    }
    JavaPairRDD<Long, TilePartial> reduced =
        union.reduceByKey(TilePartial::merge, Math.max(1, all.size())).persist(StorageLevel.MEMORY_AND_DISK());
    TilePartial stats;
    try {
      List<TilePartial> s = reduced.filter(t -> t._1() == TilePartial.STATS_KEY).values().collect();
      stats = s.get(0);
    } catch (Exception ex) {
      reduced.unpersist(false);
      throw AutocorrelationJob.rethrow(datasetName, ex);
    }
    AutocorrelationJob.requireRows(datasetName, l, stats.samples);
    long n = stats.samples;
    String name = l.name();
    int tileSize = options.tileSize;
    JavaRDD<AutocorrelationTile> tiles = reduced.filter(t -> t._1() != TilePartial.STATS_KEY).map(t -> {
      TilePartial tp = t._2();
      int ti = TilePartial.tileRow(t._1());
      int tj = TilePartial.tileCol(t._1());
      int m = Math.min(tileSize, p - ti * tileSize);
      int c = Math.min(tileSize, p - tj * tileSize);
      return AutocorrelationTile.fromSum(name, ti, tj, m, c, tp.values, n);
    });
    return new AutocorrelationJob.LayerResult(l, enc, AutocorrelationJob.dimOf(l), options.biasAugmented, stats.samples, stats.rows, stats.sum,
        stats.min, stats.max, tiles, options.tileSize);
  }

  /** A partial sum of one tile (or, under {@link #STATS_KEY}, the feature statistics). */
  static final class TilePartial implements Serializable {
    private static final long serialVersionUID = 1L;
    static final long STATS_KEY = -1L;
    double[] values;
    long samples;
    long rows;
    double[] sum;
    double[] min;
    double[] max;

    static long key(int ti, int tj) {
      return ((long) ti << 32) | tj;
    }

    static int tileRow(long key) {
      return (int) (key >>> 32);
    }

    static int tileCol(long key) {
      return (int) key;
    }

    static TilePartial merge(TilePartial a, TilePartial b) {
      if (a.values != null) {
        for (int k = 0; k < a.values.length; k++) {
          a.values[k] += b.values[k];
        }
      } else {
        a.samples += b.samples;
        a.rows += b.rows;
        for (int k = 0; k < a.sum.length; k++) {
          a.sum[k] += b.sum[k];
          a.min[k] = Math.min(a.min[k], b.min[k]);
          a.max[k] = Math.max(a.max[k], b.max[k]);
        }
      }
      return a;
    }
  }

  /** A task's work in the tiled mode: one group of tiles of one layer over one partition. */
  static final class AccumulateTiles
      implements org.apache.spark.api.java.function.PairFlatMapFunction<Iterator<InternalRow>, Long, TilePartial> {
    private static final long serialVersionUID = 1L;
    private final String dataset;
    private final LayerInput layer;
    private final ColumnEncoding encoding;
    private final int ordinal;
    private final int metadataOrdinal;
    private final AutocorrelationJob.Options options;
    private final List<int[]> tiles;
    private final boolean emitStats;

    AccumulateTiles(String dataset, LayerInput layer, ColumnEncoding encoding, int ordinal, int metadataOrdinal,
        AutocorrelationJob.Options options, List<int[]> tiles, boolean emitStats) {
      this.dataset = dataset;
      this.layer = layer;
      this.encoding = encoding;
      this.ordinal = ordinal;
      this.metadataOrdinal = metadataOrdinal;
      this.options = options;
      this.tiles = tiles;
      this.emitStats = emitStats;
    }

    @Override
    public Iterator<Tuple2<Long, TilePartial>> call(Iterator<InternalRow> it) {
      int d = layer.conv() != null ? 0 : layer.dim();
      AutocorrelationAccumulator acc = AutocorrelationAccumulator.tiled(d, layer.conv(), options.biasAugmented,
          options.tileSize, tiles, options.blockSamples);
      ColumnEncoding.RowReader reader = encoding.reader(ordinal, acc.inputSize());
      while (it.hasNext()) {
        InternalRow row = it.next();
        try {
          reader.addTo(row, acc);
        } catch (ColumnEncoding.BadValueException | NonFiniteValueException e) {
          throw RowInput.badRow(dataset, layer, row, metadataOrdinal, e);
        }
      }
      acc.finish();
      List<Tuple2<Long, TilePartial>> out = new ArrayList<>();
      for (int t = 0; t < acc.tileCount(); t++) {
        TilePartial tp = new TilePartial();
        tp.values = acc.tileSum(t);
        out.add(new Tuple2<>(TilePartial.key(acc.tileRow(t), acc.tileCol(t)), tp));
      }
      if (emitStats) {
        TilePartial s = new TilePartial();
        s.samples = acc.samples();
        s.rows = acc.rows();
        s.sum = acc.sums();
        s.min = acc.minima();
        s.max = acc.maxima();
        out.add(new Tuple2<>(TilePartial.STATS_KEY, s));
      }
      return out.iterator();
    }
  }
}
