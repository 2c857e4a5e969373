package io.nncompress.spark.autocorr;

import io.nncompress.stats.AutocorrelationAccumulator;
import io.nncompress.stats.NonFiniteValueException;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.lang.ref.SoftReference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.bytes.ByteBufferAllocator;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
import org.apache.spark.Partition;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
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
    Accumulate f = new Accumulate(dataset, layers, columns, options, new HadoopConf(conf));
    int depth = AutocorrelationJob.reduceDepth(rdd.getNumPartitions(), options);
    return rdd.mapPartitions(f).treeReduce((a, b) -> merge(dataset, layers, a, b), depth);
  }

  private static final GroupConverter NO_CONVERTER = new GroupConverter() {
    @Override
    public Converter getConverter(int fieldIndex) {
      return new PrimitiveConverter() {};
    }

    @Override
    public void start() {}

    @Override
    public void end() {}
  };

  /**
   * Heap buffers for parquet-hadoop's reads of column chunks (a whole row group's chunk, 100 MB and
   * more), given back when the row group is done and reused by the next one in any task of this JVM,
   * so that reading does not allocate, zero and fault in a row group's worth of fresh memory every
   * time. Sizes are rounded up (to 1/8 of their power of two) so that the chunks of similar row
   * groups share buffers; at most {@link #KEPT} are kept, softly (the GC may take them).
   */
  static final class ReusedBuffers implements ByteBufferAllocator {
    static final ReusedBuffers INSTANCE = new ReusedBuffers();
    static final int KEPT = 8;
    private final ConcurrentLinkedDeque<SoftReference<ByteBuffer>> free = new ConcurrentLinkedDeque<>();

    /** The capacity a request of {@code size} bytes gets. */
    static int capacity(int size) {
      if (size <= 4096) {
        return size;
      }
      int step = Integer.highestOneBit(size) >>> 3;
      long c = ((long) size + step - 1) / step * step;
      return (int) Math.min(c, Integer.MAX_VALUE - 8);
    }

    @Override
    public ByteBuffer allocate(int size) {
      for (Iterator<SoftReference<ByteBuffer>> it = free.iterator(); it.hasNext();) {
        SoftReference<ByteBuffer> ref = it.next();
        ByteBuffer b = ref.get();
        if (b == null) {
          free.remove(ref);
        } else if (b.capacity() >= size && b.capacity() <= 2L * capacity(size) && free.remove(ref)) {
          b.clear().limit(size);
          return b;
        }
      }
      return ByteBuffer.allocate(capacity(size)).limit(size);
    }

    @Override
    public void release(ByteBuffer b) {
      free.push(new SoftReference<>(b));
      while (free.size() > KEPT) {
        free.pollLast();
      }
    }

    @Override
    public boolean isDirect() {
      return false;
    }
  }

  /** A task: reads its splits' pages and accumulates every layer. */
  static final class Accumulate implements FlatMapFunction<Iterator<Split>, Partial> {
    private static final long serialVersionUID = 1L;
    private final String dataset;
    private final List<LayerInput> layers;
    private final List<String> columns;
    private final AutocorrelationJob.Options options;
    private final HadoopConf conf;

    Accumulate(String dataset, List<LayerInput> layers, List<String> columns, AutocorrelationJob.Options options,
        HadoopConf conf) {
      this.dataset = dataset;
      this.layers = layers;
      this.columns = columns;
      this.options = options;
      this.conf = conf;
    }

    @Override
    public Iterator<Partial> call(Iterator<Split> it) throws IOException {
      Task t = new Task();
      while (it.hasNext() && !t.allSkipped()) {
        Split s = it.next();
        for (int f = 0; f < s.paths.length && !t.allSkipped(); f++) {
          t.read(s.paths[f], s.starts[f], s.lengths[f]);
        }
      }
      t.finish();
      return Collections.singletonList(t.out).iterator();
    }

    private final class Task {
      final int n = layers.size();
      final Partial out = new Partial(n);
      final float[][] values = new float[n][];
      // for each layer, the file and row of each row added since its last flush
      final String[][] slotFile = new String[n][];
      final long[][] slotRow = new long[n][];
      final boolean[] skip = new boolean[n];
      int skipped;
      String file;
      long row;
      ReusedPageCodecs codecs;

      Task() {
        for (int k = 0; k < n; k++) {
          LayerInput l = layers.get(k);
          if (l.dim() != null) {
            start(k, l.dim(), null);
          }
        }
      }

      private void start(int k, int d, String firstFile) {
        LayerInput l = layers.get(k);
        out.dims[k] = d;
        out.dimFiles[k] = firstFile;
        int p = (l.conv() != null ? l.conv().patchSize() : d) + (options.biasAugmented ? 1 : 0);
        if (p >= options.tileThreshold) {
          skip[k] = true; // tiled afterwards, now that d is known
          skipped++;
          return;
        }
        AutocorrelationAccumulator a = l.conv() != null ? AutocorrelationJob.newAccumulator(l, options)
            : AutocorrelationAccumulator.dense(d, options.biasAugmented, options.blockSamples).deferChecks(true);
        out.acc[k] = a;
        values[k] = new float[a.inputSize()];
        slotFile[k] = new String[a.blockSamples()];
        slotRow[k] = new long[a.blockSamples()];
      }

      void read(String path, long start, long length) throws IOException {
        Configuration c = conf.get();
        Path hp = new Path(path);
        file = path;
        if (codecs == null) {
          codecs = new ReusedPageCodecs(c);
        }
        try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(hp, c),
            HadoopReadOptions.builder(c, hp).withRange(start, start + length).withAllocator(ReusedBuffers.INSTANCE)
                .withCodecFactory(codecs).build())) {
          MessageType schema = r.getFooter().getFileMetaData().getSchema();
          List<Type> fields = new ArrayList<>();
          int[] columnOf = new int[n];
          for (int k = 0; k < n; k++) {
            Type t = field(schema, columns.get(k), k);
            int at = fields.indexOf(t);
            if (at < 0) {
              at = fields.size();
              fields.add(t);
            }
            columnOf[k] = at;
          }
          MessageType projection = new MessageType(schema.getName(), fields);
          r.setRequestedSchema(projection);
          List<ColumnDescriptor> descriptors = projection.getColumns();
          String createdBy = r.getFooter().getFileMetaData().getCreatedBy();
          while (!allSkipped()) {
            codecs.nextRowGroup();
            try (PageReadStore group = r.readNextRowGroup()) {
              if (group == null) {
                break;
              }
              readGroup(path, group, projection, descriptors, createdBy, columnOf);
            }
          }
        }
      }

      private void readGroup(String path, PageReadStore group, MessageType projection,
          List<ColumnDescriptor> descriptors, String createdBy, int[] columnOf) throws IOException {
        long first = group.getRowIndexOffset().orElseThrow(
            () -> new IOException("Parquet reader gave no row index for a row group of " + path));
        ColumnReadStoreImpl store = new ColumnReadStoreImpl(group, NO_CONVERTER, projection, createdBy);
        ColumnReader[] readers = new ColumnReader[descriptors.size()];
        int[] maxDef = new int[readers.length];
        for (int c2 = 0; c2 < readers.length; c2++) {
          readers[c2] = store.getColumnReader(descriptors.get(c2));
          maxDef[c2] = descriptors.get(c2).getMaxDefinitionLevel();
        }
        codecs.reuseFromNow(); // dictionaries and first pages are read: data pages can share arrays
        long rows = group.getRowCount();
        ByteBuffer[] bytes = new ByteBuffer[readers.length];
        for (long i = 0; i < rows && !allSkipped(); i++) {
          out.rowsRead++;
          row = first + i;
          for (int c2 = 0; c2 < readers.length; c2++) {
            if (readers[c2].getCurrentDefinitionLevel() < maxDef[c2]) {
              bytes[c2] = null;
            } else {
              Binary b = readers[c2].getBinary();
              bytes[c2] = b.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            }
            readers[c2].consume();
          }
          for (int k = 0; k < n; k++) {
            if (!skip[k]) {
              add(k, bytes[columnOf[k]]);
            }
          }
        }
      }

      private Type field(MessageType schema, String column, int k) {
        Type found = null;
        if (schema.containsField(column)) {
          found = schema.getType(column);
        } else {
          for (Type t : schema.getFields()) {
            if (t.getName().toLowerCase(Locale.ROOT).equals(column.toLowerCase(Locale.ROOT))) {
              if (found != null) {
                throw bad(k, "the file has two columns that differ from '" + column + "' only in case");
              }
              found = t;
            }
          }
        }
        if (found == null) {
          throw bad(k, "the file has no column '" + column + "'");
        }
        if (!found.isPrimitive() || found.isRepetition(Type.Repetition.REPEATED)
            || found.asPrimitiveType().getPrimitiveTypeName() != PrimitiveType.PrimitiveTypeName.BINARY) {
          throw bad(k, "the file stores it as " + found + ", not binary");
        }
        return found;
      }

      private void add(int k, ByteBuffer bytes) {
        if (bytes == null) {
          throw badRow(k, "null value");
        }
        int size = bytes.remaining();
        if (out.dims[k] == 0) {
          if (size == 0 || size % 4 != 0) {
            throw badRow(k, "binary value of " + size + " bytes is not a whole number of float32 values");
          }
          start(k, size / 4, file);
          if (skip[k]) {
            return;
          }
        }
        float[] v = values[k];
        if (size != 4 * v.length) {
          throw badRow(k, "binary value of " + size + " bytes holds " + size / 4.0 + " float32 values, expected "
              + v.length + " (" + 4 * v.length + " bytes)");
        }
        bytes.asFloatBuffer().get(v);
        AutocorrelationAccumulator a = out.acc[k];
        int slot = a.pendingRows();
        slotFile[k][slot] = file;
        slotRow[k][slot] = row;
        try {
          a.addRow(v, 0);
        } catch (NonFiniteValueException e) {
          throw nonFinite(k, e);
        }
      }

      // every layer is to be tiled: nothing left to read in this pass
      boolean allSkipped() {
        return skipped == n;
      }

      void finish() {
        for (int k = 0; k < n; k++) {
          if (out.acc[k] != null) {
            try {
              out.acc[k].finish();
            } catch (NonFiniteValueException e) {
              throw nonFinite(k, e);
            }
          }
        }
      }

      private BadInputException nonFinite(int k, NonFiniteValueException e) {
        if (e.pendingRow() >= 0) {
          file = slotFile[k][e.pendingRow()];
          row = slotRow[k][e.pendingRow()];
        }
        return badRow(k, "value " + e.value() + " at index " + e.feature() + " is not finite (NaN or infinity)");
      }

      private BadInputException badRow(int k, String what) {
        return bad(k, "file " + file + ", row " + row + ": " + what);
      }

      private BadInputException bad(int k, String what) {
        LayerInput l = layers.get(k);
        return new BadInputException("Dataset " + dataset + ", column " + l.column() + " (layer " + l.name() + "), "
            + (what.startsWith("file ") ? what : "file " + file + ": " + what));
      }
    }
  }
}
