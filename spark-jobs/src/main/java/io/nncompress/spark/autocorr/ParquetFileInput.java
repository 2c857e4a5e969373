package io.nncompress.spark.autocorr;

import io.nncompress.stats.AutocorrelationAccumulator;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.Partition;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.datasources.FilePartition;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import scala.Tuple2;
import scala.reflect.ClassTag$;

/**
 * The job's fastest read path, for binary (float32 little-endian) columns: each task reads the
 * Parquet pages of its share of the files with parquet-hadoop's page reader and converts the
 * values straight into the accumulators, without Spark's column batches or rows in between.
 *
 * <p>The shares are Spark's own: the {@link FilePartition}s its Parquet scan of the dataset plans
 * (split sizes from spark.sql.files.maxPartitionBytes, small files packed together, preferred hosts),
 * and within a split the row groups whose midpoint falls in it, as Spark's reader takes them. The
 * Hadoop configuration is the session's, so every file system Spark reads works here too.
 *
 * <p>Values are checked per block ({@link AutocorrelationAccumulator#deferChecks}); a bad value (NaN
 * or infinity, a null, a wrong length) still names the dataset, column, layer, file and row. A
 * layer without a given dim takes it from the first value, with no extra pass over the data.
 */
final class ParquetFileInput {
  private ParquetFileInput() {}

  /** One task's share: the files (or byte ranges of them) of one of Spark's file partitions. */
  static final class Split implements Serializable {
    private static final long serialVersionUID = 1L;
    final String[] paths;
    final long[] starts;
    final long[] lengths;

    Split(String[] paths, long[] starts, long[] lengths) {
      this.paths = paths;
      this.starts = starts;
      this.lengths = lengths;
    }
  }

  /** The session's Hadoop configuration, shipped to the executors. */
  static final class HadoopConf implements Serializable {
    private static final long serialVersionUID = 1L;
    private transient Configuration conf;

    HadoopConf(Configuration conf) {
      this.conf = conf;
    }

    Configuration get() {
      return conf;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
      out.defaultWriteObject();
      conf.write(out);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      conf = new Configuration(false);
      conf.readFields(in);
    }
  }

  /**
   * The tasks' shares of the scan's files, with their preferred hosts; null when the scan is not a
   * plain Parquet file scan. Spark's file partitions (at most spark.sql.files.maxPartitionBytes each)
   * are packed into fewer, larger tasks: every task ends with a p x p partial sum to serialize, ship
   * and add (8 MiB at d = 1024), so a task should read far more than it returns. There are at least
   * as many tasks as cores (spark.default.parallelism), and a task reads at most
   * {@link AutocorrelationJob.Options#bytesPerTask} unless that leaves fewer tasks than cores; the
   * count is rounded up to a multiple of the cores (whole waves), the bytes shared about equally.
   */
  static List<Tuple2<Split, scala.collection.immutable.Seq<String>>> splits(SparkSession spark,
      ColumnarInput.Scan scan, AutocorrelationJob.Options options) {
    if (!(scan.plan instanceof FileSourceScanExec)) {
      return null;
    }
    FileSourceScanExec fs = (FileSourceScanExec) scan.plan;
    if (!(fs.relation().fileFormat() instanceof ParquetFileFormat) || !fs.partitionFilters().isEmpty()
        || !fs.dataFilters().isEmpty()) {
      return null;
    }
    List<FilePartition> parts = new ArrayList<>();
    long total = 0;
    for (Partition p : fs.inputRDD().partitions()) {
      if (!(p instanceof FilePartition)) {
        return null;
      }
      parts.add((FilePartition) p);
      total += bytes((FilePartition) p);
    }
    int cores = Math.max(1, spark.sparkContext().defaultParallelism());
    long byBytes = (total + options.bytesPerTask - 1) / Math.max(1, options.bytesPerTask);
    // whole waves: a task count that is not a multiple of the cores leaves cores idle while the last
    // tasks run (3 tasks on 2 cores: the third runs alone)
    long waves = (Math.max(cores, byBytes) + cores - 1) / cores;
    int tasks = (int) Math.min(parts.size(), waves * cores);
    // largest first, each into the task with the fewest bytes so far
    parts.sort((a, b) -> Long.compare(bytes(b), bytes(a)));
    List<List<PartitionedFile>> files = new ArrayList<>();
    List<java.util.Set<String>> hosts = new ArrayList<>();
    long[] load = new long[tasks];
    for (int t = 0; t < tasks; t++) {
      files.add(new ArrayList<>());
      hosts.add(new java.util.LinkedHashSet<>());
    }
    for (FilePartition fp : parts) {
      int t = 0;
      for (int u = 1; u < tasks; u++) {
        if (load[u] < load[t]) {
          t = u;
        }
      }
      load[t] += bytes(fp);
      files.get(t).addAll(List.of(fp.files()));
      hosts.get(t).addAll(List.of(fp.preferredLocations()));
    }
    List<Tuple2<Split, scala.collection.immutable.Seq<String>>> out = new ArrayList<>();
    for (int t = 0; t < tasks; t++) {
      List<PartitionedFile> fl = files.get(t);
      String[] paths = new String[fl.size()];
      long[] starts = new long[fl.size()];
      long[] lengths = new long[fl.size()];
      for (int k = 0; k < fl.size(); k++) {
        paths[k] = fl.get(k).toPath().toString();
        starts[k] = fl.get(k).start();
        lengths[k] = fl.get(k).length();
      }
      out.add(new Tuple2<>(new Split(paths, starts, lengths),
          scala.jdk.javaapi.CollectionConverters.asScala(new ArrayList<>(hosts.get(t))).toList()));
    }
    return out;
  }

