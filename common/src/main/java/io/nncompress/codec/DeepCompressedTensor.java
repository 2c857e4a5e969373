package io.nncompress.codec;

import io.nncompress.codec.huffman.HuffmanCode;
import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.codec.prune.SparseGaps;
import io.nncompress.linalg.DenseMatrix;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Deep Compression's stored form (Han et al. 2016): shared weights (a float32 codebook of 2^bits
 * values and an index per stored weight), optionally sparse (only the weights that survived pruning
 * are stored, their positions as relative-index gaps, see {@link SparseGaps}), optionally with the
 * indices and the gaps Huffman coded (canonical codes, {@link HuffmanCode}).
 *
 * <pre>
 * offset 0   int32    MAGIC 'DCMP'
 * offset 4   int32    rows
 * offset 8   int32    cols
 * offset 12  uint8    VERSION (1)
 * offset 13  uint8    flags: FLAG_SPARSE (1), FLAG_HUFFMAN (2); other bits 0
 * offset 14  uint8    bits, 1..8 (k = 2^bits)
 * offset 15  uint8    gapBits, 1..16 when sparse, 0 when dense
 * offset 16  int32    nSymbols: gap symbols, padding included (0 when dense)
 * offset 20  int32    nValues: stored weights (rows*cols when dense)
 * offset 24  float32[k] codebook, ascending
 * offset 24 + 4k      bit stream, least significant bit first ({@link BitWriter}):
 *    if HUFFMAN:            k index code lengths, 5 bits each
 *    if HUFFMAN and SPARSE: 2^gapBits gap code lengths, 5 bits each
 *    if SPARSE:             nSymbols gap symbols: Huffman codes, or gapBits bits each
 *                           nValues indices:      Huffman codes, or bits each
 *    zero bits up to the byte end; the bytes end there
 * </pre>
 * Multi-byte header fields are little-endian; Huffman codes are written most significant bit first.
 * Dense stored weights are in row-major order; sparse ones in the row-major order of their positions.
 */
public final class DeepCompressedTensor implements EncodedTensor {
  public static final String CODEC = "deepcomp";
  public static final int MAGIC = 0x504D4344; // "DCMP" little-endian
  public static final int VERSION = 1;
  public static final int ROWS_OFFSET = 4;
  public static final int COLS_OFFSET = 8;
  public static final int VERSION_OFFSET = 12;
  public static final int FLAGS_OFFSET = 13;
  public static final int BITS_OFFSET = 14;
  public static final int GAP_BITS_OFFSET = 15;
  public static final int SYMBOLS_OFFSET = 16;
  public static final int VALUES_COUNT_OFFSET = 20;
  public static final int CODEBOOK_OFFSET = 24;
  public static final int FLAG_SPARSE = 1;
  public static final int FLAG_HUFFMAN = 2;

  private final WeightSharing shared;
  private final boolean sparse;
  private final int gapBits;
  private final boolean huffman;
  private final int maxCodeLength;

  private DeepCompressedTensor(WeightSharing shared, boolean sparse, int gapBits, boolean huffman, int maxCodeLength) {
    this.shared = shared;
    this.sparse = sparse;
    this.gapBits = gapBits;
    this.huffman = huffman;
    this.maxCodeLength = maxCodeLength;
  }

  /**
   * @param shared the weight sharing; when {@code sparse}, entries with {@link WeightSharing#ZERO_CODE}
   *     are the pruned ones and are not stored; when dense, every entry must have a code
   * @param gapBits bits of a relative-index gap, 1..16 (ignored when dense)
   * @param huffman Huffman code the indices (and gaps)
   */
  public static DeepCompressedTensor of(WeightSharing shared, boolean sparse, int gapBits, boolean huffman) {
    return of(shared, sparse, gapBits, huffman, HuffmanCode.DEFAULT_MAX_LENGTH);
  }

  /** As {@link #of(WeightSharing, boolean, int, boolean)}, Huffman codes limited to maxCodeLength bits. */
  public static DeepCompressedTensor of(WeightSharing shared, boolean sparse, int gapBits, boolean huffman,
      int maxCodeLength) {
    if (sparse) {
      SparseGaps.checkGapBits(gapBits);
    } else if (shared.hasZeroCodes()) {
      throw new IllegalArgumentException("The dense " + CODEC + " form needs a codebook index for every weight, "
          + "but the weight sharing skipped zeros; use sparse = true");
    }
    if (maxCodeLength < 1 || maxCodeLength > HuffmanCode.MAX_LENGTH_LIMIT) {
      throw new IllegalArgumentException("maxCodeLength must be in 1.." + HuffmanCode.MAX_LENGTH_LIMIT
          + ", cannot be: " + maxCodeLength);
    }
    return new DeepCompressedTensor(shared, sparse, sparse ? gapBits : 0, huffman, maxCodeLength);
  }

