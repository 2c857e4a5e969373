package io.nncompress.codec;

import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.linalg.DenseMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Dense weight sharing: a float32 codebook of 2^bits values and one bits-wide index per weight.
 *
 * <pre>
 * offset 0   int32    MAGIC 'KMNS'
 * offset 4   int32    rows
 * offset 8   int32    cols
 * offset 12  uint8    VERSION (1)
 * offset 13  uint8    bits, 1..8 (k = 2^bits)
 * offset 14  uint16   reserved, 0
 * offset 16  float32[k] codebook, ascending
 * offset 16 + 4k      rows*cols indices of bits each, row-major, packed least significant bit
 *                     first ({@link BitWriter}); ceil(rows cols bits / 8) bytes
 * </pre>
 * All multi-byte fields are little-endian.
 */
public final class KMeansTensor implements EncodedTensor {
  public static final String CODEC = "kmeans";
  public static final int MAGIC = 0x534E4D4B; // "KMNS" little-endian
  public static final int VERSION = 1;
  public static final int ROWS_OFFSET = 4;
  public static final int COLS_OFFSET = 8;
  public static final int VERSION_OFFSET = 12;
  public static final int BITS_OFFSET = 13;
  public static final int CODEBOOK_OFFSET = 16;

  private final WeightSharing shared;

  private KMeansTensor(WeightSharing shared) {
    this.shared = shared;
  }

  /** The dense form of a weight sharing; every entry needs a code (fit without skipZeros). */
  public static KMeansTensor of(WeightSharing shared) {
    if (shared.hasZeroCodes()) {
      throw new IllegalArgumentException("The dense " + CODEC + " form needs a codebook index for every weight, "
          + "but the weight sharing skipped zeros; use DeepCompressedTensor with sparse = true");
    }
    return new KMeansTensor(shared);
  }

  public static KMeansTensor fromBytes(byte[] bytes) {
    ByteBuffer b = FormatChecks.header(bytes, CODEC, MAGIC, CODEBOOK_OFFSET);
    int rows = b.getInt(ROWS_OFFSET);
    int cols = b.getInt(COLS_OFFSET);
    int version = b.get(VERSION_OFFSET) & 0xFF;
    int bits = b.get(BITS_OFFSET) & 0xFF;
    FormatChecks.check(version == VERSION, CODEC, "version " + version + ", expected " + VERSION);
    FormatChecks.check(rows >= 0 && cols >= 0, CODEC, "shape " + rows + "x" + cols);
    FormatChecks.check(bits >= 1 && bits <= 8, CODEC, "bits must be in 1..8, is " + bits);
    int k = 1 << bits;
    long n = (long) rows * cols;
    FormatChecks.check(n <= Integer.MAX_VALUE - 8, CODEC, "shape " + rows + "x" + cols + " is too large");
    long need = CODEBOOK_OFFSET + 4L * k + BitWriter.bytesFor(n * bits);
    FormatChecks.checkLength(bytes, need, CODEC);
    float[] cb = FormatChecks.codebook(b, CODEBOOK_OFFSET, k, CODEC);
    BitReader in = new BitReader(bytes, CODEBOOK_OFFSET + 4 * k);
    int[] codes = new int[(int) n];
    for (int t = 0; t < n; t++) {
      codes[t] = in.read(bits);
    }
    return new KMeansTensor(WeightSharing.of(rows, cols, bits, cb, codes));
  }

  public WeightSharing shared() {
    return shared;
  }

  @Override
  public String codec() {
    return CODEC;
  }

  @Override
  public int rows() {
    return shared.rows();
  }

  @Override
  public int cols() {
    return shared.cols();
  }

  @Override
  public DenseMatrix decode() {
    return shared.quantized();
  }

  @Override
  public byte[] encode() {
    int bits = shared.bits();
    float[] cb = shared.codebook();
    int[] codes = shared.codes();
    BitWriter w = new BitWriter((int) BitWriter.bytesFor((long) codes.length * bits));
    for (int c : codes) {
      w.write(c, bits);
    }
    byte[] stream = w.toByteArray();
    ByteBuffer b = ByteBuffer.allocate(CODEBOOK_OFFSET + 4 * cb.length + stream.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(rows()).putInt(cols());
    b.put((byte) VERSION).put((byte) bits).putShort((short) 0);
    for (float v : cb) {
      b.putFloat(v);
    }
    b.put(stream);
    return b.array();
  }
}
