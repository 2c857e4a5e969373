package io.nncompress.spark.autocorr;

import io.nncompress.linalg.Blas;
import io.nncompress.progress.Phase;
import io.nncompress.progress.Progress;
import io.nncompress.spark.io.AtomicOutput;
import io.nncompress.stats.AutocorrelationAccumulator;
import io.nncompress.stats.AutocorrelationStats;
import io.nncompress.stats.NonFiniteValueException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The distributed autocorrelation job: for every layer, R = (1/N) sum_n x~_n x~_n^T over the rows of
 * a Parquet column, plus N, mean, min and max per feature.
 *
 * <p>One pass per dataset computes all of its layers. Each task streams its partition into
 * {@link AutocorrelationAccumulator}s (rows packed into blocks, one DSYRK per block), and the
 * partial sums are merged with a tree reduce. A layer with p = d + 1 at or above
 * {@link Options#tileThreshold} is tiled instead: its upper tiles are split into groups of at most
 * {@link Options#maxTilesPerTask}, each task computes one group over one partition, and tiles are
 * reduced by key, so that no task and not the driver ever holds more than a bounded number of tiles.
 */
public final class AutocorrelationJob {
  private static final Logger LOG = LoggerFactory.getLogger(AutocorrelationJob.class);
  static final String FILE_PATH = "_metadata.file_path";
  static final String ROW_INDEX = "_metadata.row_index";

  /** Job options; the defaults are beside each one. */
  public static final class Options implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Append the constant 1 that carries the bias (default true). */
    public boolean biasAugmented = true;
    /** Samples per BLAS call (default 1024). */
    public int blockSamples = AutocorrelationAccumulator.DEFAULT_BLOCK_SAMPLES;
    /** Tile layers with p = d (+1) at or above this (default 8192). */
    public int tileThreshold = 8192;
    /** Tile size in the tiled mode (default 2048). */
    public int tileSize = 2048;
    /** Tiles one task holds at most in the tiled mode (default 4). */
    public int maxTilesPerTask = 4;
    /**
     * Read Parquet's column batches in place where the plan allows it (default true); false reads
     * every dataset through internal rows.
     */
    public boolean columnar = true;
    /**
     * Read binary (float32) columns of Parquet datasets with parquet-hadoop's page reader, straight
     * into the accumulators (default true; see {@link ParquetFileInput}); false leaves them to Spark's
     * readers.
     */
    public boolean direct = true;
    /**
     * Input bytes a task of the direct path reads at most (default 1 GiB), unless that would leave
     * fewer tasks than cores (the count is rounded up to a multiple of the cores); see
     * {@link ParquetFileInput#splits}.
     */
    public long bytesPerTask = 1L << 30;
    /** Depth of the tree reduce (default 2), used above {@link #plainReduceMax} partitions. */
    public int treeDepth = 2;
    /**
     * Up to this many partitions (default 32) the partial sums go straight to the driver, which adds
     * them as tasks finish; above it they are merged in a tree of depth {@link #treeDepth} first.
     */
    public int plainReduceMax = 32;

    public Options validate() {
      check(blockSamples >= 1, "blockSamples must be at least 1, cannot be: " + blockSamples);
      check(tileThreshold >= 2, "tileThreshold must be at least 2, cannot be: " + tileThreshold);
      check(tileSize >= 1, "tileSize must be at least 1, cannot be: " + tileSize);
      check(maxTilesPerTask >= 1, "maxTilesPerTask must be at least 1, cannot be: " + maxTilesPerTask);
      check(treeDepth >= 1, "treeDepth must be at least 1, cannot be: " + treeDepth);
      check(bytesPerTask >= 1, "bytesPerTask must be at least 1, cannot be: " + bytesPerTask);
      check(plainReduceMax >= 0, "plainReduceMax must be at least 0, cannot be: " + plainReduceMax);
      return this;
    }

    private static void check(boolean ok, String message) {
      if (!ok) {
        throw new BadInputException(message);
      }
    }
  }

  /** What the job computed for one layer: the feature statistics, and R whole or as tiles. */
  public static final class LayerResult {
    public static final String COLUMN_BATCHES = "column batches";
    public static final String ROWS = "rows";
    public static final String PARQUET_PAGES = "parquet pages";
    public final LayerInput input;
    public final ColumnEncoding encoding;
    public final int dim;
    public final boolean biasAugmented;
    public final long samples;
    public final long rows;
    public final double[] mean;
    public final double[] min;
    public final double[] max;
    /** How the values were read: {@link #PARQUET_PAGES}, {@link #COLUMN_BATCHES} or {@link #ROWS}. */
    public String reader = ROWS;
    /** R when it was reduced whole (not tiled), else null. */
    public final AutocorrelationStats stats;
    /** The tiles of R (already divided by N) when tiled, else null; persisted, unpersist when done. */
    public final JavaRDD<AutocorrelationTile> tiles;
    public final int tileSize;

    LayerResult(LayerInput input, ColumnEncoding encoding, AutocorrelationStats stats, int tileSize) {
      this.input = input;
      this.encoding = encoding;
      this.dim = stats.dim();
      this.biasAugmented = stats.biasAugmented();
      this.samples = stats.samples();
      this.rows = stats.rows();
      this.mean = stats.mean();
      this.min = stats.min();
      this.max = stats.max();
      this.stats = stats;
      this.tiles = null;
      this.tileSize = tileSize;
    }

    LayerResult(LayerInput input, ColumnEncoding encoding, int dim, boolean biasAugmented, long samples, long rows,
        double[] sum, double[] min, double[] max, JavaRDD<AutocorrelationTile> tiles, int tileSize) {
      this.input = input;
      this.encoding = encoding;
      this.dim = dim;
      this.biasAugmented = biasAugmented;
      this.samples = samples;
      this.rows = rows;
      this.mean = new double[dim];
      for (int k = 0; k < dim; k++) {
        mean[k] = sum[k] / samples;
      }
      this.min = min;
      this.max = max;
      this.stats = null;
      this.tiles = tiles;
      this.tileSize = tileSize;
    }

    public int augmentedDim() {
      return dim + (biasAugmented ? 1 : 0);
    }
  }

  private final SparkSession spark;
  private final Options options;

  public AutocorrelationJob(SparkSession spark, Options options) {
    this.spark = spark;
    this.options = options.validate();
  }

  /**
   * The whole job: checks that the output may be written, computes every layer and writes them
   * atomically under {@code output} (see {@link AutocorrelationStore}).
   */
  public List<LayerResult> run(List<LayerInput> layers, String output, boolean overwrite) {
    AtomicOutput.checkWritable(spark, output, overwrite);
    AtomicOutput.checkNotInput(spark, output, inputsOf(layers));
    List<LayerResult> results = compute(layers);
    try (Phase phase = Progress.phase("write").message(output).start()) {
      AutocorrelationStore.write(spark, output, results, overwrite);
    } finally {
      for (LayerResult r : results) {
        if (r.tiles != null) {
          r.tiles.unpersist(false);
        }
      }
    }
    return results;
  }

  /** The input datasets of the layers, for {@link AtomicOutput#checkNotInput}. */
  public static Map<String, String> inputsOf(List<LayerInput> layers) {
    Map<String, String> in = new LinkedHashMap<>();
    for (LayerInput l : layers) {
      in.put(l.dataset(), "dataset");
    }
    return in;
  }

  /** Computes every layer; layers reading the same dataset share one pass over it. */
  public List<LayerResult> compute(List<LayerInput> layers) {
    LOG.info("Autocorrelation of {} layer(s) with {}", layers.size(), Blas.describe());
    if (!Blas.isNative() && Blas.usesVectorKernels()) {
      LOG.warn("Native BLAS is missing: the accumulation runs on the Vector API kernels (measured 0.8-1.1x native "
          + "OpenBLAS's DSYRK at d = 1024). Install libopenblas0-pthread for native BLAS.");
    } else if (!Blas.isNative()) {
      LOG.warn("Native BLAS is missing: this job will be 40-90x slower. Install libopenblas0-pthread.");
    }
    Map<String, List<LayerInput>> byDataset = new LinkedHashMap<>();
    for (LayerInput l : layers) {
      byDataset.computeIfAbsent(l.dataset(), k -> new ArrayList<>()).add(l);
    }
    List<String> names = new ArrayList<>();
    for (LayerInput l : layers) {
      if (names.contains(l.name())) {
        throw new BadInputException("Layer " + l.name() + " is given twice");
      }
      names.add(l.name());
    }
    Map<String, LayerResult> results = new LinkedHashMap<>();
    for (Map.Entry<String, List<LayerInput>> e : byDataset.entrySet()) {
      Phase phase = Progress.phase("autocorr").step(results.size(), layers.size()).message(e.getValue().size()
          + " layer(s) over " + e.getKey()).start();
      Dataset<Row> df = ParquetInputs.read(spark, e.getKey());
      for (LayerResult r : computeDataset(e.getKey(), df, e.getValue())) {
        results.put(r.input.name(), r);
      }
      phase.close();
    }
    List<LayerResult> ordered = new ArrayList<>();
    for (LayerInput l : layers) {
      ordered.add(results.get(l.name()));
    }
    return ordered;
  }

  /** Computes the layers of one dataset (any DataFrame: from Parquet, or handed in by the Estimator). */
  public List<LayerResult> computeDataset(String datasetName, Dataset<Row> df, List<LayerInput> layers) {
    StructType schema = df.schema();
    List<ColumnEncoding> encodings = new ArrayList<>();
    for (LayerInput l : layers) {
      encodings.add(ParquetInputs.encodingOf(datasetName, schema, l.column()));
    }
    List<LayerResult> out = new ArrayList<>(Collections.nCopies(layers.size(), null));
    List<LayerInput> known = new ArrayList<>(layers);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    if (options.direct) {
      jsc.setJobGroup("nncompress-autocorr", "nncompress autocorr: " + datasetName + " (" + layers.size()
          + " layer(s), Parquet pages)", false);
      computeDirect(datasetName, df, layers, encodings, out, known);
      jsc.clearJobGroup();
    }
    List<Integer> rest = new ArrayList<>();
    for (int k = 0; k < layers.size(); k++) {
      if (out.get(k) == null) {
        rest.add(k);
      }
    }
    if (!rest.isEmpty()) {
      List<LayerResult> sub = computeThroughSpark(datasetName, df, pick(known, rest), pick(encodings, rest));
      for (int i = 0; i < rest.size(); i++) {
        out.set(rest.get(i), sub.get(i));
      }
    }
    return out;
  }

  // the pass over Parquet pages (ParquetFileInput) for the binary layers of a Parquet file scan; fills
  // `out` for the layers it computed and `known` with the dims it found for layers left to tile
  private void computeDirect(String datasetName, Dataset<Row> df, List<LayerInput> layers,
      List<ColumnEncoding> encodings, List<LayerResult> out, List<LayerInput> known) {
    List<Integer> direct = new ArrayList<>();
    for (int k = 0; k < layers.size(); k++) {
      LayerInput l = layers.get(k);
      if (encodings.get(k) != ColumnEncoding.BINARY_FLOAT32_LE) {
        return; // one pass reads every layer of the dataset: Spark's readers then take them all
      }
      if (l.dim() == null || dimOf(l) + (options.biasAugmented ? 1 : 0) < options.tileThreshold) {
        direct.add(k);
      }
    }
    if (direct.isEmpty()) {
      return;
    }
    long t0 = System.nanoTime();
    List<LayerInput> ls = pick(layers, direct);
    List<Column> cols = new ArrayList<>();
    for (LayerInput l : ls) {
      cols.add(functions.col(quote(l.column())));
    }
    ColumnarInput.Scan scan = ColumnarInput.find(df.select(cols.toArray(new Column[0])), pick(encodings, direct));
    var splits = scan == null ? null : ParquetFileInput.splits(spark, scan, options);
    if (splits == null) {
      return;
    }
    LOG.info("{}: reading {} layer(s) from Parquet pages in {} task(s) (planned in {} ms)", datasetName, ls.size(),
        splits.size(), (System.nanoTime() - t0) / 1_000_000);
    ParquetFileInput.Partial r;
    try {
      r = ParquetFileInput.run(spark, scan, splits, datasetName, ls, options);
    } catch (Exception ex) {
      if (BadInputException.find(ex) != null) {
        throw rethrow(datasetName, ex);
      }
      LOG.warn("{}: reading the Parquet pages directly failed ({}); reading through Spark", datasetName,
          ex.toString());
      return;
    }
    lastDirectRowsRead = r.rowsRead;
    for (int i = 0; i < direct.size(); i++) {
      int k = direct.get(i);
      LayerInput l = ls.get(i);
      requireRows(datasetName, l, r.dims[i]);
      LayerInput withDim = l.dim() != null ? l : l.withDim(r.dims[i]);
      known.set(k, withDim);
      if (r.acc[i] == null) {
        continue; // large enough to be tiled: done by the Spark pass, now with its dim
      }
      AutocorrelationStats s = r.acc[i].toStats();
      requireRows(datasetName, l, s.samples());
      LayerResult res = new LayerResult(withDim, encodings.get(k), s, options.tileSize);
      res.reader = LayerResult.PARQUET_PAGES;
      out.set(k, res);
    }
  }

  // rows the last pass over Parquet pages read (for tests: it stops early when all is to be tiled)
  long lastDirectRowsRead = -1;

  /** The partial sums of this many partitions are merged in a tree of this depth (1: by the driver). */
  static int reduceDepth(int partitions, Options o) {
    return AccumulatorReduction.depth(partitions, o);
  }

  // Spark's readers: column batches when the plan has them, else internal rows (which name file and row)
  private List<LayerResult> computeThroughSpark(String datasetName, Dataset<Row> df, List<LayerInput> layers,
      List<ColumnEncoding> encodings) {
    List<LayerInput> resolved = new ArrayList<>();
    for (int k = 0; k < layers.size(); k++) {
      LayerInput l = layers.get(k);
      resolved.add(l.dim() != null ? l : l.withDim(ParquetInputs.inferDim(datasetName, df, l.column(),
          encodings.get(k))));
    }
    boolean hasMetadata = ParquetInputs.hasFileMetadata(df);
    List<Column> cols = new ArrayList<>();
    for (LayerInput l : resolved) {
      cols.add(functions.col(quote(l.column())));
    }
    if (hasMetadata) {
      cols.add(functions.col(FILE_PATH));
      cols.add(functions.col(ROW_INDEX));
    }
    Dataset<Row> selected = df.select(cols.toArray(new Column[0]));
    JavaRDD<InternalRow> rows = selected.queryExecution().toRdd().toJavaRDD();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());

    List<LayerResult> out = new ArrayList<>(Collections.nCopies(resolved.size(), null));
    List<Integer> whole = new ArrayList<>();
    List<Integer> tiled = new ArrayList<>();
    for (int k = 0; k < resolved.size(); k++) {
      int p = dimOf(resolved.get(k)) + (options.biasAugmented ? 1 : 0);
      (p >= options.tileThreshold ? tiled : whole).add(k);
    }
    String what = datasetName + " (" + resolved.size() + " layer(s))";
    if (!whole.isEmpty()) {
      jsc.setJobGroup("nncompress-autocorr", "nncompress autocorr: " + what, false);
      List<LayerInput> ls = pick(resolved, whole);
      List<ColumnEncoding> es = pick(encodings, whole);
      int[] ordinals = whole.stream().mapToInt(Integer::intValue).toArray();
      AutocorrelationAccumulator[] merged = options.columnar ? computeColumnar(datasetName, df, ls, es) : null;
      boolean columnar = merged != null;
      if (merged == null) {
        AccumulateWhole f = new AccumulateWhole(datasetName, ls, es, ordinals, hasMetadata ? resolved.size() : -1,
            options);
        try {
          merged = AccumulatorReduction.reduce(rows.mapPartitions(f), options);
        } catch (Exception ex) { // Spark's SparkException is checked in Java's eyes
          throw rethrow(datasetName, ex);
        }
      }
      for (int k = 0; k < whole.size(); k++) {
        AutocorrelationStats s = merged[k].toStats();
        requireRows(datasetName, ls.get(k), s.samples());
        LayerResult r = new LayerResult(ls.get(k), es.get(k), s, options.tileSize);
        r.reader = columnar ? LayerResult.COLUMN_BATCHES : LayerResult.ROWS;
        out.set(whole.get(k), r);
      }
    }
    for (int k : tiled) {
      LayerInput l = resolved.get(k);
      jsc.setJobGroup("nncompress-autocorr", "nncompress autocorr (tiled): " + l.name() + " from " + datasetName,
          false);
      out.set(k, computeTiled(datasetName, jsc, rows, l, encodings.get(k), k, hasMetadata ? resolved.size() : -1));
    }
    jsc.clearJobGroup();
    return out;
  }

  // the whole-mode pass over column batches; null when the plan has none, or a value needs the row path
  private AutocorrelationAccumulator[] computeColumnar(String datasetName, Dataset<Row> df, List<LayerInput> ls,
      List<ColumnEncoding> es) {
    List<Column> cols = new ArrayList<>();
    for (LayerInput l : ls) {
      cols.add(functions.col(quote(l.column())));
    }
    ColumnarInput.Scan scan = ColumnarInput.find(df.select(cols.toArray(new Column[0])), es);
    if (scan == null) {
      LOG.info("{}: reading rows (no columnar scan of these columns)", datasetName);
      return null;
    }
    try {
      JavaRDD<ColumnarBatch> batches = scan.batches();
      return AccumulatorReduction.reduce(batches.mapPartitions(new ColumnarInput.Accumulate(ls, es, scan.columns,
          options)), options);
    } catch (Exception ex) {
      if (ColumnarInput.Unreadable.in(ex)) {
        LOG.info("{}: a value the column batches cannot take ({}); reading rows to name its file and row",
            datasetName, ex.getMessage());
        return null;
      }
      throw rethrow(datasetName, ex);
    }
  }

  private LayerResult computeTiled(String datasetName, JavaSparkContext jsc, JavaRDD<InternalRow> rows, LayerInput l,
      ColumnEncoding enc, int ordinal, int metadataOrdinal) {
    int p = dimOf(l) + (options.biasAugmented ? 1 : 0);
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
      throw rethrow(datasetName, ex);
    }
    requireRows(datasetName, l, stats.samples);
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
    return new LayerResult(l, enc, dimOfStats(l), options.biasAugmented, stats.samples, stats.rows, stats.sum,
        stats.min, stats.max, tiles, options.tileSize);
  }

  private static int dimOf(LayerInput l) {
    return l.conv() != null ? l.conv().patchSize() : l.dim();
  }

  private static int dimOfStats(LayerInput l) {
    return dimOf(l);
  }

  private static void requireRows(String dataset, LayerInput l, long samples) {
    if (samples == 0) {
      throw new BadInputException("Dataset " + dataset + ", column " + l.column() + " (layer " + l.name()
          + "): the dataset has no rows");
    }
  }

  private static <T> List<T> pick(List<T> all, List<Integer> idx) {
    List<T> out = new ArrayList<>();
    for (int k : idx) {
      out.add(all.get(k));
    }
    return out;
  }

  static String quote(String column) {
    return "`" + column.replace("`", "``") + "`";
  }


  static RuntimeException rethrow(String dataset, Exception ex) {
    BadInputException bad = BadInputException.find(ex);
    if (bad != null) {
      return new BadInputException(bad.getMessage(), ex);
    }
    return ParquetInputs.wrapReadFailure(dataset, ex);
  }

  static AutocorrelationAccumulator newAccumulator(LayerInput l, Options o) {
    return l.conv() != null
        ? AutocorrelationAccumulator.conv(l.conv(), o.biasAugmented, o.blockSamples)
        : AutocorrelationAccumulator.dense(l.dim(), o.biasAugmented, o.blockSamples);
  }

  /** Names the dataset, column, file and row of a bad value. */
  static BadInputException badRow(String dataset, LayerInput l, InternalRow row, int metadataOrdinal,
      RuntimeException e) {
    StringBuilder sb = new StringBuilder("Dataset ").append(dataset).append(", column ").append(l.column())
        .append(" (layer ").append(l.name()).append(")");
    if (metadataOrdinal >= 0) {
      sb.append(", file ").append(row.getUTF8String(metadataOrdinal)).append(", row ")
          .append(row.getLong(metadataOrdinal + 1));
    }
    String msg = e instanceof NonFiniteValueException
        ? "value " + ((NonFiniteValueException) e).value() + " at index " + ((NonFiniteValueException) e).feature()
            + " is not finite (NaN or infinity)"
        : e.getMessage();
    return new BadInputException(sb.append(": ").append(msg).toString(), e);
  }

  /** A task's work in the whole mode: all layers of the dataset over one partition. */
  static final class AccumulateWhole
      implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<InternalRow>,
          AutocorrelationAccumulator[]> {
    private static final long serialVersionUID = 1L;
    private final String dataset;
    private final List<LayerInput> layers;
    private final List<ColumnEncoding> encodings;
    private final int[] ordinals;
    private final int metadataOrdinal;
    private final Options options;

    AccumulateWhole(String dataset, List<LayerInput> layers, List<ColumnEncoding> encodings, int[] ordinals,
        int metadataOrdinal, Options options) {
      this.dataset = dataset;
      this.layers = layers;
      this.encodings = encodings;
      this.ordinals = ordinals;
      this.metadataOrdinal = metadataOrdinal;
      this.options = options;
    }

    @Override
    public Iterator<AutocorrelationAccumulator[]> call(Iterator<InternalRow> it) {
      int n = layers.size();
      AutocorrelationAccumulator[] acc = new AutocorrelationAccumulator[n];
      ColumnEncoding.RowReader[] readers = new ColumnEncoding.RowReader[n];
      for (int k = 0; k < n; k++) {
        acc[k] = newAccumulator(layers.get(k), options);
        readers[k] = encodings.get(k).reader(ordinals[k], acc[k].inputSize());
      }
      while (it.hasNext()) {
        InternalRow row = it.next();
        for (int k = 0; k < n; k++) {
          try {
            readers[k].addTo(row, acc[k]);
          } catch (ColumnEncoding.BadValueException | NonFiniteValueException e) {
            throw badRow(dataset, layers.get(k), row, metadataOrdinal, e);
          }
        }
      }
      for (AutocorrelationAccumulator a : acc) {
        a.finish();
      }
      return Collections.singletonList(acc).iterator();
    }
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
    private final Options options;
    private final List<int[]> tiles;
    private final boolean emitStats;

    AccumulateTiles(String dataset, LayerInput layer, ColumnEncoding encoding, int ordinal, int metadataOrdinal,
        Options options, List<int[]> tiles, boolean emitStats) {
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
          throw badRow(dataset, layer, row, metadataOrdinal, e);
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
