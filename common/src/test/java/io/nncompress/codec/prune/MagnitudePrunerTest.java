package io.nncompress.codec.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MagnitudePrunerTest {

  static DenseMatrix random(Random rnd, int r, int c) {
    DenseMatrix m = new DenseMatrix(r, c);
    for (int t = 0; t < m.data.length; t++) {
      m.data[t] = rnd.nextGaussian();
    }
    return m;
  }

  private static int zeros(DenseMatrix m) {
    int z = 0;
    for (double v : m.data) {
      z += v == 0 ? 1 : 0;
    }
    return z;
  }

  @Test
  void targetSparsityIsHitExactlyAndKeepsTheLargest() {
    Random rnd = new Random(4);
    for (double s : new double[] {0, 0.1, 0.333, 0.5, 0.9, 0.999, 1}) {
      DenseMatrix w = random(rnd, 37, 23);
      DenseMatrix p = MagnitudePruner.pruneToSparsity(w, s);
      int expect = (int) Math.floor(s * w.data.length + 0.5);
      assertEquals(expect, zeros(p), "sparsity " + s);
      // every kept |w| >= every pruned |w|, kept values unchanged
      double minKept = Double.POSITIVE_INFINITY;
      double maxPruned = 0;
      for (int t = 0; t < w.data.length; t++) {
        if (p.data[t] == 0) {
          maxPruned = Math.max(maxPruned, Math.abs(w.data[t]));
        } else {
          assertEquals(w.data[t], p.data[t], 0);
          minKept = Math.min(minKept, Math.abs(w.data[t]));
        }
      }
      assertTrue(maxPruned <= minKept);
    }
  }

  @Test
  void tiesAreBrokenByPosition() {
    // all |w| equal: the first round(0.5 * 6) = 3 entries in column-major order are pruned
    DenseMatrix w = DenseMatrix.fromRows(new double[][] {{1, -1, 1}, {-1, 1, -1}});
    DenseMatrix p = MagnitudePruner.pruneToSparsity(w, 0.5);
    assertArrayEquals(new double[] {0, 0, 0, 1, 1, -1}, p.data, 0);
  }

  @Test
  void thresholdPrunesStrictlyBelow() {
    DenseMatrix w = DenseMatrix.fromRows(new double[][] {{0.5, -0.01, 0.02}, {-0.02, 0.019, 3}});
    DenseMatrix p = MagnitudePruner.pruneBelow(w, 0.02);
    assertArrayEquals(new double[][] {{0.5, 0, 0.02}, {-0.02, 0, 3}}[0], p.row(0), 0);
    assertArrayEquals(new double[] {-0.02, 0, 3}, p.row(1), 0);
  }

  @Test
  void saliencyUsesTheInputAutocorrelationDiagonal() {
    // column 1 has a tiny R_jj: its large weights go first
    DenseMatrix w = DenseMatrix.fromRows(new double[][] {{1, 5, 2}, {0.5, 4, 3}});
    double[] r = {1, 0.01, 1};
    // saliencies: (0,0)=1 (1,0)=0.25 (0,1)=0.25 (1,1)=0.16 (0,2)=4 (1,2)=9
    double[] sal = MagnitudePruner.saliency(w, r);
    assertArrayEquals(new double[] {1, 0.25, 0.25, 0.16, 4, 9}, sal, 1e-12);
    DenseMatrix p = MagnitudePruner.pruneBySaliency(w, r, 0.5);
    // prune 3: 0.16 (1,1), then the tie 0.25: (1,0) at data index 1 before (0,1) at 2
    assertArrayEquals(new double[][] {{1, 0, 2}, {0, 0, 3}}[0], p.row(0), 0);
    assertArrayEquals(new double[] {0, 0, 3}, p.row(1), 0);
    // magnitude alone would have pruned 0.5, 1, 2
    assertArrayEquals(new double[] {0, 5, 0}, MagnitudePruner.pruneToSparsity(w, 0.5).row(0), 0);
  }

  @Test
  void badParametersNameTheParameter() {
    DenseMatrix w = DenseMatrix.fromRows(new double[][] {{1, 2}});
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MagnitudePruner.pruneToSparsity(w, 1.2));
    assertEquals("sparsity must be in [0, 1], cannot be: 1.2", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MagnitudePruner.pruneToSparsity(w, -0.1));
    assertEquals("sparsity must be in [0, 1], cannot be: -0.1", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MagnitudePruner.pruneToSparsity(w, Double.NaN));
    assertEquals("sparsity must be in [0, 1], cannot be: NaN", e.getMessage());
    DenseMatrix bad = DenseMatrix.fromRows(new double[][] {{1, Double.NaN}});
    e = assertThrows(IllegalArgumentException.class, () -> MagnitudePruner.pruneToSparsity(bad, 0.5));
    assertEquals("weight (0, 1) must be finite, cannot be: NaN", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MagnitudePruner.pruneBySaliency(w, new double[] {1, -2}, 0.5));
    assertEquals("rDiag[1] must be finite and >= 0, cannot be: -2.0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MagnitudePruner.pruneBySaliency(w, new double[] {1}, 0.5));
    assertTrue(e.getMessage().contains("one entry per column of the 1x2 weights, has 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MagnitudePruner.pruneBelow(w, -1));
    assertEquals("threshold must be finite and >= 0, cannot be: -1.0", e.getMessage());
  }

  @Test
  void gapsWithOverflowPaddingDecode() {
    // gapBits 2: PAD = 3; positions 0, 1, 5 (gap 3 -> PAD, 0), 20 (gap 14 -> PAD x4, 2)
    int[] pos = {0, 1, 5, 20};
    int[] sym = SparseGaps.encode(pos, 2);
    assertArrayEquals(new int[] {0, 0, 3, 0, 3, 3, 3, 3, 2}, sym);
    assertArrayEquals(pos, SparseGaps.decode(sym, 2, 21));
    assertEquals(4, SparseGaps.countValues(sym, 2));
    // 1 bit: only gap 0 is a value, every skipped zero costs a padding symbol
    int[] sym1 = SparseGaps.encode(new int[] {2, 3}, 1);
    assertArrayEquals(new int[] {1, 1, 0, 0}, sym1);
    assertArrayEquals(new int[] {2, 3}, SparseGaps.decode(sym1, 1, 4));
    // random long gaps, every width
    Random rnd = new Random(8);
    for (int g = 1; g <= 16; g++) {
      int[] p = new int[200];
      int q = -1;
      for (int t = 0; t < p.length; t++) {
        q += 1 + (rnd.nextInt(4) == 0 ? rnd.nextInt(5000) : rnd.nextInt(3));
        p[t] = q;
      }
      assertArrayEquals(p, SparseGaps.decode(SparseGaps.encode(p, g), g, q + 1L), "gapBits " + g);
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparseGaps.decode(sym, 2, 20));
    assertTrue(e.getMessage().contains("position 20 of a 20-entry matrix"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SparseGaps.encode(pos, 17));
    assertEquals("gapBits must be in 1..16, cannot be: 17", e.getMessage());
  }
}
