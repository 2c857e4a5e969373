package io.nncompress.codec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Header checks shared by the encoded forms: foreign or truncated bytes fail with a clear message. */
public final class FormatChecks {
  private FormatChecks() {}

  /** A little-endian view after checking the length covers the header and the magic matches. */
  public static ByteBuffer header(byte[] bytes, String codec, int magic, int headerBytes) {
    if (bytes == null) {
      throw new IllegalArgumentException("Not a " + codec + " tensor: null bytes");
    }
    if (bytes.length < headerBytes) {
      throw new IllegalArgumentException("Not a " + codec + " tensor: " + bytes.length
          + " bytes, shorter than its " + headerBytes + "-byte header");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (b.getInt(0) != magic) {
      throw new IllegalArgumentException(String.format("Not a %s tensor: magic 0x%08x, expected 0x%08x", codec,
          b.getInt(0), magic));
    }
    return b;
  }

  public static void check(boolean ok, String codec, String message) {
    if (!ok) {
      throw new IllegalArgumentException("Corrupt " + codec + " tensor: " + message);
    }
  }

  /** The bytes must end exactly where the bit stream does. */
  public static void checkLength(byte[] bytes, long expected, String codec) {
    if (bytes.length < expected) {
      throw new IllegalArgumentException("Truncated " + codec + " tensor: needs " + expected + " bytes, has "
          + bytes.length);
    }
    if (bytes.length > expected) {
      throw new IllegalArgumentException("Corrupt " + codec + " tensor: needs " + expected + " bytes, has "
          + bytes.length + " (" + (bytes.length - expected) + " trailing bytes)");
    }
  }

  /** A shape read from a header must be positive and fit one array. */
  public static void checkShape(int rows, int cols, String codec) {
    if (rows < 1 || cols < 1 || (long) rows * cols > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("Corrupt " + codec + " tensor: shape " + rows + "x" + cols);
    }
  }

  /** Reads a float32 codebook; every value must be finite. */
  public static float[] codebook(ByteBuffer b, int offset, int k, String codec) {
    float[] cb = new float[k];
    for (int s = 0; s < k; s++) {
      cb[s] = b.getFloat(offset + 4 * s);
      check(Float.isFinite(cb[s]), codec, "codebook value " + s + " is " + cb[s]);
    }
    return cb;
  }
}