  /**
   * Deep Compression's last stage: the indices (and gaps) Huffman coded, unless that is larger than
   * the fixed-width form, as on a small layer whose code tables (5 bits per symbol) cost more than
   * the codes save; then the fixed-width form ({@link #isHuffman()} false). Never larger than
   * {@code of(shared, sparse, gapBits, false)}.
   */
  public static DeepCompressedTensor huffmanIfSmaller(WeightSharing shared, boolean sparse, int gapBits) {
    DeepCompressedTensor coded = of(shared, sparse, gapBits, true);
    DeepCompressedTensor fixed = of(shared, sparse, gapBits, false);
    return coded.encodedLength() <= fixed.encodedLength() ? coded : fixed;
  }

  public static DeepCompressedTensor fromBytes(byte[] bytes) {
    ByteBuffer b = FormatChecks.header(bytes, CODEC, MAGIC, CODEBOOK_OFFSET);
    int rows = b.getInt(ROWS_OFFSET);
    int cols = b.getInt(COLS_OFFSET);
    int version = b.get(VERSION_OFFSET) & 0xFF;
    int flags = b.get(FLAGS_OFFSET) & 0xFF;
    int bits = b.get(BITS_OFFSET) & 0xFF;
    int gapBits = b.get(GAP_BITS_OFFSET) & 0xFF;
    int nSymbols = b.getInt(SYMBOLS_OFFSET);
    int nValues = b.getInt(VALUES_COUNT_OFFSET);
    FormatChecks.check(version == VERSION, CODEC, "version " + version + ", expected " + VERSION);
    FormatChecks.check((flags & ~(FLAG_SPARSE | FLAG_HUFFMAN)) == 0, CODEC, "unknown flags 0x"
        + Integer.toHexString(flags));
    FormatChecks.check(rows >= 0 && cols >= 0, CODEC, "shape " + rows + "x" + cols);
    FormatChecks.check(bits >= 1 && bits <= 8, CODEC, "bits must be in 1..8, is " + bits);
    boolean sparse = (flags & FLAG_SPARSE) != 0;
    boolean huffman = (flags & FLAG_HUFFMAN) != 0;
    long n = (long) rows * cols;
    FormatChecks.check(n <= Integer.MAX_VALUE - 8, CODEC, "shape " + rows + "x" + cols + " is too large");
    if (sparse) {
      FormatChecks.check(gapBits >= 1 && gapBits <= 16, CODEC, "gapBits must be in 1..16 when sparse, is " + gapBits);
      FormatChecks.check(nValues >= 0 && nSymbols >= nValues && nValues <= n, CODEC,
          nSymbols + " gap symbols and " + nValues + " values for " + rows + "x" + cols);
    } else {
      FormatChecks.check(gapBits == 0 && nSymbols == 0 && nValues == n, CODEC, "dense form with gapBits "
          + gapBits + ", " + nSymbols + " gap symbols, " + nValues + " values for " + rows + "x" + cols);
    }
    int k = 1 << bits;
    if (bytes.length < CODEBOOK_OFFSET + 4L * k) {
      throw new IllegalArgumentException("Truncated " + CODEC + " tensor: " + bytes.length
          + " bytes, the header and codebook need " + (CODEBOOK_OFFSET + 4 * k));
    }
    float[] cb = FormatChecks.codebook(b, CODEBOOK_OFFSET, k, CODEC);
    BitReader in = new BitReader(bytes, CODEBOOK_OFFSET + 4 * k);
    HuffmanCode indexCode = null;
    HuffmanCode gapCode = null;
    if (huffman) {
      indexCode = HuffmanCode.readLengths(in, k);
      if (sparse) {
        gapCode = HuffmanCode.readLengths(in, 1 << gapBits);
      }
    }
    int[] codes = new int[(int) n];
    if (sparse) {
      // a symbol takes at least one bit: a count beyond the remaining bits is corrupt, not an allocation
      long remaining = 8L * bytes.length - 8L * (CODEBOOK_OFFSET + 4L * k) - in.bitsRead();
      FormatChecks.check((long) nSymbols + nValues <= remaining, CODEC, nSymbols + " gap symbols and " + nValues
          + " indices cannot fit in the " + remaining + " remaining bits");
      int[] sym = new int[nSymbols];
      for (int t = 0; t < nSymbols; t++) {
        sym[t] = gapCode != null ? gapCode.decode(in) : in.read(gapBits);
      }
      FormatChecks.check(SparseGaps.countValues(sym, gapBits) == nValues, CODEC,
          "the gap symbols place " + SparseGaps.countValues(sym, gapBits) + " values, the header says " + nValues);
      int[] pos = SparseGaps.decode(sym, gapBits, n);
      java.util.Arrays.fill(codes, WeightSharing.ZERO_CODE);
      for (int t = 0; t < nValues; t++) {
        codes[pos[t]] = indexCode != null ? indexCode.decode(in) : in.read(bits);
      }
    } else {
      long remaining = 8L * bytes.length - 8L * (CODEBOOK_OFFSET + 4L * k) - in.bitsRead();
      FormatChecks.check(n <= remaining, CODEC, n + " indices cannot fit in the " + remaining + " remaining bits");
      for (int t = 0; t < n; t++) {
        codes[t] = indexCode != null ? indexCode.decode(in) : in.read(bits);
      }
    }
    FormatChecks.checkLength(bytes, in.endByte(), CODEC);
    return new DeepCompressedTensor(WeightSharing.of(rows, cols, bits, cb, codes), sparse, gapBits, huffman,
        HuffmanCode.DEFAULT_MAX_LENGTH);
  }

