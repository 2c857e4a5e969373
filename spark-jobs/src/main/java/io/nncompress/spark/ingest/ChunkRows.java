package io.nncompress.spark.ingest;

import io.nncompress.spark.autocorr.BadInputException;
import java.io.EOFException;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * One task's rows: reads its chunks (row ranges of shard blocks) from the files in buffers of a
 * few MiB, and turns each row into a float32 little-endian {@code byte[]} (one Parquet binary
 * value), checking that every value is finite. Memory does not grow with the chunk.
 */
final class ChunkRows implements Iterator<Row> {
  /** Bytes read from a file at once (rounded to whole rows, at least one row). */
  static final int BUFFER_BYTES = 4 << 20;

  /** Rows [from, to) of one block. */
  static final class Chunk implements Serializable {
    private static final long serialVersionUID = 1L;
    final ShardBlock block;
    final long from;
    final long to;

    Chunk(ShardBlock block, long from, long to) {
      this.block = block;
      this.from = from;
      this.to = to;
    }

    long float32Bytes() {
      return (to - from) * 4L * block.d;
    }
  }

  private final Configuration conf;
  private final List<Chunk> chunks;
  private int next;
  private Chunk chunk;
  private FSDataInputStream in;
  private long row; // next row of the chunk to return
  private long bufferedTo; // rows [bufferFrom, bufferedTo) are in the buffer
  private long bufferFrom;
  private byte[] raw;
  private ByteBuffer view;

  ChunkRows(Configuration conf, List<Chunk> chunks) {
    this.conf = conf;
    this.chunks = chunks;
    TaskContext tc = TaskContext.get();
    if (tc != null) {
      tc.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) ctx -> close());
    }
  }

  @Override
  public boolean hasNext() {
    while (chunk == null || row >= chunk.to) {
      close();
      if (next >= chunks.size()) {
        return false;
      }
      open(chunks.get(next++));
    }
    return true;
  }

  @Override
  public Row next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    if (row >= bufferedTo) {
      fill();
    }
    ShardBlock b = chunk.block;
    int d = b.d;
    int base = (int) ((row - bufferFrom) * d);
    byte[] out = new byte[4 * d];
    ShardDtype t = b.dtype;
    if (t == ShardDtype.FLOAT32 && b.littleEndian) {
      // already the Parquet value's bytes: copy them, then check the exponents
      System.arraycopy(raw, base * 4, out, 0, out.length);
      for (int k = 0; k < d; k++) {
        if ((view.getInt((base + k) * 4) & 0x7f800000) == 0x7f800000) {
          throw notFinite(b, k, t.original(view, base + k));
        }
      }
      row++;
      return RowFactory.create((Object) out);
    }
    ByteBuffer o = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    for (int k = 0; k < d; k++) {
      float v = t.get(view, base + k);
      if (!Float.isFinite(v)) {
        throw notFinite(b, k, t.original(view, base + k));
      }
      o.putFloat(4 * k, v);
    }
    row++;
    return RowFactory.create((Object) out);
  }

  private BadInputException notFinite(ShardBlock b, int k, double orig) {
    return new BadInputException("File " + b.file + (b.tensor != null ? ", tensor '" + b.tensor + "'" : "")
        + ", row " + row + ": value " + orig + " at index " + k
        + (Double.isFinite(orig) ? " overflows float32" : " is not finite (NaN or infinity)"));
  }

  private void open(Chunk c) {
    chunk = c;
    row = c.from;
    bufferFrom = c.from;
    bufferedTo = c.from;
    long rowBytes = c.block.rowBytes();
    int rows = (int) Math.max(1, Math.min(c.to - c.from, BUFFER_BYTES / rowBytes));
    if (raw == null || raw.length < rows * rowBytes) {
      raw = new byte[(int) (rows * rowBytes)];
    }
    view = ByteBuffer.wrap(raw).order(c.block.littleEndian ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    try {
      Path p = new Path(c.block.file);
      in = p.getFileSystem(conf).open(p);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot open " + c.block.file, e);
    }
  }

  private void fill() {
    ShardBlock b = chunk.block;
    long rowBytes = b.rowBytes();
    long rows = Math.min(chunk.to - row, raw.length / rowBytes);
    int bytes = (int) (rows * rowBytes);
    long pos = b.offset + row * rowBytes;
    try {
      in.readFully(pos, raw, 0, bytes);
    } catch (EOFException e) {
      throw new BadInputException("File " + b.file + " is truncated: rows up to " + (row + rows) + " need bytes up to "
          + (pos + bytes) + ", the file ends before (it changed after its header was checked)");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + b.file + " at byte " + pos, e);
    }
    bufferFrom = row;
    bufferedTo = row + rows;
  }

  private void close() {
    if (in != null) {
      try {
        in.close();
      } catch (IOException e) {
        // read-only stream: nothing to lose
      }
      in = null;
    }
  }
}
