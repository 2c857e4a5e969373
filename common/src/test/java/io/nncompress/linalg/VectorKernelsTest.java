package io.nncompress.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ludovic.netlib.blas.BLAS;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API kernels against a direct triple loop and against the BLAS the JVM runs (native OpenBLAS
 * when installed), on odd sizes whose tails fill neither a vector (8 or 4 doubles) nor a register tile
 * (2 vectors x 6 columns) nor a cache block (KC = 256), with offsets, padded leading dimensions, alpha and beta.
 */
class VectorKernelsTest {
  private static final int[][] SHAPES = { // m, n, k
      {1, 1, 1}, {3, 3, 3}, {17, 17, 17}, {130, 130, 130}, {257, 257, 257},
      {1, 257, 3}, {257, 1, 130}, {17, 130, 257}, {130, 3, 17}, {3, 257, 1}};
  // the offsets and the padding of the leading dimensions: elements there must stay untouched
  private static final int OFF = 5;
  private static final int PAD = 3;
  private static final double REL = 1e-12;

  private static double[] random(Random r, int size) {
    double[] x = new double[size];
    for (int i = 0; i < size; i++) {
      x[i] = r.nextGaussian();
    }
    return x;
  }

  // direct C = alpha op(A) op(B) + beta C on the wanted entries (tri: 0 all, 1 i <= j, -1 i >= j)
  private static void reference(boolean ta, boolean tb, int m, int n, int k, double alpha, double[] a, int lda,
      double[] b, int ldb, double beta, double[] c, int ldc, int tri) {
    for (int j = 0; j < n; j++) {
      for (int i = 0; i < m; i++) {
        if ((tri == 1 && i > j) || (tri == -1 && i < j)) {
          continue;
        }
        double s = 0;
        for (int p = 0; p < k; p++) {
          double x = ta ? a[OFF + p + i * lda] : a[OFF + i + p * lda];
          double y = tb ? b[OFF + j + p * ldb] : b[OFF + p + j * ldb];
          s += x * y;
        }
        c[OFF + i + j * ldc] = alpha * s + beta * c[OFF + i + j * ldc];
      }
    }
  }

  // max |x - y| over the whole arrays (padding included) relative to max |y|
  private static void assertClose(double[] expected, double[] actual, String what) {
    assertEquals(expected.length, actual.length);
    double diff = 0;
    double scale = 0;
    for (int i = 0; i < expected.length; i++) {
      diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
      scale = Math.max(scale, Math.abs(expected[i]));
    }
    assertTrue(diff <= REL * scale, what + ": max |diff| " + diff + " > 1e-12 x max |C| " + scale);
  }

  @Test
  void dgemmEqualsTripleLoopAndBlasOnOddSizes() {
    Random r = new Random(18);
    BLAS blas = Blas.blas();
    for (int[] s : SHAPES) {
      int m = s[0];
      int n = s[1];
      int k = s[2];
      for (int t = 0; t < 4; t++) {
        boolean ta = (t & 1) != 0;
        boolean tb = (t & 2) != 0;
        String what = "dgemm " + (ta ? "T" : "N") + (tb ? "T" : "N") + " m=" + m + " n=" + n + " k=" + k;
        int lda = (ta ? k : m) + PAD;
        int ldb = (tb ? n : k) + PAD;
        int ldc = m + PAD;
        double[] a = random(r, OFF + lda * (ta ? m : k));
        double[] b = random(r, OFF + ldb * (tb ? k : n));
        double[] c0 = random(r, OFF + ldc * n);
        double[] expected = c0.clone();
        reference(ta, tb, m, n, k, 0.7, a, lda, b, ldb, -1.3, expected, ldc, 0);
        double[] vector = c0.clone();
        VectorKernels.dgemm(ta ? "T" : "N", tb ? "T" : "N", m, n, k, 0.7, a, OFF, lda, b, OFF, ldb, -1.3, vector, OFF,
            ldc);
        assertClose(expected, vector, what + " vs triple loop");
        double[] viaBlas = c0.clone();
        blas.dgemm(ta ? "T" : "N", tb ? "T" : "N", m, n, k, 0.7, a, OFF, lda, b, OFF, ldb, -1.3, viaBlas, OFF, ldc);
        assertClose(viaBlas, vector, what + " vs " + Blas.describe());
      }
    }
  }

