package io.nncompress.codec.lowrank;

import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.FormatChecks;
import io.nncompress.codec.TensorCodecs;
import io.nncompress.linalg.DenseMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A low-rank matrix M = P Q^T whose two factors are each encoded by a later stage (codec
 * {@value #CODEC}), e.g. {@code svd(energy=0.95) -> kmeans(5)}: Q^T (r x d, the first layer's weight)
 * and P (h x r, the second layer's) are each weight-shared with their own 2^5 values, exactly as
 * two layers of the network would be. Little-endian:
 *
 * <pre>
 * offset 0              int32   MAGIC 'LRF1'
 * offset 4  (ROWS)      int32   h
 * offset 8  (COLS)      int32   d
 * offset 12 (RANK)      int32   r, 1 &lt;= r &lt;= min(h, d)
 * offset 16 (HEADER)    the first factor Q^T (r x d), then the second P (h x r), each as
 *                         uint8   n, the length of its codec name
 *                         n bytes the codec name, US-ASCII (any codec of {@link TensorCodecs} but these two)
 *                         int32   L
 *                         L bytes that codec's encoded form
 * total 16 + (5 + n1 + L1) + (5 + n2 + L2) bytes
 * </pre>
 */
public final class FactoredTensor implements LowRankEncoded {
  public static final String CODEC = "lowrank_coded";
  static final int MAGIC = 0x3146524C; // "LRF1" little-endian
  static final int OFFSET_ROWS = 4;
  static final int OFFSET_COLS = 8;
  static final int OFFSET_RANK = 12;
  static final int HEADER_BYTES = 16;

  private final int rows;
  private final int cols;
  private final int rank;
  private final EncodedTensor first;
  private final EncodedTensor second;

  /**
   * @param first Q^T, r x d, in any codec
   * @param second P, h x r, in any codec
   */
  public FactoredTensor(EncodedTensor first, EncodedTensor second) {
    if (first.rows() != second.cols() || first.rows() < 1) {
      throw new IllegalArgumentException("factors must be r x d and h x r with the same r >= 1, cannot be: "
          + first.rows() + "x" + first.cols() + " and " + second.rows() + "x" + second.cols());
    }
    if (nested(first.codec()) || nested(second.codec())) {
      throw new IllegalArgumentException("a factor cannot itself be low rank, cannot be: " + first.codec() + ", "
          + second.codec());
    }
    this.rows = second.rows();
    this.cols = first.cols();
    this.rank = first.rows();
    this.first = first;
    this.second = second;
  }

  private static boolean nested(String codec) {
    return CODEC.equals(codec) || LowRankTensor.CODEC.equals(codec);
  }

  public static FactoredTensor fromBytes(byte[] bytes) {
    ByteBuffer b = FormatChecks.header(bytes, CODEC, MAGIC, HEADER_BYTES);
    int h = b.getInt(OFFSET_ROWS);
    int d = b.getInt(OFFSET_COLS);
    int r = b.getInt(OFFSET_RANK);
    FormatChecks.checkShape(h, d, CODEC);
    FormatChecks.check(r >= 1 && r <= Math.min(h, d), CODEC, "rank " + r + " of a " + h + "x" + d + " matrix");
    int[] at = {HEADER_BYTES};
    EncodedTensor first = part(bytes, b, at, "first factor (Q^T)", r, d);
    EncodedTensor second = part(bytes, b, at, "second factor (P)", h, r);
    FormatChecks.checkLength(bytes, at[0], CODEC);
    return new FactoredTensor(first, second);
  }

  private static EncodedTensor part(byte[] bytes, ByteBuffer b, int[] at, String what, int rows, int cols) {
    int p = at[0];
    if (bytes.length < p + 1) {
      throw new IllegalArgumentException("Truncated " + CODEC + " tensor: its " + what + " starts at byte " + p
          + ", has " + bytes.length);
    }
    int n = bytes[p] & 0xFF;
    if (bytes.length < (long) p + 1 + n + 4) {
      throw new IllegalArgumentException("Truncated " + CODEC + " tensor: the header of its " + what + " needs "
          + (p + 1 + n + 4) + " bytes, has " + bytes.length);
    }
    String codec = new String(bytes, p + 1, n, StandardCharsets.US_ASCII);
    FormatChecks.check(!nested(codec), CODEC, "its " + what + " is itself low rank (" + codec + ")");
    int len = b.getInt(p + 1 + n);
    long end = (long) p + 1 + n + 4 + len;
    if (len < 0 || end > bytes.length) {
      throw new IllegalArgumentException("Truncated " + CODEC + " tensor: its " + what + " (" + codec + ") needs "
          + end + " bytes, has " + bytes.length);
    }
    byte[] inner = java.util.Arrays.copyOfRange(bytes, p + 1 + n + 4, (int) end);
    EncodedTensor t;
    try {
      t = TensorCodecs.decode(codec, inner);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("Corrupt " + CODEC + " tensor: its " + what + ": " + e.getMessage(), e);
    }
    FormatChecks.check(t.rows() == rows && t.cols() == cols, CODEC, "its " + what + " is " + t.rows() + "x"
        + t.cols() + ", must be " + rows + "x" + cols);
    at[0] = (int) end;
    return t;
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
  public int rank() {
    return rank;
  }

  /** The encoded Q^T (r x d). */
  public EncodedTensor firstEncoded() {
    return first;
  }

  /** The encoded P (h x r). */
  public EncodedTensor secondEncoded() {
    return second;
  }

  @Override
  public DenseMatrix first() {
    return first.decode();
  }

  @Override
  public DenseMatrix second() {
    return second.decode();
  }

  /** P Q^T from the decoded factors, accumulated in double. */
  @Override
  public DenseMatrix decode() {
    DenseMatrix m = new DenseMatrix(rows, cols);
    DenseMatrix.gemm(1.0, second(), false, first(), false, 0.0, m);
    return m;
  }

  @Override
  public byte[] encode() {
    byte[] n1 = first.codec().getBytes(StandardCharsets.US_ASCII);
    byte[] n2 = second.codec().getBytes(StandardCharsets.US_ASCII);
    byte[] b1 = first.encode();
    byte[] b2 = second.encode();
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + 10 + n1.length + n2.length + b1.length + b2.length)
        .order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(rows).putInt(cols).putInt(rank);
    b.put((byte) n1.length).put(n1).putInt(b1.length).put(b1);
    b.put((byte) n2.length).put(n2).putInt(b2.length).put(b2);
    return b.array();
  }
}
