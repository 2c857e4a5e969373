package io.nncompress.codec;

/**
 * Reads the least-significant-bit-first stream written by {@link BitWriter} from a byte array,
 * starting at a byte offset. Reading past the end throws an {@link IllegalArgumentException} that
 * says the bytes are truncated.
 */
public final class BitReader {
  private final byte[] buf;
  private final int start;
  private final long limitBits;
  private long pos; // absolute bit position

  /** Reads {@code bytes[offset ..]}. */
  public BitReader(byte[] bytes, int offset) {
    if (offset < 0 || offset > bytes.length) {
      throw new IllegalArgumentException("offset must be in 0.." + bytes.length + ", cannot be: " + offset);
    }
    this.buf = bytes;
    this.start = offset;
    this.limitBits = 8L * bytes.length;
    this.pos = 8L * offset;
  }

  /** Reads {@code nBits} bits (0..32) as the low bits of an int. */
  public int read(int nBits) {
    if (nBits < 0 || nBits > 32) {
      throw new IllegalArgumentException("nBits must be in 0..32, cannot be: " + nBits);
    }
    if (pos + nBits > limitBits) {
      throw new IllegalArgumentException("Truncated bit stream: needs " + nBits + " more bits at bit "
          + (pos - 8L * start) + " of a " + (buf.length - start) + "-byte stream");
    }
    long v = 0;
    int got = 0;
    while (got < nBits) {
      int byteIdx = (int) (pos >>> 3);
      int bitOff = (int) (pos & 7);
      int take = Math.min(8 - bitOff, nBits - got);
      long bits = ((buf[byteIdx] & 0xFF) >>> bitOff) & ((1 << take) - 1);
      v |= bits << got;
      got += take;
      pos += take;
    }
    return (int) v;
  }

  /**
   * Reads {@code count} fields of {@code bits} bits (1..32) written by {@link BitWriter#pack}
   * starting at byte {@code offset}; the bytes must hold ceil(count bits / 8) bytes from there.
   */
  public static int[] unpack(byte[] bytes, int offset, int count, int bits) {
    if (bits < 1 || bits > 32) {
      throw new IllegalArgumentException("bits must be in 1..32, cannot be: " + bits);
    }
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0, cannot be: " + count);
    }
    long need = BitWriter.bytesFor((long) count * bits);
    if (offset < 0 || offset + need > bytes.length) {
      throw new IllegalArgumentException(count + " codes of " + bits + " bits need " + need + " bytes from offset "
          + offset + ", only " + (bytes.length - offset) + " remain");
    }
    BitReader in = new BitReader(bytes, offset);
    int[] codes = new int[count];
    for (int t = 0; t < count; t++) {
      codes[t] = in.read(bits);
    }
    return codes;
  }

  /** Reads one bit. */
  public int readBit() {
    if (pos >= limitBits) {
      throw new IllegalArgumentException("Truncated bit stream: needs 1 more bit at bit " + (pos - 8L * start)
          + " of a " + (buf.length - start) + "-byte stream");
    }
    int b = (buf[(int) (pos >>> 3)] >>> (pos & 7)) & 1;
    pos++;
    return b;
  }

  /** Bits consumed since the start offset. */
  public long bitsRead() {
    return pos - 8L * start;
  }

  /** Byte offset just after the last byte touched (the stream's end once everything is read). */
  public int endByte() {
    return (int) ((pos + 7) >>> 3);
  }
}