  private static long bytes(FilePartition p) {
    long b = 0;
    for (PartitionedFile f : p.files()) {
      b += f.length();
    }
    return b;
  }

  /** What one task (or a merge of tasks) found for each layer. */
  static final class Partial implements Serializable {
    private static final long serialVersionUID = 1L;
    /** The layer's sums; null when the task saw no row of it (or it is too large, see {@link #dims}). */
    final AutocorrelationAccumulator[] acc;
    /** The vector length found, 0 when no row was seen. */
    final int[] dims;
    /** The file the length was first seen in. */
    final String[] dimFiles;
    /** Rows read (a task stops reading once every layer is left to the tiled mode). */
    long rowsRead;

    Partial(int n) {
      acc = new AutocorrelationAccumulator[n];
      dims = new int[n];
      dimFiles = new String[n];
    }
  }

  /** Merges two partials; vectors of different lengths in two files are an error naming both. */
  static Partial merge(String dataset, List<LayerInput> layers, Partial a, Partial b) {
    a.rowsRead += b.rowsRead;
    for (int k = 0; k < a.acc.length; k++) {
      if (b.dims[k] == 0) {
        continue;
      }
      if (a.dims[k] == 0) {
        a.dims[k] = b.dims[k];
        a.dimFiles[k] = b.dimFiles[k];
        a.acc[k] = b.acc[k];
      } else if (a.dims[k] != b.dims[k]) {
        LayerInput l = layers.get(k);
        boolean aFirst = String.valueOf(a.dimFiles[k]).compareTo(String.valueOf(b.dimFiles[k])) <= 0;
        Partial x = aFirst ? a : b;
        Partial y = aFirst ? b : a;
        throw new BadInputException("Dataset " + dataset + ", column " + l.column() + " (layer " + l.name()
            + "): vectors of length " + x.dims[k] + " in file " + x.dimFiles[k] + " but " + y.dims[k] + " in file "
            + y.dimFiles[k]);
      } else if (a.acc[k] != null && b.acc[k] != null) {
        a.acc[k].merge(b.acc[k]);
      }
    }
    return a;
  }

  /** Runs the pass over the splits; the result's accumulators are null for a layer to be tiled. */
  static Partial run(SparkSession spark, ColumnarInput.Scan scan, List<Tuple2<Split, scala.collection.immutable.Seq<String>>> splits,
      String dataset, List<LayerInput> layers, AutocorrelationJob.Options options) {
    FileSourceScanExec fs = (FileSourceScanExec) scan.plan;
    Configuration conf = spark.sessionState().newHadoopConfWithOptions(fs.relation().options());
    List<String> columns = new ArrayList<>();
    for (int k = 0; k < scan.columns.length; k++) {
      columns.add(fs.output().apply(scan.columns[k]).name());
    }
    JavaRDD<Split> rdd = JavaRDD.fromRDD(spark.sparkContext().makeRDD(
          scala.jdk.javaapi.CollectionConverters.asScala(splits).toList(), ClassTag$.MODULE$.apply(Split.class)),
          ClassTag$.MODULE$.apply(Split.class));
    if (rdd.getNumPartitions() == 0) {
      return new Partial(layers.size());
    }
    ParquetPageTask f = new ParquetPageTask(dataset, layers, columns, options, new HadoopConf(conf));
    int depth = AutocorrelationJob.reduceDepth(rdd.getNumPartitions(), options);
    return rdd.mapPartitions(f).treeReduce((a, b) -> merge(dataset, layers, a, b), depth);
  }
}
