package io.nncompress.format.safetensors;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A tensor of a safetensors file left on file: its place in the file, taken from the validated
 * header ({@link SafetensorsReader#slice}), and optionally a selection of its rows. Reading rows
 * reads only their bytes: a task can read its own row range of a tensor too large to hold in one
 * process. The file must be readable at the same path wherever rows are read, and unchanged since
 * the header was read (size and modification time are checked at each read).
 */
public final class SafetensorsSlice implements TensorSource {
  private static final long serialVersionUID = 1L;
  private final String file;
  private final String name;
  private final SafetensorsDtype dtype;
  private final long[] fileShape;
  private final long dataOffset; // absolute byte offset of row 0 of the tensor
  private final int rowLength;
  private final int[] rowIndex; // the tensor's rows in this slice's order, or null for all
  private final long fileSize;
  private final long modified;

  SafetensorsSlice(String file, String name, SafetensorsDtype dtype, long[] fileShape, long dataOffset, int[] rowIndex,
      long fileSize, long modified) {
    if (fileShape.length < 1) {
      throw new IllegalArgumentException("tensor '" + name + "' of " + file + " is a scalar: it has no rows");
    }
    this.file = file;
    this.name = name;
    this.dtype = dtype;
    this.fileShape = fileShape.clone();
    this.dataOffset = dataOffset;
    long len = 1;
    for (int d = 1; d < fileShape.length; d++) {
      len *= fileShape[d];
    }
    this.rowLength = (int) len;
    this.rowIndex = rowIndex;
    this.fileSize = fileSize;
    this.modified = modified;
  }

  static SafetensorsSlice of(Path file, String name, SafetensorsDtype dtype, long[] shape, long dataOffset)
      throws IOException {
    return new SafetensorsSlice(file.toAbsolutePath().toString(), name, dtype, shape, dataOffset, null,
        Files.size(file), Files.getLastModifiedTime(file).toMillis());
  }

  public String file() {
    return file;
  }

  public String tensorName() {
    return name;
  }

  /** Values per row: the product of the dimensions after the first. */
  public int rowLength() {
    return rowLength;
  }

  /** Rows of this slice. */
  public int rowCount() {
    return rowIndex == null ? (int) fileShape[0] : rowIndex.length;
  }

  @Override
  public long[] shape() {
    long[] s = fileShape.clone();
    s[0] = rowCount();
    return s;
  }

  /** The slice of the given rows of this slice (indices into this slice's rows, any order). */
  @Override
  public SafetensorsSlice selectRows(int[] rows) {
    int[] idx = new int[rows.length];
    for (int i = 0; i < rows.length; i++) {
      if (rows[i] < 0 || rows[i] >= rowCount()) {
        throw new IllegalArgumentException("row " + rows[i] + " of tensor '" + name + "' is out of 0.."
            + (rowCount() - 1));
      }
      idx[i] = rowIndex == null ? rows[i] : rowIndex[rows[i]];
    }
    return new SafetensorsSlice(file, name, dtype, fileShape, dataOffset, idx, fileSize, modified);
  }

  @Override
  public double[] rows(int from, int to) {
    if (from < 0 || to > rowCount() || from > to) {
      throw new IllegalArgumentException("rows [" + from + ", " + to + ") of tensor '" + name + "' are out of 0.."
          + rowCount());
    }
    SafetensorsReader.notifyRead(file, name);
    double[] out = new double[(to - from) * rowLength];
    long rowBytes = (long) rowLength * dtype.size;
    try (FileChannel ch = SafetensorsReader.openChannel(Path.of(file))) {
      long size = ch.size();
      long time = Files.getLastModifiedTime(Path.of(file)).toMillis();
      if (size != fileSize || time != modified) {
        throw new SafetensorsException(file, name, "the file changed since its header was read (" + fileSize
            + " bytes, modified at " + modified + "; now " + size + " bytes, " + time + "), or is another file at "
            + "this path");
      }
      int r = from;
      while (r < to) {
        // a run of consecutive rows of the file: one read
        int first = rowIndex == null ? r : rowIndex[r];
        int end = r + 1;
        while (end < to && (rowIndex == null || rowIndex[end] == rowIndex[end - 1] + 1)) {
          end++;
        }
        int n = end - r;
        ByteBuffer buf = ByteBuffer.allocate((int) (n * rowBytes)).order(ByteOrder.LITTLE_ENDIAN);
        long pos = dataOffset + first * rowBytes;
        while (buf.hasRemaining()) {
          int k = ch.read(buf, pos);
          if (k < 0) {
            throw new SafetensorsException(file, name, "truncated: end of file at byte " + pos);
          }
          pos += k;
        }
        buf.flip();
        double[] v = new double[n * rowLength];
        dtype.decode(buf, v);
        SafetensorsReader.requireFinite(file, name, v, (long) first * rowLength);
        System.arraycopy(v, 0, out, (r - from) * rowLength, v.length);
        r = end;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e instanceof SafetensorsException ? e.getMessage()
          : "Cannot read tensor '" + name + "' of " + file + ": " + e.getMessage(), e);
    }
    return out;
  }

  @Override
  public String describe() {
    return file + "#" + name + " " + dtype + Arrays.toString(fileShape) + " at byte " + dataOffset + " (file of "
        + fileSize + " bytes, modified " + modified + ")"
        + (rowIndex == null ? "" : " rows " + rowIndex.length + ":" + Arrays.hashCode(rowIndex));
  }

  @Override
  public String toString() {
    return describe();
  }
}
