package io.nncompress.spark.autocorr;

import io.nncompress.linalg.Blas;
import io.nncompress.progress.Phase;
import io.nncompress.progress.Progress;
import io.nncompress.spark.io.AtomicOutput;
import io.nncompress.stats.AutocorrelationAccumulator;
import io.nncompress.stats.AutocorrelationStats;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
        RowInput.AccumulateWhole f = new RowInput.AccumulateWhole(datasetName, ls, es, ordinals, hasMetadata ? resolved.size() : -1,
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
      out.set(k, TiledAutocorrelation.compute(datasetName, rows, l, encodings.get(k), k,
          hasMetadata ? resolved.size() : -1, options));
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

  static int dimOf(LayerInput l) {
    return l.conv() != null ? l.conv().patchSize() : l.dim();
  }

  static void requireRows(String dataset, LayerInput l, long samples) {
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
}
