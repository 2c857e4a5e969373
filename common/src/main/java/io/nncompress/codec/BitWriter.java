package io.nncompress.codec;

import java.util.Arrays;

/**
 * Appends fields of 0..32 bits to a growing byte array, least significant bit first: bit t of the
 * stream is bit {@code t % 8} of byte {@code t / 8}. The last byte is padded with zero bits.
 * {@link BitReader} reads the stream back.
 */
public final class BitWriter {
  private byte[] buf;
  private int bytes;
  private long acc; // pending bits, the oldest in bit 0
  private int accBits; // 0..63
  private long bitLength;

  public BitWriter() {
    this(64);
  }

  public BitWriter(int initialBytes) {
    buf = new byte[Math.max(8, initialBytes)];
  }

  /** Writes the low {@code nBits} bits of {@code value}, nBits in 0..32. */
  public void write(int value, int nBits) {
    if (nBits < 0 || nBits > 32) {
      throw new IllegalArgumentException("nBits must be in 0..32, cannot be: " + nBits);
    }
    if (nBits == 0) {
      return;
    }
    long v = value & (0xFFFFFFFFL >>> (32 - nBits));
    acc |= v << accBits;
    accBits += nBits;
    bitLength += nBits;
    while (accBits >= 8) {
      if (bytes == buf.length) {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
      buf[bytes++] = (byte) acc;
      acc >>>= 8;
      accBits -= 8;
    }
  }

  /**
   * Appends the first {@code nBits} bits of another stream of this layout (e.g. one written by
   * another process), as if each of its bits had been written here in order.
   */
  public void append(byte[] stream, long nBits) {
    if (nBits < 0 || nBits > 8L * stream.length) {
      throw new IllegalArgumentException("nBits must be in 0.." + 8L * stream.length + ", cannot be: " + nBits);
    }
    int whole = (int) (nBits >>> 3);
    int i = 0;
    for (; i + 4 <= whole; i += 4) {
      write((stream[i] & 0xFF) | (stream[i + 1] & 0xFF) << 8 | (stream[i + 2] & 0xFF) << 16
          | (stream[i + 3] & 0xFF) << 24, 32);
    }
    for (; i < whole; i++) {
      write(stream[i] & 0xFF, 8);
    }
    int rest = (int) (nBits & 7);
    if (rest > 0) {
      write(stream[whole] & 0xFF, rest);
    }
  }

  /** Number of bits written so far. */
  public long bitLength() {
    return bitLength;
  }

  /** The stream padded to whole bytes: {@code ceil(bitLength / 8)} bytes. */
  public byte[] toByteArray() {
    byte[] out = Arrays.copyOf(buf, bytes + (accBits > 0 ? 1 : 0));
    if (accBits > 0) {
      out[bytes] = (byte) acc;
    }
    return out;
  }

  /**
   * Packs {@code codes} as fields of {@code bits} bits each (1..32), code t at stream bits
   * [t bits, (t + 1) bits): ceil(codes.length bits / 8) bytes. Every code must fit the width.
   */
  public static byte[] pack(int[] codes, int bits) {
    if (bits < 1 || bits > 32) {
      throw new IllegalArgumentException("bits must be in 1..32, cannot be: " + bits);
    }
    long mask = 0xFFFFFFFFL >>> (32 - bits);
    BitWriter w = new BitWriter((int) Math.min(Integer.MAX_VALUE - 8, bytesFor((long) codes.length * bits)));
    for (int t = 0; t < codes.length; t++) {
      if (((codes[t] & 0xFFFFFFFFL) & ~mask) != 0) {
        throw new IllegalArgumentException("codes[" + t + "] must fit " + bits + " bits, cannot be: " + codes[t]);
      }
      w.write(codes[t], bits);
    }
    return w.toByteArray();
  }

  /** ceil(bits / 8). */
  public static long bytesFor(long bits) {
    return (bits + 7) >>> 3;
  }
}
