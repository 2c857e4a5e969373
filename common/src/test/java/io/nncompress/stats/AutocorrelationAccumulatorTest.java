package io.nncompress.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.Blas;
import io.nncompress.linalg.ConvGeometry;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.linalg.Level3;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AutocorrelationAccumulatorTest {

  /** R computed directly: (1/N) sum x~ x~^T with plain loops. */
  static DenseMatrix direct(double[][] samples, boolean bias) {
    int d = samples[0].length;
    int p = d + (bias ? 1 : 0);
    DenseMatrix r = new DenseMatrix(p, p);
    for (double[] x : samples) {
      for (int i = 0; i < p; i++) {
        double xi = i < d ? x[i] : 1.0;
        for (int j = 0; j < p; j++) {
          double xj = j < d ? x[j] : 1.0;
          r.add(i, j, xi * xj);
        }
      }
    }
    for (int k = 0; k < r.data.length; k++) {
      r.data[k] /= samples.length;
    }
    return r;
  }

  static double[][] randomRows(int n, int d, long seed) {
    Random rnd = new Random(seed);
    double[][] x = new double[n][d];
    for (double[] row : x) {
      double common = rnd.nextGaussian();
      for (int j = 0; j < d; j++) {
        row[j] = 0.5 * common + rnd.nextGaussian() + 0.1 * j;
      }
    }
    return x;
  }

  @Test
  void denseMatchesDirectComputationAcrossBlockBoundaries() {
    double[][] x = randomRows(103, 7, 1);
    AutocorrelationAccumulator acc = AutocorrelationAccumulator.dense(7, true, 10);
    float[] f = new float[7];
    for (double[] row : x) {
      acc.addRow(row, 0);
    }
    AutocorrelationStats s = acc.toStats();
    DenseMatrix want = direct(x, true);
    assertEquals(0.0, s.autocorrelation().maxAbsDiff(want), 1e-12);
    assertEquals(103, s.samples());
    // the bias column is the mean
    for (int j = 0; j < 7; j++) {
      assertEquals(s.mean()[j], s.autocorrelation().get(j, 7), 1e-12);
    }
    assertEquals(1.0, s.autocorrelation().get(7, 7), 0.0);
    // float input path
    AutocorrelationAccumulator accF = AutocorrelationAccumulator.dense(7, false, 16);
    double[][] xf = new double[x.length][7];
    for (int n = 0; n < x.length; n++) {
      for (int j = 0; j < 7; j++) {
        f[j] = (float) x[n][j];
        xf[n][j] = f[j];
      }
      accF.addRow(f, 0);
    }
    assertEquals(0.0, accF.toStats().autocorrelation().maxAbsDiff(direct(xf, false)), 1e-12);
  }

  @Test
  void mergeOfSplitsEqualsWhole() {
    double[][] x = randomRows(50, 5, 2);
    AutocorrelationAccumulator whole = AutocorrelationAccumulator.dense(5, true, 8);
    AutocorrelationAccumulator a = AutocorrelationAccumulator.dense(5, true, 8);
    AutocorrelationAccumulator b = AutocorrelationAccumulator.dense(5, true, 3);
    for (int n = 0; n < x.length; n++) {
      whole.addRow(x[n], 0);
      (n < 17 ? a : b).addRow(x[n], 0);
    }
    AutocorrelationStats m = a.merge(b).toStats();
    AutocorrelationStats w = whole.toStats();
    assertEquals(0.0, m.relativeDifference(w), 1e-14);
    assertArrayEquals(w.min(), m.min(), 0.0);
    assertArrayEquals(w.max(), m.max(), 0.0);
    assertEquals(50, m.rows());
  }

  @Test
  void tilesReassembleTheWholeMatrix() {
    double[][] x = randomRows(40, 9, 3);
    int tile = 4; // p = 10 -> 3 x 3 tiles, the last one 2 wide
    List<int[]> coords = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      for (int j = i; j < 3; j++) {
        coords.add(new int[] {i, j});
      }
    }
    AutocorrelationAccumulator acc = AutocorrelationAccumulator.tiled(9, null, true, tile, coords, 7);
    for (double[] row : x) {
      acc.addRow(row, 0);
    }
    acc.finish();
    DenseMatrix want = direct(x, true);
    for (int t = 0; t < acc.tileCount(); t++) {
      int i0 = acc.tileRow(t) * tile;
      int j0 = acc.tileCol(t) * tile;
      int m = Math.min(tile, 10 - i0);
      double[] v = acc.tileSum(t);
      for (int j = 0; j < Math.min(tile, 10 - j0); j++) {
        for (int i = 0; i < m; i++) {
          if (acc.tileRow(t) == acc.tileCol(t) && i > j) {
            continue; // DSYRK fills the upper triangle of diagonal tiles
          }
          assertEquals(want.get(i0 + i, j0 + j), v[i + j * m] / 40, 1e-12, "tile " + t + " (" + i + "," + j + ")");
        }
      }
    }
  }

  // every tile's upper part, concatenated (the diagonal tiles' lower triangles are never written)
  private static double[] upperTiles(AutocorrelationAccumulator acc, int p) {
    int tile = acc.tileSize();
    List<Double> out = new ArrayList<>();
    for (int t = 0; t < acc.tileCount(); t++) {
      int m = Math.min(tile, p - acc.tileRow(t) * tile);
      int n = Math.min(tile, p - acc.tileCol(t) * tile);
      double[] v = acc.tileSum(t);
      for (int j = 0; j < n; j++) {
        for (int i = 0; i < (acc.tileRow(t) == acc.tileCol(t) ? j + 1 : m); i++) {
          out.add(v[i + j * m]);
        }
      }
    }
    return out.stream().mapToDouble(Double::doubleValue).toArray();
  }

  @Test
  void sameRWithNativeVectorAndPureJavaKernels() {
    // d = 130 (p = 131 with the bias): 257 samples in blocks of 100 (a tail of 57), whole and in tiles of 48
    // (diagonal tiles through dsyrk, off-diagonal ones through dgemm, the last tile 35 wide)
    double[][] x = randomRows(257, 130, 18);
    List<int[]> coords = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      for (int j = i; j < 3; j++) {
        coords.add(new int[] {i, j});
      }
    }
    DenseMatrix want = direct(x, true);
    double[][] first = null;
    String firstKind = null;
    for (Level3 kind : Level3.values()) {
      if (!kind.available()) {
        continue;
      }
      double[][] got = new double[2][];
      try (Blas.Restore ignored = Blas.useLevel3(kind)) {
        AutocorrelationAccumulator whole = AutocorrelationAccumulator.dense(130, true, 100);
        AutocorrelationAccumulator tiled = AutocorrelationAccumulator.tiled(130, null, true, 48, coords, 100);
        for (double[] row : x) {
          whole.addRow(row, 0);
          tiled.addRow(row, 0);
        }
        got[0] = upperTiles(whole, 131);
        got[1] = upperTiles(tiled, 131);
        DenseMatrix r = whole.toStats().autocorrelation();
        double scale = 0;
        for (double v : want.data) {
          scale = Math.max(scale, Math.abs(v));
        }
        assertTrue(r.maxAbsDiff(want) <= 1e-12 * scale, kind.label() + ": R differs from the direct sum by "
            + r.maxAbsDiff(want));
      }
      if (first == null) {
        first = got;
        firstKind = kind.label();
        continue;
      }
      for (int w = 0; w < 2; w++) {
        double diff = 0;
        double scale = 0;
        for (int k = 0; k < first[w].length; k++) {
          diff = Math.max(diff, Math.abs(first[w][k] - got[w][k]));
          scale = Math.max(scale, Math.abs(first[w][k]));
        }
        assertEquals(first[w].length, got[w].length);
        assertTrue(diff <= 1e-12 * scale, kind.label() + " vs " + firstKind + (w == 0 ? " whole" : " tiled")
            + ": max |diff| " + diff + " of max " + scale);
      }
    }
  }

  @Test
  void convPatchesHandComputedWithStridePaddingDilation() {
    // one channel, 3x3 map 1..9, kernel 2x2, stride 2, padding 1, dilation 2:
    // Hout = floor((3 + 2 - 2*1 - 1)/2) + 1 = 2; kernel taps at offsets 0 and 2 from (2u-1, 2v-1)
    ConvGeometry g = new ConvGeometry(1, 3, 3, 2, 2, 1, 2);
    assertEquals(2, g.outH);
    double[] map = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    double[] out = new double[4 * 4];
    g.extractPatches(map, 0, out, 0, 4);
    // (u,v)=(0,0): rows -1,1 cols -1,1 -> [0,0,0,5]; (0,1): rows -1,1 cols 1,3 -> [0,0,5,0]
    // (1,0): rows 1,3 cols -1,1 -> [0,5,0,0]; (1,1): rows 1,3 cols 1,3 -> [5,0,0,0]
    assertArrayEquals(new double[] {0, 0, 0, 5, 0, 0, 5, 0, 0, 5, 0, 0, 5, 0, 0, 0}, out, 0.0);

    // stride 1, padding 0, dilation 1 on a 2-channel 3x3 map: 4 patches of 8 values
    ConvGeometry g2 = new ConvGeometry(2, 3, 3, 2, 1, 0, 1);
    double[] map2 = new double[18];
    for (int k = 0; k < 18; k++) {
      map2[k] = k + 1;
    }
    AutocorrelationAccumulator acc = AutocorrelationAccumulator.conv(g2, true, 3);
    acc.addRow(map2, 0);
    acc.addRow(map2, 0);
    double[][] patches = {
      {1, 2, 4, 5, 10, 11, 13, 14}, {2, 3, 5, 6, 11, 12, 14, 15},
      {4, 5, 7, 8, 13, 14, 16, 17}, {5, 6, 8, 9, 14, 15, 17, 18},
      {1, 2, 4, 5, 10, 11, 13, 14}, {2, 3, 5, 6, 11, 12, 14, 15},
      {4, 5, 7, 8, 13, 14, 16, 17}, {5, 6, 8, 9, 14, 15, 17, 18}};
    AutocorrelationStats s = acc.toStats();
    assertEquals(8, s.samples());
    assertEquals(2, s.rows());
    assertEquals(0.0, s.autocorrelation().maxAbsDiff(direct(patches, true)), 1e-12);
    assertEquals(1.0, s.min()[0], 0.0);
    assertEquals(18.0, s.max()[7], 0.0);
  }

  @Test
  void nonFiniteValuesNameTheFeature() {
    AutocorrelationAccumulator acc = AutocorrelationAccumulator.dense(3, true, 4);
    NonFiniteValueException e =
        assertThrows(NonFiniteValueException.class, () -> acc.addRow(new double[] {1, Double.NaN, 2}, 0));
    assertEquals(1, e.feature());
    AutocorrelationAccumulator c = AutocorrelationAccumulator.conv(new ConvGeometry(1, 2, 2, 1, 1, 0, 1), false, 4);
    NonFiniteValueException e2 = assertThrows(NonFiniteValueException.class,
        () -> c.addRow(new float[] {0, 0, Float.POSITIVE_INFINITY, 0}, 0));
    assertEquals(2, e2.feature());
  }

  static float[][] floatRows(double[][] x) {
    float[][] f = new float[x.length][x[0].length];
    for (int n = 0; n < x.length; n++) {
      for (int j = 0; j < x[n].length; j++) {
        f[n][j] = (float) x[n][j];
      }
    }
    return f;
  }

  @Test
  void deferredChecksGiveTheSameStatistics() {
    float[][] f = floatRows(randomRows(103, 7, 5));
    double[][] x = new double[f.length][7];
    for (int n = 0; n < f.length; n++) {
      for (int j = 0; j < 7; j++) {
        x[n][j] = f[n][j];
      }
    }
    for (boolean bias : new boolean[] {true, false}) {
      AutocorrelationAccumulator strict = AutocorrelationAccumulator.dense(7, bias, 10);
      AutocorrelationAccumulator deferred = AutocorrelationAccumulator.dense(7, bias, 10).deferChecks(true);
      AutocorrelationAccumulator half = AutocorrelationAccumulator.dense(7, bias, 4).deferChecks(true);
      AutocorrelationAccumulator shifted = AutocorrelationAccumulator.dense(7, bias, 10).deferChecks(true);
      float[] wide = new float[3 + 7 + 2];
      for (int n = 0; n < f.length; n++) {
        strict.addRow(f[n], 0);
        deferred.addRow(f[n], 0);
        java.util.Arrays.fill(wide, Float.NaN); // around the row: never read
        System.arraycopy(f[n], 0, wide, 3, 7);
        shifted.addRow(wide, 3);
        if (n < 50) {
          half.addRow(f[n], 0);
        }
      }
      AutocorrelationAccumulator rest = AutocorrelationAccumulator.dense(7, bias, 16).deferChecks(true);
      for (int n = 50; n < f.length; n++) {
        rest.addRow(f[n], 0);
      }
      AutocorrelationStats want = strict.toStats();
      for (AutocorrelationStats s : List.of(deferred.toStats(), shifted.toStats(), half.merge(rest).toStats())) {
        assertEquals(0.0, s.autocorrelation().maxAbsDiff(direct(x, bias)), 1e-12);
        assertEquals(103, s.samples());
        assertArrayEquals(want.min(), s.min(), 0.0);
        assertArrayEquals(want.max(), s.max(), 0.0);
        assertArrayEquals(want.mean(), s.mean(), 1e-14);
        for (int j = 0; j < 7; j++) {
          double lo = Double.POSITIVE_INFINITY;
          for (double[] row : x) {
            lo = Math.min(lo, row[j]);
          }
          assertEquals(lo, s.min()[j], 0.0);
        }
      }
    }
  }

  @Test
  void signedZerosGiveTheSameExtremesInEveryMode() {
    // -0.0 is below 0.0 (Math.min's order) whether rows are checked one by one, per block, or merged
    float[][] rows = {{0.0f, -0.0f}, {-0.0f, 0.0f}, {0.0f, -0.0f}, {-0.0f, 0.0f}, {0.0f, -0.0f}};
    AutocorrelationAccumulator strict = AutocorrelationAccumulator.dense(2, true, 2);
    AutocorrelationAccumulator deferred = AutocorrelationAccumulator.dense(2, true, 2).deferChecks(true);
    AutocorrelationAccumulator first = AutocorrelationAccumulator.dense(2, true, 2).deferChecks(true);
    AutocorrelationAccumulator second = AutocorrelationAccumulator.dense(2, true, 2);
    for (int n = 0; n < rows.length; n++) {
      strict.addRow(rows[n], 0);
      deferred.addRow(rows[n], 0);
      (n < 1 ? first : second).addRow(rows[n], 0);
    }
    for (AutocorrelationStats s : List.of(strict.toStats(), deferred.toStats(), first.merge(second).toStats())) {
      for (int j = 0; j < 2; j++) {
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(s.min()[j]), "min " + j);
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(s.max()[j]), "max " + j);
      }
    }
  }

  @Test
  void deferredChecksNameTheRowOfTheBlockAtTheFlush() {
    for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
      AutocorrelationAccumulator acc = AutocorrelationAccumulator.dense(3, true, 4).deferChecks(true);
      float[][] rows = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}, {1, 1, 1}, {2, 2, 2}, {3, bad, 3}, {4, 4, 4}};
      for (int n = 0; n < 7; n++) {
        acc.addRow(rows[n], 0); // rows 0-3 are flushed (clean); the bad row 5 is row 1 of the next block
      }
      assertEquals(3, acc.pendingRows());
      NonFiniteValueException e = assertThrows(NonFiniteValueException.class, acc::finish);
      assertEquals(1, e.pendingRow());
      assertEquals(1, e.feature());
      assertEquals((double) bad, e.value(), 0.0);
    }
    // at a full block, the flush inside addRow reports it
    AutocorrelationAccumulator acc = AutocorrelationAccumulator.dense(2, false, 2).deferChecks(true);
    acc.addRow(new float[] {Float.NaN, 0}, 0);
    NonFiniteValueException e = assertThrows(NonFiniteValueException.class, () -> acc.addRow(new float[] {1, 1}, 0));
    assertEquals(0, e.pendingRow());
    assertEquals(0, e.feature());
    // the strict mode reports the row being added
    assertEquals(-1, assertThrows(NonFiniteValueException.class,
        () -> AutocorrelationAccumulator.dense(2, false, 2).addRow(new float[] {1, Float.NaN}, 0)).pendingRow());
    assertThrows(IllegalStateException.class,
        () -> AutocorrelationAccumulator.dense(2, false, 2).deferChecks(true).addRow(new double[] {1, 2}, 0));
  }

  static AutocorrelationAccumulator roundTrip(AutocorrelationAccumulator a, int[] size) throws Exception {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(a);
    }
    size[0] = bytes.size();
    try (java.io.ObjectInputStream in =
        new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      return (AutocorrelationAccumulator) in.readObject();
    }
  }

  @Test
  void serializedFormKeepsTheUpperTrianglesExactly() throws Exception {
    double[][] x = randomRows(60, 40, 9);
    AutocorrelationAccumulator whole = AutocorrelationAccumulator.dense(40, true, 16);
    List<int[]> coords = List.of(new int[] {0, 0}, new int[] {0, 2}, new int[] {1, 1});
    AutocorrelationAccumulator tiled = AutocorrelationAccumulator.tiled(40, null, true, 16, coords, 16);
    for (double[] row : x) {
      whole.addRow(row, 0);
      tiled.addRow(row, 0);
    }
    int[] size = new int[1];
    AutocorrelationAccumulator back = roundTrip(whole, size);
    AutocorrelationStats want = whole.toStats();
    AutocorrelationStats got = back.toStats();
    assertArrayEquals(want.autocorrelation().data, got.autocorrelation().data, 0.0);
    assertArrayEquals(want.mean(), got.mean(), 0.0);
    assertEquals(60, got.samples());
    // p = 41: the upper triangle (861 doubles), not the whole 41 x 41 (1681), plus 3 x 40 statistics
    assertTrue(size[0] > 8 * (861 + 120) && size[0] < 8 * (861 + 120) + 600, "serialized " + size[0] + " bytes");
    // and it still accumulates and merges
    back.merge(roundTrip(whole, size));
    assertEquals(0.0, back.toStats().autocorrelation().maxAbsDiff(want.autocorrelation()), 1e-12);
    AutocorrelationAccumulator tiledBack = roundTrip(tiled, size);
    for (int t = 0; t < 3; t++) {
      assertArrayEquals(tiled.tileSum(t), tiledBack.tileSum(t), 0.0);
    }
  }

  @Test
  void badTilesAndSizesAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> AutocorrelationAccumulator.dense(0, true, 4));
    assertThrows(IllegalArgumentException.class,
        () -> AutocorrelationAccumulator.tiled(9, null, true, 4, List.of(new int[] {1, 0}), 4));
    assertThrows(IllegalArgumentException.class, () -> new ConvGeometry(1, 2, 2, 3, 1, 0, 1));
  }
}
