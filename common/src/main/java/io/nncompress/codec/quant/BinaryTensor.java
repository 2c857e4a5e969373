package io.nncompress.codec.quant;

import io.nncompress.codec.BitReader;
import io.nncompress.codec.BitWriter;
import io.nncompress.codec.FormatChecks;
import io.nncompress.codec.EncodedTensor;
import io.nncompress.linalg.DenseMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Binary weights alpha_i (+-1) (codec {@value #CODEC}). Little-endian:
 *
 * <pre>
 * offset 0              int32   MAGIC 'BIN1'
 * offset 4  (ROWS)      int32   rows
 * offset 8  (COLS)      int32   cols
 * offset 12 (HEADER)    float32[rows]  alpha_i
 * offset 12 + 4*rows    sign bits, row-major, 1 = +alpha_i, 0 = -alpha_i, packed LSB first
 * total 12 + 4*rows + ceil(rows*cols / 8) bytes
 * </pre>
 */
public final class BinaryTensor implements EncodedTensor {
  public static final String CODEC = "binary";
  static final int MAGIC = 0x314E4942; // "BIN1" little-endian
  static final int OFFSET_ROWS = 4;
  static final int OFFSET_COLS = 8;
  static final int HEADER_BYTES = 12;

  private final int rows;
  private final int cols;
  private final float[] alphas;
  private final int[] signs;

  BinaryTensor(int rows, int cols, float[] alphas, int[] signs) {
    this.rows = rows;
    this.cols = cols;
    this.alphas = alphas;
    this.signs = signs;
  }

  public static BinaryTensor fromBytes(byte[] bytes) {
    ByteBuffer b = FormatChecks.header(bytes, CODEC, MAGIC, HEADER_BYTES);
    int rows = b.getInt(OFFSET_ROWS);
    int cols = b.getInt(OFFSET_COLS);
    FormatChecks.checkShape(rows, cols, CODEC);
    long count = (long) rows * cols;
    FormatChecks.checkLength(bytes, HEADER_BYTES + 4L * rows + BitWriter.bytesFor(count), CODEC);
    float[] alphas = new float[rows];
    for (int i = 0; i < rows; i++) {
      alphas[i] = b.getFloat(HEADER_BYTES + 4 * i);
    }
    return new BinaryTensor(rows, cols, alphas, BitReader.unpack(bytes, HEADER_BYTES + 4 * rows, (int) count, 1));
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

  /** alpha_i as stored. */
  public double alpha(int row) {
    return alphas[row];
  }

  @Override
  public DenseMatrix decode() {
    DenseMatrix m = new DenseMatrix(rows, cols);
    for (int i = 0; i < rows; i++) {
      double a = alphas[i];
      for (int j = 0; j < cols; j++) {
        m.data[i + j * rows] = signs[i * cols + j] == 1 ? a : -a;
      }
    }
    return m;
  }

  @Override
  public byte[] encode() {
    byte[] packed = BitWriter.pack(signs, 1);
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + 4 * rows + packed.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(rows).putInt(cols);
    for (float a : alphas) {
      b.putFloat(a);
    }
    b.put(packed);
    return b.array();
  }
}
