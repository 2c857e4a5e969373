package io.nncompress.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reads unsigned-byte IDX files (the MNIST / Fashion-MNIST format), gzipped when the name ends
 * with .gz.
 *
 * <pre>
 * offset 0  u8 0, u8 0          magic, zero
 * offset 2  u8 0x08             element type: unsigned byte
 * offset 3  u8 rank             1 for labels, 3 for images
 * offset 4  u32 big-endian[rank] dimensions
 * then      u8[product of dims] the values, row-major
 * </pre>
 */
public final class IdxReader {
  /** Type code of unsigned bytes. */
  public static final int UBYTE = 0x08;

  private IdxReader() {}

  /** An IDX array: its dimensions and its values (unsigned, 0..255, stored as bytes). */
  public static final class IdxArray {
    public final int[] dims;
    public final byte[] values;

    IdxArray(int[] dims, byte[] values) {
      this.dims = dims;
      this.values = values;
    }

    public int get(int k) {
      return values[k] & 0xff;
    }
  }

  /** Reads an unsigned-byte IDX file of the given rank; errors name the file. */
  public static IdxArray read(Path file, int rank) throws IOException {
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : new BufferedInputStream(raw)) {
      DataInputStream d = new DataInputStream(in);
      int magic;
      try {
        magic = d.readInt();
      } catch (EOFException e) {
        throw new IOException("IDX file " + file + ": truncated before the 4-byte magic number", e);
      }
      int expected = (UBYTE << 8) | rank;
      if (magic != expected) {
        throw new IOException(String.format("IDX file %s: bad magic number 0x%08x, expected 0x%08x "
            + "(unsigned bytes, %d dimensions)", file, magic, expected, rank));
      }
      int[] dims = new int[rank];
      long n = 1;
      for (int k = 0; k < rank; k++) {
        try {
          dims[k] = d.readInt();
        } catch (EOFException e) {
          throw new IOException("IDX file " + file + ": truncated in the dimensions", e);
        }
        if (dims[k] < 0) {
          throw new IOException("IDX file " + file + ": dimension " + k + " is negative: " + dims[k]);
        }
        n *= dims[k];
      }
      if (n > Integer.MAX_VALUE - 8) {
        throw new IOException("IDX file " + file + ": " + Arrays.toString(dims) + " is too large");
      }
      byte[] values = new byte[(int) n];
      int got = d.readNBytes(values, 0, values.length);
      if (got != values.length) {
        throw new IOException("IDX file " + file + ": truncated, dimensions " + Arrays.toString(dims) + " need "
            + n + " values, the file has " + got);
      }
      if (d.read() >= 0) {
        throw new IOException("IDX file " + file + ": trailing bytes after the " + n + " values of "
            + Arrays.toString(dims));
      }
      return new IdxArray(dims, values);
    }
  }
}
