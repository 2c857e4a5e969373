package io.nncompress.codec;

import io.nncompress.codec.prune.SparseGaps;
import io.nncompress.linalg.DenseMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A pruned layer: its nonzero weights as float32 and their positions as relative-index gaps
 * ({@link SparseGaps}: row-major, gapBits per symbol, padding symbols for long runs of zeros).
 *
 * <pre>
 * offset 0   int32    MAGIC 'SPRS'
 * offset 4   int32    rows
 * offset 8   int32    cols
 * offset 12  uint8    VERSION (1)
 * offset 13  uint8    gapBits, 1..16
 * offset 14  uint16   reserved, 0
 * offset 16  int32    nSymbols: gap symbols, padding included
 * offset 20  int32    nValues: nonzero weights (= nSymbols - padding symbols)
 * offset 24  float32[nValues] the nonzero weights, row-major order
 * offset 24 + 4 nValues  nSymbols gap symbols of gapBits each, packed least significant bit first;
 *                        ceil(nSymbols gapBits / 8) bytes
 * </pre>
 * All multi-byte fields are little-endian. decode() gives the float32-rounded pruned matrix.
 */
public final class SparseTensor implements EncodedTensor {
  public static final String CODEC = "sparse";
  public static final int MAGIC = 0x53525053; // "SPRS" little-endian
  public static final int VERSION = 1;
  public static final int ROWS_OFFSET = 4;
  public static final int COLS_OFFSET = 8;
  public static final int VERSION_OFFSET = 12;
  public static final int GAP_BITS_OFFSET = 13;
  public static final int SYMBOLS_OFFSET = 16;
  public static final int VALUES_COUNT_OFFSET = 20;
  public static final int VALUES_OFFSET = 24;

  private final int rows;
  private final int cols;
  private final int gapBits;
  private final int[] positions; // row-major positions of the nonzeros
  private final float[] values;

  private SparseTensor(int rows, int cols, int gapBits, int[] positions, float[] values) {
    this.rows = rows;
    this.cols = cols;
    this.gapBits = gapBits;
    this.positions = positions;
    this.values = values;
  }

  /** The nonzero entries of w (after float32 rounding: a weight that rounds to 0 is dropped). */
  public static SparseTensor of(DenseMatrix w, int gapBits) {
    SparseGaps.checkGapBits(gapBits);
    int nnz = 0;
    for (double v : w.data) {
      if ((float) v != 0f) {
        nnz++;
      }
    }
    int[] pos = new int[nnz];
    float[] val = new float[nnz];
    int t = 0;
    for (int i = 0; i < w.rows; i++) {
      for (int j = 0; j < w.cols; j++) {
        float v = (float) w.get(i, j);
        if (v != 0f) {
          pos[t] = i * w.cols + j;
          val[t++] = v;
        }
      }
    }
    return new SparseTensor(w.rows, w.cols, gapBits, pos, val);
  }

  public static SparseTensor fromBytes(byte[] bytes) {
    ByteBuffer b = FormatChecks.header(bytes, CODEC, MAGIC, VALUES_OFFSET);
    int rows = b.getInt(ROWS_OFFSET);
    int cols = b.getInt(COLS_OFFSET);
    int version = b.get(VERSION_OFFSET) & 0xFF;
    int gapBits = b.get(GAP_BITS_OFFSET) & 0xFF;
    int nSymbols = b.getInt(SYMBOLS_OFFSET);
    int nValues = b.getInt(VALUES_COUNT_OFFSET);
    FormatChecks.check(version == VERSION, CODEC, "version " + version + ", expected " + VERSION);
    FormatChecks.check(rows >= 0 && cols >= 0, CODEC, "shape " + rows + "x" + cols);
    FormatChecks.check(gapBits >= 1 && gapBits <= 16, CODEC, "gapBits must be in 1..16, is " + gapBits);
    FormatChecks.check((long) rows * cols <= Integer.MAX_VALUE - 8, CODEC, "shape " + rows + "x" + cols
        + " is too large");
    FormatChecks.check(nValues >= 0 && nSymbols >= nValues && nValues <= (long) rows * cols, CODEC,
        nSymbols + " gap symbols and " + nValues + " values for " + rows + "x" + cols);
    long need = VALUES_OFFSET + 4L * nValues + BitWriter.bytesFor((long) nSymbols * gapBits);
    FormatChecks.checkLength(bytes, need, CODEC);
    float[] val = new float[nValues];
    for (int t = 0; t < nValues; t++) {
      val[t] = b.getFloat(VALUES_OFFSET + 4 * t);
    }
    BitReader in = new BitReader(bytes, VALUES_OFFSET + 4 * nValues);
    int[] sym = new int[nSymbols];
    for (int t = 0; t < nSymbols; t++) {
      sym[t] = in.read(gapBits);
    }
    FormatChecks.check(SparseGaps.countValues(sym, gapBits) == nValues, CODEC,
        "the gap symbols place " + SparseGaps.countValues(sym, gapBits) + " values, the header says " + nValues);
    int[] pos = SparseGaps.decode(sym, gapBits, (long) rows * cols);
    return new SparseTensor(rows, cols, gapBits, pos, val);
  }

  public int gapBits() {
    return gapBits;
  }

  public int nonZeros() {
    return values.length;
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
    for (int t = 0; t < positions.length; t++) {
      int p = positions[t];
      m.set(p / cols, p % cols, values[t]);
    }
    return m;
  }

  @Override
  public byte[] encode() {
    int[] sym = SparseGaps.encode(positions, gapBits);
    BitWriter w = new BitWriter((int) BitWriter.bytesFor((long) sym.length * gapBits));
    for (int s : sym) {
      w.write(s, gapBits);
    }
    byte[] stream = w.toByteArray();
    ByteBuffer b = ByteBuffer.allocate(VALUES_OFFSET + 4 * values.length + stream.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(rows).putInt(cols);
    b.put((byte) VERSION).put((byte) gapBits).putShort((short) 0);
    b.putInt(sym.length).putInt(values.length);
    for (float v : values) {
      b.putFloat(v);
    }
    b.put(stream);
    return b.array();
  }
}
