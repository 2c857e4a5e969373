package io.nncompress.codec.hashing;

import io.nncompress.codec.EncodedTensor;
import io.nncompress.linalg.DenseMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A HashedNets matrix (codec {@value #CODEC}): V_ij = xi(i, j) w_{h(i, j)} with the hashes of
 * {@link WeightHash}. Only the K values, the seed and the shape are stored. Little-endian:
 *
 * <pre>
 * offset 0              int32   MAGIC 'HSH1'
 * offset 4  (ROWS)      int32   rows
 * offset 8  (COLS)      int32   cols
 * offset 12 (BUCKETS)   int32   K
 * offset 16 (SEED)      int64   seed
 * offset 24 (HEADER)    float32[K]  bucket values w_k
 * total 24 + 4K bytes
 * </pre>
 */
public final class HashedTensor implements EncodedTensor {
  public static final String CODEC = "hashed";
  static final int MAGIC = 0x31485348; // "HSH1" little-endian
  static final int OFFSET_ROWS = 4;
  static final int OFFSET_COLS = 8;
  static final int OFFSET_BUCKETS = 12;
  static final int OFFSET_SEED = 16;
  static final int HEADER_BYTES = 24;

  private final int rows;
  private final int cols;
  private final WeightHash hash;
  private final float[] values;

  /** The tensor with the given bucket values (rounded to float32). */
  public HashedTensor(int rows, int cols, WeightHash hash, double[] values) {
    if (rows < 1 || cols < 1) {
      throw new IllegalArgumentException("Shape must be positive, cannot be: " + rows + "x" + cols);
    }
    if (values.length != hash.buckets()) {
      throw new IllegalArgumentException("Need one value per bucket (" + hash.buckets() + "), cannot be: "
          + values.length);
    }
    this.rows = rows;
    this.cols = cols;
    this.hash = hash;
    this.values = new float[values.length];
    for (int k = 0; k < values.length; k++) {
      this.values[k] = (float) values[k];
    }
  }

  /** Encoded bytes with K buckets: 24 + 4 K. */
  public static long bytesOf(long buckets) {
    return HEADER_BYTES + 4L * buckets;
  }

  /** The most buckets whose encoded form fits in {@code bytes} (0 when not even one does). */
  public static long bucketsWithin(long bytes) {
    return Math.max(0, (bytes - HEADER_BYTES) / 4);
  }

  public static HashedTensor fromBytes(byte[] bytes) {
    if (bytes.length < HEADER_BYTES) {
      throw new IllegalArgumentException("Not a " + CODEC + " tensor: " + bytes.length + " bytes, the header alone is "
          + HEADER_BYTES);
    }
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    if (b.getInt(0) != MAGIC) {
      throw new IllegalArgumentException(String.format("Not a %s tensor: magic 0x%08X, expected 0x%08X", CODEC,
          b.getInt(0), MAGIC));
    }
    int rows = b.getInt(OFFSET_ROWS);
    int cols = b.getInt(OFFSET_COLS);
    int k = b.getInt(OFFSET_BUCKETS);
    long seed = b.getLong(OFFSET_SEED);
    if (rows < 1 || cols < 1 || k < 1) {
      throw new IllegalArgumentException(CODEC + " tensor header is corrupt: " + rows + "x" + cols + ", K=" + k);
    }
    long need = HEADER_BYTES + 4L * k;
    if (need != bytes.length) {
      throw new IllegalArgumentException(CODEC + " tensor with K=" + k + " needs " + need + " bytes, has "
          + bytes.length);
    }
    double[] v = new double[k];
    for (int t = 0; t < k; t++) {
      v[t] = b.getFloat(HEADER_BYTES + 4 * t);
    }
    return new HashedTensor(rows, cols, new WeightHash(seed, k), v);
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

  public WeightHash hash() {
    return hash;
  }

  /** w_k as stored. */
  public double value(int bucket) {
    return values[bucket];
  }

  @Override
  public DenseMatrix decode() {
    DenseMatrix m = new DenseMatrix(rows, cols);
    int[] bucket = new int[cols];
    byte[] sign = new byte[cols];
    for (int i = 0; i < rows; i++) {
      hash.fillRow(i, cols, bucket, sign);
      for (int j = 0; j < cols; j++) {
        m.data[i + j * rows] = sign[j] * (double) values[bucket[j]]; // V_ij = xi(i, j) w_h(i, j)
      }
    }
    return m;
  }

  @Override
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + 4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(rows).putInt(cols).putInt(values.length).putLong(hash.seed());
    for (float v : values) {
      b.putFloat(v);
    }
    return b.array();
  }
}
