package io.nncompress.spark.ingest;

import io.nncompress.progress.Phase;
import io.nncompress.progress.Progress;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.io.AtomicOutput;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code nncompress ingest}: turns .npy / safetensors activation shards into one Parquet dataset per
 * layer, {@code OUTPUT/<layer>}, with one {@code binary} column of float32 little-endian rows (the
 * encoding autocorr reads straight from the Parquet pages).
 *
 * <p>The driver lists the shards and reads their headers only ({@link ShardListing}); the data is
 * read by the tasks, each a run of row ranges of the shards ({@link ChunkRows}) of at most
 * {@link Options#maxTaskBytes} of float32 output, at least one task per core when the layer is
 * large enough, in the shards' order, so the dataset's files hold the rows in the input's order.
 * Spark's Parquet writer writes them under an {@link AtomicOutput}: all layers or nothing.
 */
public final class ShardIngest {
  private static final Logger LOG = LoggerFactory.getLogger(ShardIngest.class);

  public static final class Options {
    /** The Parquet column of every layer's dataset. */
    public String column = "input";
    /** A task writes at most this many bytes of float32 values (unless one row is larger). */
    public long maxTaskBytes = 64L << 20;
  }

  private final SparkSession spark;
  private final Options options;

  public ShardIngest(SparkSession spark, Options options) {
    this.spark = spark;
    this.options = options;
    if (options.column == null || options.column.isBlank() || options.column.contains(",")
        || options.column.contains("=")) {
      throw new BadInputException("--column must be a name without ',' or '=', cannot be: '" + options.column + "'");
    }
  }

  /** Everything but the values: the output may be written, every shard's header, one d per layer. */
  public List<LayerShards> validate(String input, String output, boolean overwrite) {
    AtomicOutput.checkWritable(spark, output, overwrite);
    return ShardListing.list(spark.sparkContext().hadoopConfiguration(), input);
  }

  /** Ingests every layer of {@code input} into {@code output}; returns the layers as written. */
  public List<LayerShards> run(String input, String output, boolean overwrite) {
    List<LayerShards> layers = validate(input, output, overwrite);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SerializableConfiguration> conf =
        jsc.broadcast(new SerializableConfiguration(spark.sparkContext().hadoopConfiguration()));
    StructType schema = new StructType().add(options.column, DataTypes.BinaryType, false);
    try {
      AtomicOutput.commit(spark, output, overwrite, tmp -> {
        for (int k = 0; k < layers.size(); k++) {
          LayerShards layer = layers.get(k);
          List<List<ChunkRows.Chunk>> tasks =
              plan(layer, options.maxTaskBytes, spark.sparkContext().defaultParallelism());
          try (Phase phase = Progress.phase("ingest").layer(layer.name).step(k, layers.size())
              .message(layer.rows() + " rows x " + layer.d() + " from " + layer.files + " shard(s) in "
                  + tasks.size() + " task(s)").start()) {
            JavaRDD<Row> rows = jsc.parallelize(tasks, tasks.size())
                .mapPartitions(it -> taskRows(conf.value().value(), it));
            // every value is a distinct vector: a dictionary would only be built to be dropped
            spark.createDataFrame(rows, schema).write().option("parquet.enable.dictionary", "false")
                .parquet(new Path(tmp, layer.name).toString());
          }
        }
      });
    } finally {
      conf.destroy();
    }
    LOG.info("Ingested {} layer(s) into {}", layers.size(), output);
    return layers;
  }

  /**
   * The tasks of one layer: rows per task = min(maxTaskBytes of float32 rows, rows / cores rounded
   * up), at least one; the blocks are cut into row ranges and consecutive ranges packed into tasks of
   * that many rows, in order.
   */
  static List<List<ChunkRows.Chunk>> plan(LayerShards layer, long maxTaskBytes, int cores) {
    long rows = layer.rows();
    int c = Math.max(1, cores);
    long rowsPerTask = Math.max(1, Math.min(maxTaskBytes / (4L * layer.d()), (rows + c - 1) / c));
    List<List<ChunkRows.Chunk>> tasks = new ArrayList<>();
    List<ChunkRows.Chunk> current = new ArrayList<>();
    long inCurrent = 0;
    for (ShardBlock b : layer.blocks) {
      long from = 0;
      while (from < b.rows) {
        long to = Math.min(b.rows, from + rowsPerTask - inCurrent);
        current.add(new ChunkRows.Chunk(b, from, to));
        inCurrent += to - from;
        from = to;
        if (inCurrent == rowsPerTask) {
          tasks.add(current);
          current = new ArrayList<>();
          inCurrent = 0;
        }
      }
    }
    if (!current.isEmpty()) {
      tasks.add(current);
    }
    return tasks;
  }

  /** A task's rows: the chunks of the one task list in its partition. */
  private static java.util.Iterator<Row> taskRows(org.apache.hadoop.conf.Configuration conf,
      java.util.Iterator<List<ChunkRows.Chunk>> tasks) {
    List<ChunkRows.Chunk> all = new ArrayList<>();
    tasks.forEachRemaining(all::addAll);
    return new ChunkRows(conf, all);
  }
}
