package io.nncompress.codec.quant;

/**
 * Packs unsigned codes of a fixed width b (1..16 bits) into bytes, least significant bit first:
 * code k occupies stream bits [k b, (k + 1) b), its bit t at stream bit k b + t, and stream bit n
 * is bit (n mod 8) of byte n / 8. The last byte is padded with zero bits. Package-private; to be
 * unified with io.nncompress.codec.BitWriter/BitReader.
 */
final class BitPacker {
  static final int MAX_BITS = 16;

  private BitPacker() {}

  /** ceil(count * bits / 8). */
  static long packedBytes(long count, int bits) {
    return (count * bits + 7) / 8;
  }

  static byte[] pack(int[] codes, int bits) {
    checkBits(bits);
    byte[] out = new byte[(int) packedBytes(codes.length, bits)];
    long pos = 0;
    int mask = (1 << bits) - 1;
    for (int k = 0; k < codes.length; k++) {
      int c = codes[k];
      if ((c & ~mask) != 0) {
        throw new IllegalArgumentException("code " + k + " does not fit " + bits + " bits, cannot be: " + c);
      }
      for (int t = 0; t < bits; t++, pos++) {
        if (((c >>> t) & 1) != 0) {
          out[(int) (pos >>> 3)] |= (byte) (1 << (pos & 7));
        }
      }
    }
    return out;
  }

  /** Reads {@code count} codes of {@code bits} bits starting at byte {@code offset} of {@code src}. */
  static int[] unpack(byte[] src, int offset, int count, int bits) {
    checkBits(bits);
    if (offset + packedBytes(count, bits) > src.length) {
      throw new IllegalArgumentException(count + " codes of " + bits + " bits need " + packedBytes(count, bits)
          + " bytes from offset " + offset + ", only " + (src.length - offset) + " remain");
    }
    int[] codes = new int[count];
    long pos = (long) offset << 3;
    for (int k = 0; k < count; k++) {
      int c = 0;
      for (int t = 0; t < bits; t++, pos++) {
        c |= ((src[(int) (pos >>> 3)] >>> (pos & 7)) & 1) << t;
      }
      codes[k] = c;
    }
    return codes;
  }

  private static void checkBits(int bits) {
    if (bits < 1 || bits > MAX_BITS) {
      throw new IllegalArgumentException("bits must be in 1.." + MAX_BITS + ", cannot be: " + bits);
    }
  }
}
