package io.nncompress.codec.quant;

import io.nncompress.codec.BitReader;
import io.nncompress.codec.BitWriter;
import io.nncompress.codec.FormatChecks;
import io.nncompress.codec.EncodedTensor;
import io.nncompress.linalg.DenseMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Product (t = 1, codec {@value #CODEC_PQ}) or residual (t &gt; 1, codec {@value #CODEC_RQ})
 * quantized matrix: row i, block b is the sum over stages u of codebook[u][b][code[u][i][b]].
 * Both codec names read the same format. Little-endian:
 *
 * <pre>
 * offset 0               int32   MAGIC 'VQ01'
 * offset 4  (ROWS)       int32   m
 * offset 8  (COLS)       int32   n
 * offset 12 (BLOCKS)     int32   s, divides n; sub-vector length L = n / s
 * offset 16 (CLUSTERS)   int32   k, entries per codebook (unused entries are 0)
 * offset 20 (STAGES)     int32   t
 * offset 24 (CODE_BITS)  uint8   b = max(1, ceil(log2 k))
 * offset 25              3 bytes reserved, 0
 * offset 28 (HEADER)     float32[t*s*k*L]  codebooks, order [stage][block][entry][component]
 * offset 28 + 4*t*k*n    codes, order [stage][row][block], b bits each, packed LSB first
 * total 28 + 4 t k n + ceil(t m s b / 8) bytes
 * </pre>
 */
public final class VectorQuantizedTensor implements EncodedTensor {
  public static final String CODEC_PQ = "pq";
  public static final String CODEC_RQ = "rq";
  static final int MAGIC = 0x31305156; // "VQ01" little-endian
  static final int OFFSET_ROWS = 4;
  static final int OFFSET_COLS = 8;
  static final int OFFSET_BLOCKS = 12;
  static final int OFFSET_CLUSTERS = 16;
  static final int OFFSET_STAGES = 20;
  static final int OFFSET_CODE_BITS = 24;
  static final int HEADER_BYTES = 28;

  private final int rows;
  private final int cols;
  private final int blocks;
  private final int clusters;
  private final int stages;
  private final float[] codebooks;
  private final int[] codes;

  VectorQuantizedTensor(int rows, int cols, int blocks, int clusters, int stages, float[] codebooks, int[] codes) {
    this.rows = rows;
    this.cols = cols;
    this.blocks = blocks;
    this.clusters = clusters;
    this.stages = stages;
    this.codebooks = codebooks;
    this.codes = codes;
  }

  /** The encoded size of an m x n matrix in s blocks, k clusters and t stages (the format above). */
  public static long bytesOf(int m, int n, int s, int k, int t) {
    return HEADER_BYTES + 4L * t * k * n + BitWriter.bytesFor((long) t * m * s * VectorQuantizer.codeBits(k));
  }

  public static VectorQuantizedTensor fromBytes(byte[] bytes) {
    ByteBuffer b = FormatChecks.header(bytes, "pq/rq", MAGIC, HEADER_BYTES);
    int m = b.getInt(OFFSET_ROWS);
    int n = b.getInt(OFFSET_COLS);
    int s = b.getInt(OFFSET_BLOCKS);
    int k = b.getInt(OFFSET_CLUSTERS);
    int t = b.getInt(OFFSET_STAGES);
    int bits = b.get(OFFSET_CODE_BITS) & 0xFF;
    FormatChecks.checkShape(m, n, "pq/rq");
    if (s < 1 || n % s != 0 || k < 1 || k > VectorQuantizer.MAX_CLUSTERS || t < 1
        || bits != VectorQuantizer.codeBits(k)) {
      throw new IllegalArgumentException("pq/rq tensor header is corrupt: " + m + "x" + n + ", s=" + s + ", k=" + k
          + ", t=" + t + ", bits=" + bits);
    }
    if (4.0 * t * k * n > bytes.length) { // also keeps the long products below from overflowing
      throw new IllegalArgumentException("pq/rq tensor " + m + "x" + n + " (k=" + k + ", t=" + t + ") needs at least "
          + 4.0 * t * k * n + " bytes of codebooks, has " + bytes.length);
    }
    long book = (long) t * k * n;
    long codeCount = (long) t * m * s;
    FormatChecks.checkLength(bytes, bytesOf(m, n, s, k, t), "pq/rq");
    float[] codebooks = new float[(int) book];
    b.position(HEADER_BYTES);
    b.asFloatBuffer().get(codebooks);
    int[] codes = BitReader.unpack(bytes, (int) (HEADER_BYTES + 4 * book), (int) codeCount, bits);
    for (int c : codes) {
      if (c >= k) {
        throw new IllegalArgumentException("pq/rq tensor is corrupt: code " + c + " >= k = " + k);
      }
    }
    return new VectorQuantizedTensor(m, n, s, k, t, codebooks, codes);
  }

  @Override
  public String codec() {
    return stages == 1 ? CODEC_PQ : CODEC_RQ;
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public int cols() {
    return cols;
  }

  public int subBlocks() {
    return blocks;
  }

  public int clusters() {
    return clusters;
  }

  public int stages() {
    return stages;
  }

  /** The reconstruction after the first {@code upTo} stages (1..t). */
  public DenseMatrix decode(int upTo) {
    if (upTo < 1 || upTo > stages) {
      throw new IllegalArgumentException("stages must be in 1.." + stages + ", cannot be: " + upTo);
    }
    int len = cols / blocks;
    double[] rowMajor = new double[rows * cols];
    for (int st = 0; st < upTo; st++) {
      for (int i = 0; i < rows; i++) {
        for (int b = 0; b < blocks; b++) {
          int c = codes[(st * rows + i) * blocks + b];
          int off = ((st * blocks + b) * clusters + c) * len;
          for (int t = 0; t < len; t++) {
            rowMajor[i * cols + b * len + t] += codebooks[off + t]; // w^ = sum_u c^u
          }
        }
      }
    }
    return DenseMatrix.fromRowMajor(rows, cols, rowMajor);
  }

  @Override
  public DenseMatrix decode() {
    return decode(stages);
  }

  /** {@link VectorQuantizer#literatureCompressionRate} for this tensor's parameters. */
  public double literatureCompressionRate() {
    return VectorQuantizer.literatureCompressionRate(rows, cols, blocks, clusters, stages);
  }

  /** Real rate: bytes of the float32 baseline (12 + 4 m n) over encode().length. */
  public double encodedCompressionRate() {
    return (12.0 + 4.0 * rows * cols) / encode().length;
  }

  @Override
  public byte[] encode() {
    int bits = VectorQuantizer.codeBits(clusters);
    byte[] packed = BitWriter.pack(codes, bits);
    ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + 4 * codebooks.length + packed.length)
        .order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(rows).putInt(cols).putInt(blocks).putInt(clusters).putInt(stages);
    b.put((byte) bits).put((byte) 0).put((byte) 0).put((byte) 0);
    b.asFloatBuffer().put(codebooks);
    b.position(HEADER_BYTES + 4 * codebooks.length);
    b.put(packed);
    return b.array();
  }
}
