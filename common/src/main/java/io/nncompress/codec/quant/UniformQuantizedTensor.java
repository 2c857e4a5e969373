package io.nncompress.codec.quant;

import io.nncompress.codec.BitReader;
import io.nncompress.codec.BitWriter;
import io.nncompress.codec.FormatChecks;
import io.nncompress.codec.EncodedTensor;
import io.nncompress.linalg.DenseMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Affine uniform quantized matrix (codec {@value #CODEC}), w^ = (q - z) scale, g groups (1 per
 * tensor, or one per row). Little-endian:
 *
 * <pre>
 * offset 0               int32    MAGIC 'UQ01'
 * offset 4  (ROWS)       int32    rows
 * offset 8  (COLS)       int32    cols
 * offset 12 (BITS)       uint8    b, 2..8
 * offset 13 (GRANULARITY) uint8   0 = per tensor (g = 1), 1 = per row (g = rows)
 * offset 14              uint16   reserved, 0
 * offset 16 (HEADER)     float32[g]  scales
 * offset 16 + 4g         uint8[g]    zero points z, 0..2^b - 1
 * offset 16 + 5g         codes q, row-major, b bits each, packed LSB first ({@link io.nncompress.codec.BitWriter})
 * total 16 + 5g + ceil(rows*cols*b / 8) bytes
 * </pre>
 */
public final class UniformQuantizedTensor implements EncodedTensor {
  public static final String CODEC = "uniform";
  static final int MAGIC = 0x31305155; // "UQ01" little-endian
  static final int OFFSET_ROWS = 4;
  static final int OFFSET_COLS = 8;
  static final int OFFSET_BITS = 12;
  static final int OFFSET_GRANULARITY = 13;
  static final int HEADER_BYTES = 16;

  private final int rows;
  private final int cols;
  private final int bits;
  private final UniformQuantizer.Granularity granularity;
  private final float[] scales;
  private final int[] zeroPoints;
  private final int[] codes; // row-major

  UniformQuantizedTensor(int rows, int cols, int bits, UniformQuantizer.Granularity granularity, float[] scales,
      int[] zeroPoints, int[] codes) {
    this.rows = rows;
    this.cols = cols;
    this.bits = bits;
    this.granularity = granularity;
    this.scales = scales;
    this.zeroPoints = zeroPoints;
    this.codes = codes;
  }

  public static UniformQuantizedTensor fromBytes(byte[] bytes) {
    ByteBuffer b = FormatChecks.header(bytes, CODEC, MAGIC, HEADER_BYTES);
    int rows = b.getInt(OFFSET_ROWS);
    int cols = b.getInt(OFFSET_COLS);
    int bits = b.get(OFFSET_BITS) & 0xFF;
    int gran = b.get(OFFSET_GRANULARITY) & 0xFF;
    FormatChecks.checkShape(rows, cols, CODEC);
    if (bits < UniformQuantizer.MIN_BITS || bits > UniformQuantizer.MAX_BITS || gran > 1) {
      throw new IllegalArgumentException(CODEC + " tensor header is corrupt: bits " + bits + ", granularity " + gran);
    }
    UniformQuantizer.Granularity granularity = UniformQuantizer.Granularity.values()[gran];
    int groups = gran == 1 ? rows : 1;
    long count = (long) rows * cols;
    FormatChecks.checkLength(bytes, HEADER_BYTES + 5L * groups + BitWriter.bytesFor(count * bits), CODEC);
    float[] scales = new float[groups];
    int[] zeroPoints = new int[groups];
    for (int g = 0; g < groups; g++) {
      scales[g] = b.getFloat(HEADER_BYTES + 4 * g);
      zeroPoints[g] = b.get(HEADER_BYTES + 4 * groups + g) & 0xFF;
    }
    int[] codes = BitReader.unpack(bytes, HEADER_BYTES + 5 * groups, (int) count, bits);
    return new UniformQuantizedTensor(rows, cols, bits, granularity, scales, zeroPoints, codes);
  }

  @Override
  public String codec() {
    return CODEC;
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public int cols() {
    return cols;
  }

  public int bits() {
    return bits;
  }

  public UniformQuantizer.Granularity granularity() {
    return granularity;
  }

  /** The scale of row i's group. */
  public double scale(int row) {
    return scales[granularity == UniformQuantizer.Granularity.PER_ROW ? row : 0];
  }

  /** The zero point of row i's group. */
  public int zeroPoint(int row) {
    return zeroPoints[granularity == UniformQuantizer.Granularity.PER_ROW ? row : 0];
  }

  @Override
  public DenseMatrix decode() {
    DenseMatrix m = new DenseMatrix(rows, cols);
    for (int i = 0; i < rows; i++) {
      double scale = scale(i);
      int z = zeroPoint(i);
      for (int j = 0; j < cols; j++) {
        m.data[i + j * rows] = (codes[i * cols + j] - z) * scale; // w^ = (q - z) scale
      }
    }
    return m;
  }

  @Override
  public byte[] encode() {
    int groups = scales.length;
    byte[] packed = BitWriter.pack(codes, bits);
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + 5 * groups + packed.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(rows).putInt(cols).put((byte) bits).put((byte) granularity.ordinal()).putShort((short) 0);
    for (float s : scales) {
      b.putFloat(s);
    }
    for (int z : zeroPoints) {
      b.put((byte) z);
    }
    b.put(packed);
    return b.array();
  }
}