  /**
   * Visits the matrix that {@code bytes} (this form) decodes to, row by row in blocks of at most
   * maxRows rows, row-major values: the dense form is decoded as a stream, holding one block (not
   * the codes of the whole matrix); the sparse form is decoded whole first. The bytes are checked
   * as {@link #fromBytes} checks them.
   */
  public static void forEachRowBlock(byte[] bytes, int maxRows, io.nncompress.format.safetensors.TensorSource.RowBlocks
      consumer) {
    ByteBuffer b = FormatChecks.header(bytes, CODEC, MAGIC, CODEBOOK_OFFSET);
    int flags = b.get(FLAGS_OFFSET) & 0xFF;
    if ((flags & FLAG_SPARSE) != 0 || (b.get(VERSION_OFFSET) & 0xFF) != VERSION) {
      DenseMatrix m = fromBytes(bytes).decode();
      double[] rm = m.toRowMajor();
      int step = Math.max(1, maxRows);
      for (int from = 0; from < m.rows; from += step) {
        int to = Math.min(m.rows, from + step);
        consumer.accept(from, java.util.Arrays.copyOfRange(rm, from * m.cols, to * m.cols));
      }
      return;
    }
    int rows = b.getInt(ROWS_OFFSET);
    int cols = b.getInt(COLS_OFFSET);
    int bits = b.get(BITS_OFFSET) & 0xFF;
    FormatChecks.check((flags & ~(FLAG_SPARSE | FLAG_HUFFMAN)) == 0, CODEC, "unknown flags 0x"
        + Integer.toHexString(flags));
    FormatChecks.check(rows >= 0 && cols >= 0, CODEC, "shape " + rows + "x" + cols);
    FormatChecks.check(bits >= 1 && bits <= 8, CODEC, "bits must be in 1..8, is " + bits);
    long n = (long) rows * cols;
    FormatChecks.check(b.get(GAP_BITS_OFFSET) == 0 && b.getInt(SYMBOLS_OFFSET) == 0
        && b.getInt(VALUES_COUNT_OFFSET) == n, CODEC, "dense form with gap fields set or " + b.getInt(VALUES_COUNT_OFFSET)
        + " values for " + rows + "x" + cols);
    int k = 1 << bits;
    if (bytes.length < CODEBOOK_OFFSET + 4L * k) {
      throw new IllegalArgumentException("Truncated " + CODEC + " tensor: " + bytes.length
          + " bytes, the header and codebook need " + (CODEBOOK_OFFSET + 4 * k));
    }
    float[] cb = FormatChecks.codebook(b, CODEBOOK_OFFSET, k, CODEC);
    BitReader in = new BitReader(bytes, CODEBOOK_OFFSET + 4 * k);
    HuffmanCode code = (flags & FLAG_HUFFMAN) != 0 ? HuffmanCode.readLengths(in, k) : null;
    int step = Math.max(1, cols == 0 ? rows : Math.min(maxRows, Math.max(1, Integer.MAX_VALUE / 2 / cols)));
    for (int from = 0; from < rows; from += step) {
      int to = Math.min(rows, from + step);
      double[] v = new double[(to - from) * cols];
      for (int t = 0; t < v.length; t++) {
        v[t] = cb[code != null ? code.decode(in) : in.read(bits)];
      }
      consumer.accept(from, v);
    }
    FormatChecks.checkLength(bytes, in.endByte(), CODEC);
  }

