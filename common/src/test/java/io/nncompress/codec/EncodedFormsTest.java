package io.nncompress.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.codec.prune.MagnitudePruner;
import io.nncompress.linalg.DenseMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Round trips of every encoded form through bytes and the codec registry, and their bad-input errors. */
class EncodedFormsTest {

  /** Heavy-tailed weights with some empty (all-zero) rows. */
  static DenseMatrix layer(Random rnd, int rows, int cols, boolean zeroRows) {
    DenseMatrix m = new DenseMatrix(rows, cols);
    for (int i = 0; i < rows; i++) {
      boolean empty = zeroRows && i % 4 == 1;
      for (int j = 0; j < cols; j++) {
        double u = rnd.nextDouble() - 0.5;
        m.set(i, j, empty ? 0 : -0.1 * Math.signum(u) * Math.log(1 - 2 * Math.abs(u)) + 1e-9);
      }
    }
    return m;
  }

  private static void assertBitwiseEqual(DenseMatrix expect, DenseMatrix got, String what) {
    assertEquals(expect.shape(), got.shape(), what);
    for (int t = 0; t < expect.data.length; t++) {
      if (Double.doubleToRawLongBits(expect.data[t]) != Double.doubleToRawLongBits(got.data[t])) {
        throw new AssertionError(what + ": entry " + t + " expected " + expect.data[t] + " got " + got.data[t]);
      }
    }
  }

  private static EncodedTensor viaBytes(EncodedTensor t) {
    byte[] bytes = t.encode();
    EncodedTensor back = TensorCodecs.decode(t.codec(), bytes);
    assertEquals(t.rows(), back.rows());
    assertEquals(t.cols(), back.cols());
    assertArrayEquals(bytes, back.encode(), "re-encoding the decoded form gives the same bytes");
    return back;
  }

  @Test
  void everyFormRoundTripsBitForBit() {
    Random rnd = new Random(17);
    int[][] shapes = {{1, 1}, {3, 5}, {7, 3}, {13, 11}, {1, 37}, {40, 1}, {23, 29}, {0, 4}, {4, 0}};
    int denseChecked = 0;
    int sparseChecked = 0;
    int eightBitSparse = 0;
    for (int[] sh : shapes) {
      for (int bits : new int[] {1, 2, 3, 5, 8}) {
        DenseMatrix w = layer(rnd, sh[0], sh[1], true);
        int n = w.data.length;
        long distinct = Arrays.stream(w.data).distinct().count();
        String what = sh[0] + "x" + sh[1] + " bits " + bits;
        if (distinct >= (1 << bits)) {
          WeightSharing dense = WeightSharing.fit(w, bits);
          DenseMatrix q = dense.quantized();
          assertBitwiseEqual(q, viaBytes(KMeansTensor.of(dense)).decode(), "kmeans " + what);
          for (boolean huff : new boolean[] {false, true}) {
            assertBitwiseEqual(q, viaBytes(DeepCompressedTensor.of(dense, false, 0, huff)).decode(),
                "deepcomp dense huffman=" + huff + " " + what);
          }
          denseChecked++;
        }
        DenseMatrix pruned = MagnitudePruner.pruneToSparsity(w, 0.6);
        for (int gapBits : new int[] {1, 3, 5, 8}) {
          DenseMatrix f32 = pruned.copy();
          for (int t = 0; t < n; t++) {
            f32.data[t] = (float) f32.data[t];
          }
          assertBitwiseEqual(f32, viaBytes(SparseTensor.of(pruned, gapBits)).decode(), "sparse " + gapBits + " " + what);
          long survivors = Arrays.stream(pruned.data).filter(v -> v != 0).distinct().count();
          if (survivors >= (1 << bits)) {
            WeightSharing ws = WeightSharing.fit(pruned, bits, WeightSharing.Solver.OPTIMAL, null, true, 0);
            DenseMatrix q = ws.quantized();
            for (int t = 0; t < n; t++) {
              assertEquals(pruned.data[t] == 0, ws.codes()[(t % Math.max(1, w.rows)) * w.cols + t / Math.max(1, w.rows)]
                  == WeightSharing.ZERO_CODE);
            }
            for (boolean huff : new boolean[] {false, true}) {
              assertBitwiseEqual(q, viaBytes(DeepCompressedTensor.of(ws, true, gapBits, huff)).decode(),
                  "deepcomp sparse gapBits=" + gapBits + " huffman=" + huff + " " + what);
            }
            sparseChecked++;
            eightBitSparse += bits == 8 ? 1 : 0;
          }
        }
      }
    }
    // the shapes above exercise every form, including 8-bit indices on a pruned layer
    assertTrue(denseChecked >= 20 && sparseChecked >= 40 && eightBitSparse == 4,
        denseChecked + " dense, " + sparseChecked + " sparse, " + eightBitSparse + " 8-bit sparse cases");
  }

