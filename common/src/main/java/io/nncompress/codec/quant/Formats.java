package io.nncompress.codec.quant;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Header checks shared by the quantized formats of this package. */
final class Formats {
  private Formats() {}

  /** A little-endian view of bytes that start with {@code magic} and hold at least {@code header} bytes. */
  static ByteBuffer open(byte[] bytes, String codec, int magic, int header) {
    if (bytes.length < header) {
      throw new IllegalArgumentException("Not a " + codec + " tensor: " + bytes.length + " bytes, the header alone is "
          + header);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (b.getInt(0) != magic) {
      throw new IllegalArgumentException(String.format("Not a %s tensor: magic 0x%08X, expected 0x%08X", codec,
          b.getInt(0), magic));
    }
    return b;
  }

  static void checkLength(byte[] bytes, long need, String codec, String what) {
    if (need != bytes.length) {
      throw new IllegalArgumentException(codec + " tensor " + what + " needs " + need + " bytes, has " + bytes.length);
    }
  }

  static void checkShape(int rows, int cols, String codec) {
    if (rows < 1 || cols < 1 || (long) rows * cols > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(codec + " tensor header is corrupt: shape " + rows + "x" + cols);
    }
  }
}