  public WeightSharing shared() {
    return shared;
  }

  public boolean isSparse() {
    return sparse;
  }

  public boolean isHuffman() {
    return huffman;
  }

  /** Bits of a relative-index gap; 0 when dense. */
  public int gapBits() {
    return gapBits;
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
    int k = 1 << bits;
    float[] cb = shared.codebook();
    int[] codes = shared.codes();
    int[] indices;
    int[] sym = new int[0];
    if (sparse) {
      int nnz = 0;
      for (int c : codes) {
        if (c != WeightSharing.ZERO_CODE) {
          nnz++;
        }
      }
      indices = new int[nnz];
      int[] pos = new int[nnz];
      int t = 0;
      for (int p = 0; p < codes.length; p++) {
        if (codes[p] != WeightSharing.ZERO_CODE) {
          pos[t] = p;
          indices[t++] = codes[p];
        }
      }
      sym = SparseGaps.encode(pos, gapBits);
    } else {
      indices = codes;
    }
    BitWriter w = new BitWriter((int) Math.min(Integer.MAX_VALUE - 8,
        BitWriter.bytesFor((long) indices.length * bits + (long) sym.length * gapBits)));
    if (huffman) {
      HuffmanCode indexCode = HuffmanCode.fromSymbols(indices, k, maxCodeLength);
      indexCode.writeLengths(w);
      HuffmanCode gapCode = null;
      if (sparse) {
        gapCode = HuffmanCode.fromSymbols(sym, 1 << gapBits, maxCodeLength);
        gapCode.writeLengths(w);
        gapCode.encode(sym, w);
      }
      indexCode.encode(indices, w);
    } else {
      for (int s : sym) {
        w.write(s, gapBits);
      }
      for (int c : indices) {
        w.write(c, bits);
      }
    }
    return assemble(rows(), cols(), bits, cb, sparse, gapBits, huffman, sym.length, indices.length, w.toByteArray());
  }

  /**
   * The bytes of the dense form (every weight stored, row-major) from its parts, e.g. a bit stream
   * whose pieces were written by other processes and joined ({@link BitWriter#append}): the stream
   * holds, if huffman, the k code lengths ({@link HuffmanCode#writeLengths}) then the codes, else
   * the indices, bits each. The same bytes as {@link #encode} of the same weight sharing.
   */
  public static byte[] assembleDense(int rows, int cols, int bits, float[] codebook, boolean huffman, byte[] stream) {
    WeightSharing.checkBits(bits);
    if (codebook.length != 1 << bits) {
      throw new IllegalArgumentException("codebook must have 2^bits = " + (1 << bits) + " values, has "
          + codebook.length);
    }
    return assemble(rows, cols, bits, codebook, false, 0, huffman, 0, rows * cols, stream);
  }

  private static byte[] assemble(int rows, int cols, int bits, float[] cb, boolean sparse, int gapBits,
      boolean huffman, int nSymbols, int nValues, byte[] stream) {
    int k = 1 << bits;
    ByteBuffer b = ByteBuffer.allocate(CODEBOOK_OFFSET + 4 * k + stream.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(rows).putInt(cols);
    b.put((byte) VERSION).put((byte) ((sparse ? FLAG_SPARSE : 0) | (huffman ? FLAG_HUFFMAN : 0)));
    b.put((byte) bits).put((byte) gapBits);
    b.putInt(nSymbols).putInt(nValues);
    for (float v : cb) {
      b.putFloat(v);
    }
    b.put(stream);
    return b.array();
  }
}