  @Test
  void allZeroLayerAndPaddingOnlyRows() {
    DenseMatrix z = new DenseMatrix(5, 9);
    assertBitwiseEqual(z, viaBytes(SparseTensor.of(z, 2)).decode(), "all-zero sparse");
    // one nonzero at the very end after 44 zeros: 1-bit gaps need 44 padding symbols
    DenseMatrix last = new DenseMatrix(5, 9);
    last.set(4, 8, 0.25);
    SparseTensor s = SparseTensor.of(last, 1);
    assertEquals(SparseTensor.VALUES_OFFSET + 4 + (45 + 7) / 8, s.encode().length);
    assertBitwiseEqual(last, viaBytes(s).decode(), "trailing nonzero");
    // all-zero layer under weight sharing with zeros skipped (prune(1.0) -> kmeans): nothing to
    // cluster, every code ZERO_CODE, a codebook of zeros; it decodes to the zeros through the bytes
    WeightSharing allZero = WeightSharing.fit(z, 1, WeightSharing.Solver.OPTIMAL, null, true, 0);
    assertArrayEquals(new float[] {0f, 0f}, allZero.codebook());
    assertTrue(Arrays.stream(allZero.codes()).allMatch(c -> c == WeightSharing.ZERO_CODE));
    for (boolean huff : new boolean[] {false, true}) {
      assertBitwiseEqual(z, viaBytes(DeepCompressedTensor.of(allZero, true, 3, huff)).decode(), "all-zero " + huff);
    }
    // a sparse deep-compressed layer whose stored codes are all one symbol, with rows of zeros
    float[] cb = {-1f, 2f};
    int[] codes = new int[45];
    Arrays.fill(codes, WeightSharing.ZERO_CODE);
    codes[44] = 1;
    codes[3] = 1;
    WeightSharing ws = WeightSharing.of(5, 9, 1, cb, codes);
    for (boolean huff : new boolean[] {false, true}) {
      DeepCompressedTensor t = DeepCompressedTensor.of(ws, true, 3, huff);
      assertBitwiseEqual(ws.quantized(), viaBytes(t).decode(), "single-symbol huffman=" + huff);
    }
  }

  @Test
  void sizesAreTheBytesWrittenAndMatchTheLayout() {
    Random rnd = new Random(3);
    DenseMatrix w = layer(rnd, 64, 100, false);
    WeightSharing ws = WeightSharing.fit(w, 4);
    // kmeans: 16-byte header, 16 floats, 6400 * 4 bits
    assertEquals(16 + 64 + 3200, KMeansTensor.of(ws).encode().length);
    DeepCompressedTensor plain = DeepCompressedTensor.of(ws, false, 0, false);
    assertEquals(24 + 64 + 3200, plain.encode().length);
    DeepCompressedTensor huff = DeepCompressedTensor.of(ws, false, 0, true);
    // Huffman beats fixed 4-bit codes on a peaked distribution, table (16 * 5 bits) included
    assertTrue(huff.encode().length < plain.encode().length, huff.encode().length + " vs " + plain.encode().length);
    double paper = CompressionRate.paper(6400, 32, 16);
    assertEquals(6400.0 * 32 / (6400 * 4 + 16 * 32), paper, 1e-12);
    assertEquals(4.0 * 6400 / (16 + 64 + 3200), CompressionRate.actual(KMeansTensor.of(ws)), 1e-12);
  }