  @Test
  void dsyrkEqualsTripleLoopAndBlasOnOddSizesAndLeavesTheOtherTriangle() {
    Random r = new Random(19);
    BLAS blas = Blas.blas();
    for (int[] s : SHAPES) {
      int n = s[0];
      int k = s[2];
      for (String uplo : new String[] {"U", "L"}) {
        for (String trans : new String[] {"N", "T"}) {
          boolean t = trans.equals("T");
          String what = "dsyrk " + uplo + trans + " n=" + n + " k=" + k;
          int lda = (t ? k : n) + PAD;
          int ldc = n + PAD;
          double[] a = random(r, OFF + lda * (t ? n : k));
          double[] c0 = random(r, OFF + ldc * n);
          double[] expected = c0.clone(); // the other triangle and the padding keep c0's values
          reference(t, !t, n, n, k, 1.1, a, lda, a, lda, 0.5, expected, ldc, uplo.equals("U") ? 1 : -1);
          double[] vector = c0.clone();
          VectorKernels.dsyrk(uplo, trans, n, k, 1.1, a, OFF, lda, 0.5, vector, OFF, ldc);
          assertClose(expected, vector, what + " vs triple loop");
          double[] viaBlas = c0.clone();
          blas.dsyrk(uplo, trans, n, k, 1.1, a, OFF, lda, 0.5, viaBlas, OFF, ldc);
          assertClose(viaBlas, vector, what + " vs " + Blas.describe());
        }
      }
    }
  }

  @Test
  void betaZeroOverwritesWhateverCHeldAndAlphaZeroOnlyScales() {
    double[] a = {1, 2, 3, 4}; // 2 x 2, column-major
    double[] c = {Double.NaN, Double.NaN, Double.NaN, Double.NaN};
    VectorKernels.dgemm("N", "N", 2, 2, 2, 1.0, a, 0, 2, a, 0, 2, 0.0, c, 0, 2);
    // [1 3; 2 4]^2 = [7 15; 10 22]
    assertEquals(java.util.List.of(7.0, 10.0, 15.0, 22.0), java.util.List.of(c[0], c[1], c[2], c[3]));
    double[] s = {1, Double.NaN, 3, 4};
    VectorKernels.dsyrk("U", "N", 2, 2, 0.0, a, 0, 2, 2.0, s, 0, 2);
    assertEquals(java.util.List.of(2.0, 6.0, 8.0), java.util.List.of(s[0], s[2], s[3]));
    assertTrue(Double.isNaN(s[1]), "the lower triangle is not touched");
  }

  @Test
  void badArgumentsNameTheMatrixAndTheValue() {
    double[] a = new double[6];
    IllegalArgumentException lda = assertThrows(IllegalArgumentException.class,
        () -> VectorKernels.dgemm("N", "N", 3, 2, 2, 1.0, a, 0, 2, a, 0, 2, 0.0, a, 0, 3));
    assertEquals("Leading dimension of A must be at least 3, cannot be: 2", lda.getMessage());
    IllegalArgumentException fit = assertThrows(IllegalArgumentException.class,
        () -> VectorKernels.dgemm("N", "N", 3, 2, 2, 1.0, a, 1, 3, a, 0, 2, 0.0, a, 0, 3));
    assertEquals("A (3x2, offset 1, ld 3) does not fit in its array of 6", fit.getMessage());
    IllegalArgumentException uplo = assertThrows(IllegalArgumentException.class,
        () -> VectorKernels.dsyrk("X", "N", 2, 2, 1.0, a, 0, 2, 0.0, a, 0, 2));
    assertEquals("dsyrk: uplo must be U or L, cannot be: X", uplo.getMessage());
  }

  @Test
  void blasDispatchRunsTheChosenImplementationAndRestoresIt() {
    Level3 before = Blas.level3();
    double[] a = {1, 2, 3, 4, 5, 6}; // 3 x 2
    for (Level3 kind : Level3.values()) {
      if (!kind.available()) {
        continue;
      }
      try (Blas.Restore ignored = Blas.useLevel3(kind)) {
        assertEquals(kind, Blas.level3());
        double[] c = new double[4];
        Blas.dgemm("T", "N", 2, 2, 3, 1.0, a, 3, a, 3, 0.0, c, 2);
        // A^T A = [14 32; 32 77]
        assertEquals(java.util.List.of(14.0, 32.0, 32.0, 77.0), java.util.List.of(c[0], c[1], c[2], c[3]), kind.label());
      }
      assertEquals(before, Blas.level3());
    }
  }
}
