package io.nncompress.codec.lowrank;

import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.RawFloat32Tensor;
import io.nncompress.linalg.DenseMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A matrix stored as two float32 factors, M = P Q^T (codec {@value #CODEC}). Little-endian:
 *
 * <pre>
 * offset 0              int32   MAGIC 'LRK1'
 * offset 4  (ROWS)      int32   h
 * offset 8  (COLS)      int32   d
 * offset 12 (RANK)      int32   r, 1 &lt;= r &lt;= min(h, d)
 * offset 16 (HEADER)    float32[h*r]  P, row-major
 * offset 16 + 4*h*r     float32[d*r]  Q, row-major
 * total 16 + 4*r*(h + d) bytes
 * </pre>
 *
 * Use {@link #encodeSmallest(LowRankFactors)} in a plan: it keeps the factors only when
 * r (h + d) &lt; h d, and otherwise the dense float32 product.
 */
public final class LowRankTensor implements LowRankEncoded {
  public static final String CODEC = "lowrank";
  static final int MAGIC = 0x314B524C; // "LRK1" little-endian
  static final int OFFSET_ROWS = 4;
  static final int OFFSET_COLS = 8;
  static final int OFFSET_RANK = 12;
  static final int HEADER_BYTES = 16;

  private final int rows;
  private final int cols;
  private final int rank;
  private final float[] p; // h x r row-major
  private final float[] q; // d x r row-major

  private LowRankTensor(int rows, int cols, int rank, float[] p, float[] q) {
    this.rows = rows;
    this.cols = cols;
    this.rank = rank;
    this.p = p;
    this.q = q;
  }

  /** The factors, rounded to float32. */
  public static LowRankTensor of(LowRankFactors f) {
    return new LowRankTensor(f.rows(), f.cols(), f.rank(), toFloatRowMajor(f.p), toFloatRowMajor(f.q));
  }

  /** The factored form when r (h + d) &lt; h d, else the dense float32 product P Q^T. */
  public static EncodedTensor encodeSmallest(LowRankFactors f) {
    if (LowRankEncoded.savesWeights(f.rows(), f.cols(), f.rank())) {
      return of(f);
    }
    return RawFloat32Tensor.of(of(f).decode());
  }

  /** Bytes of the factored form of a rank-r h x d matrix: 16 + 4 r (h + d). */
  public static long factoredBytes(int h, int d, int r) {
    return HEADER_BYTES + 4L * r * ((long) h + d);
  }

  /**
   * The compression rate of seeds/002 for SVD, h d / (r (h + d + 1)) (U_r, V_r and the r singular
   * values stored separately); this format folds S_r into P, so its real rate is
   * (12 + 4 h d) / (16 + 4 r (h + d)).
   */
  public static double literatureCompressionRate(int h, int d, int r) {
    return (double) h * d / ((double) r * (h + d + 1));
  }

  private static float[] toFloatRowMajor(DenseMatrix m) {
    float[] v = new float[m.rows * m.cols];
    for (int i = 0; i < m.rows; i++) {
      for (int j = 0; j < m.cols; j++) {
        v[i * m.cols + j] = (float) m.get(i, j);
      }
    }
    return v;
  }

  private static DenseMatrix fromFloatRowMajor(int rows, int cols, float[] v) {
    DenseMatrix m = new DenseMatrix(rows, cols);
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        m.data[i + j * rows] = v[i * cols + j];
      }
    }
    return m;
  }

  public static LowRankTensor fromBytes(byte[] bytes) {
    if (bytes.length < HEADER_BYTES) {
      throw new IllegalArgumentException("Not a " + CODEC + " tensor: " + bytes.length + " bytes, the header alone is "
          + HEADER_BYTES);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (b.getInt(0) != MAGIC) {
      throw new IllegalArgumentException(String.format("Not a %s tensor: magic 0x%08X, expected 0x%08X", CODEC,
          b.getInt(0), MAGIC));
    }
    int h = b.getInt(OFFSET_ROWS);
    int d = b.getInt(OFFSET_COLS);
    int r = b.getInt(OFFSET_RANK);
    if (h < 1 || d < 1 || r < 1 || r > Math.min(h, d)) {
      throw new IllegalArgumentException(CODEC + " tensor header is corrupt: " + h + "x" + d + " rank " + r);
    }
    long need = factoredBytes(h, d, r);
    if (need != bytes.length) {
      throw new IllegalArgumentException(CODEC + " tensor " + h + "x" + d + " rank " + r + " needs " + need
          + " bytes, has " + bytes.length);
    }
    float[] p = new float[h * r];
    float[] q = new float[d * r];
    b.position(HEADER_BYTES);
    b.asFloatBuffer().get(p);
    b.position(HEADER_BYTES + 4 * h * r);
    b.asFloatBuffer().get(q);
    return new LowRankTensor(h, d, r, p, q);
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

  public int rank() {
    return rank;
  }

  /** P (h x r) as stored (float32 values). */
  public DenseMatrix p() {
    return fromFloatRowMajor(rows, rank, p);
  }

  /** Q (d x r) as stored (float32 values). */
  public DenseMatrix q() {
    return fromFloatRowMajor(cols, rank, q);
  }

  /** Q^T (r x d) as stored: the first layer's weight. */
  @Override
  public DenseMatrix first() {
    return q().transpose();
  }

  /** P (h x r) as stored: the second layer's weight. */
  @Override
  public DenseMatrix second() {
    return p();
  }

  /** P Q^T from the stored float32 factors, accumulated in double. */
  @Override
  public DenseMatrix decode() {
    DenseMatrix m = new DenseMatrix(rows, cols);
    DenseMatrix.gemm(1.0, p(), false, q(), true, 0.0, m);
    return m;
  }

  @Override
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate((int) factoredBytes(rows, cols, rank)).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(rows).putInt(cols).putInt(rank);
    b.asFloatBuffer().put(p).put(q);
    return b.array();
  }
}