  @Test
  void foreignAndTruncatedBytesFailClearly() {
    Random rnd = new Random(5);
    DenseMatrix w = MagnitudePruner.pruneToSparsity(layer(rnd, 9, 14, true), 0.5);
    WeightSharing ws = WeightSharing.fit(w, 3, WeightSharing.Solver.LLOYD_LINEAR, null, true, 0);
    List<EncodedTensor> forms = new ArrayList<>();
    forms.add(SparseTensor.of(w, 4));
    forms.add(KMeansTensor.of(WeightSharing.fit(w, 3)));
    forms.add(DeepCompressedTensor.of(ws, true, 4, true));
    forms.add(DeepCompressedTensor.of(ws, true, 4, false));
    for (EncodedTensor t : forms) {
      byte[] bytes = t.encode();
      for (int cut : new int[] {0, 3, 20, bytes.length / 2, bytes.length - 1}) {
        byte[] trunc = Arrays.copyOf(bytes, cut);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> TensorCodecs.decode(t.codec(), trunc), t.codec() + " cut at " + cut);
        String m = e.getMessage();
        assertTrue(m.contains(t.codec()) || m.startsWith("Truncated bit stream"), m);
      }
      byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> TensorCodecs.decode(t.codec(), longer));
      assertTrue(e.getMessage().contains("trailing"), e.getMessage());
      // another codec's bytes
      byte[] raw = RawFloat32Tensor.of(w).encode();
      e = assertThrows(IllegalArgumentException.class, () -> TensorCodecs.decode(t.codec(), raw));
      assertTrue(e.getMessage().startsWith("Not a " + t.codec() + " tensor: magic"), e.getMessage());
    }
    // a bad bits field
    byte[] km = KMeansTensor.of(WeightSharing.fit(w, 3)).encode();
    km[KMeansTensor.BITS_OFFSET] = 9;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KMeansTensor.fromBytes(km));
    assertEquals("Corrupt kmeans tensor: bits must be in 1..8, is 9", e.getMessage());
  }

  @Test
  void weightSharingBadParameters() {
    DenseMatrix w = DenseMatrix.fromRows(new double[][] {{0.1, 0.2, 0.3}, {0.1, 0.2, 0.4}});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WeightSharing.fit(w, 0));
    assertEquals("bits must be in 1..8, cannot be: 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> WeightSharing.fit(w, 9));
    assertEquals("bits must be in 1..8, cannot be: 9", e.getMessage());
    // 4 distinct weights and 8 shared values: each weight keeps its value, through the bytes too
    WeightSharing few = WeightSharing.fit(w, 3);
    assertArrayEquals(new float[] {0.1f, 0.2f, 0.3f, 0.4f, 0.4f, 0.4f, 0.4f, 0.4f}, few.codebook());
    assertArrayEquals(new int[] {0, 1, 2, 0, 1, 3}, few.codes());
    DenseMatrix f32 = DenseMatrix.fromRows(new double[][] {{0.1f, 0.2f, 0.3f}, {0.1f, 0.2f, 0.4f}});
    assertBitwiseEqual(f32, viaBytes(KMeansTensor.of(few)).decode(), "4 distinct weights, bits 3");
    DenseMatrix nan = DenseMatrix.fromRows(new double[][] {{0.1, Double.NaN}});
    e = assertThrows(IllegalArgumentException.class, () -> WeightSharing.fit(nan, 1));
    assertEquals("weight (0, 1) must be finite, cannot be: NaN", e.getMessage());
    WeightSharing skipped = WeightSharing.fit(MagnitudePruner.pruneToSparsity(w, 0.3), 1,
        WeightSharing.Solver.OPTIMAL, null, true, 0);
    e = assertThrows(IllegalArgumentException.class, () -> KMeansTensor.of(skipped));
    assertTrue(e.getMessage().contains("skipped zeros"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> DeepCompressedTensor.of(skipped, true, 0, false));
    assertEquals("gapBits must be in 1..16, cannot be: 0", e.getMessage());
  }

  @Test
  void dataAwareSharingWeighsColumnsByRjj() {
    // column 0 matters (R = 100), column 1 barely (R = 0.001): with k = 2 the centroids fit column 0
    DenseMatrix w = DenseMatrix.fromRows(new double[][] {{1.0, 5.0}, {2.0, 6.0}, {1.1, 9.0}});
    WeightSharing plain = WeightSharing.fit(w, 1);
    WeightSharing aware = WeightSharing.fit(w, 1, WeightSharing.Solver.OPTIMAL, new double[] {100, 0.001}, false, 0);
    // unweighted: {1, 1.1, 2} and {5, 6, 9}
    assertArrayEquals(new float[] {(float) (4.1 / 3), (float) (20.0 / 3)}, plain.codebook());
    // weighted: column 0 split {1, 1.1} | {2, ...}; the mean of {2 (w=100), 5, 6, 9 (w=0.001)}
    float hi = (float) ((200 + 0.001 * 20) / 100.003);
    assertArrayEquals(new float[] {1.05f, hi}, aware.codebook(), 1e-6f);
  }
}
