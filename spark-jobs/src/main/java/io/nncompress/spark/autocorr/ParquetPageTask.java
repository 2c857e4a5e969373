package io.nncompress.spark.autocorr;

import io.nncompress.stats.AutocorrelationAccumulator;
import io.nncompress.stats.NonFiniteValueException;
import java.io.IOException;
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
import org.apache.spark.api.java.function.FlatMapFunction;

/**
 * A task of {@link ParquetFileInput}'s pass: reads the Parquet pages of its splits with
 * parquet-hadoop's page reader and converts the values straight into the layers' accumulators.
 */
final class ParquetPageTask implements FlatMapFunction<Iterator<ParquetFileInput.Split>, ParquetFileInput.Partial> {
  private static final long serialVersionUID = 1L;
  private final String dataset;
  private final List<LayerInput> layers;
  private final List<String> columns;
  private final AutocorrelationJob.Options options;
  private final ParquetFileInput.HadoopConf conf;

  ParquetPageTask(String dataset, List<LayerInput> layers, List<String> columns, AutocorrelationJob.Options options,
      ParquetFileInput.HadoopConf conf) {
    this.dataset = dataset;
    this.layers = layers;
    this.columns = columns;
    this.options = options;
    this.conf = conf;
  }

  @Override
  public Iterator<ParquetFileInput.Partial> call(Iterator<ParquetFileInput.Split> it) throws IOException {
    Task t = new Task();
    while (it.hasNext() && !t.allSkipped()) {
      ParquetFileInput.Split s = it.next();
      for (int f = 0; f < s.paths.length && !t.allSkipped(); f++) {
        t.read(s.paths[f], s.starts[f], s.lengths[f]);
      }
    }
    t.finish();
    return Collections.singletonList(t.out).iterator();
  }

  private final class Task {
    final int n = layers.size();
    final ParquetFileInput.Partial out = new ParquetFileInput.Partial(n);
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

  /** parquet-column's record reading is not used: the column readers are read directly. */
  static final GroupConverter NO_CONVERTER = new GroupConverter() {
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
}
