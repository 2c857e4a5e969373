package io.nncompress.codec;

import io.nncompress.linalg.DenseMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The uncompressed baseline: float32 little-endian, row-major, after a 12-byte header.
 *
 * <pre>
 * offset 0  int32  MAGIC 'RF32'
 * offset 4  int32  rows
 * offset 8  int32  cols
 * offset 12 float32[rows*cols] row-major values
 * </pre>
 */
public final class RawFloat32Tensor implements EncodedTensor {
  public static final String CODEC = "float32";
  static final int MAGIC = 0x32334652; // "RF32" little-endian
  static final int HEADER_BYTES = 12;

  private final int rows;
  private final int cols;
  private final float[] rowMajor;

  private RawFloat32Tensor(int rows, int cols, float[] rowMajor) {
    this.rows = rows;
    this.cols = cols;
    this.rowMajor = rowMajor;
  }

  public static RawFloat32Tensor of(DenseMatrix m) {
    float[] v = new float[m.rows * m.cols];
    for (int i = 0; i < m.rows; i++) {
      for (int j = 0; j < m.cols; j++) {
        v[i * m.cols + j] = (float) m.get(i, j);
      }
    }
    return new RawFloat32Tensor(m.rows, m.cols, v);
  }

  public static RawFloat32Tensor fromBytes(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (bytes.length < HEADER_BYTES || b.getInt(0) != MAGIC) {
      throw new IllegalArgumentException("Not a " + CODEC + " tensor: bad magic or " + bytes.length + " bytes");
    }
    int rows = b.getInt(4);
    int cols = b.getInt(8);
    long need = HEADER_BYTES + 4L * rows * cols;
    if (rows < 0 || cols < 0 || need != bytes.length) {
      throw new IllegalArgumentException(
          CODEC + " tensor " + rows + "x" + cols + " needs " + need + " bytes, has " + bytes.length);
    }
    float[] v = new float[rows * cols];
    b.position(HEADER_BYTES);
    b.asFloatBuffer().get(v);
    return new RawFloat32Tensor(rows, cols, v);
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

  @Override
  public DenseMatrix decode() {
    DenseMatrix m = new DenseMatrix(rows, cols);
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        m.set(i, j, rowMajor[i * cols + j]);
      }
    }
    return m;
  }

  @Override
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + 4 * rowMajor.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(rows).putInt(cols);
    b.asFloatBuffer().put(rowMajor);
    return b.array();
  }
}
