package io.nncompress.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DenseMatrixTest {

  @Test
  void gemmMatchesHandComputedProduct() {
    DenseMatrix a = DenseMatrix.fromRows(new double[][] {{1, 2, 3}, {4, 5, 6}});
    DenseMatrix b = DenseMatrix.fromRows(new double[][] {{7, 8}, {9, 10}, {11, 12}});
    DenseMatrix c = a.times(b);
    // [1 2 3; 4 5 6] [7 8; 9 10; 11 12] = [58 64; 139 154]
    assertArrayEquals(new double[] {58, 64, 139, 154}, c.toRowMajor(), 0.0);

    DenseMatrix ct = new DenseMatrix(3, 3);
    DenseMatrix.gemm(1.0, a, true, a, false, 0.0, ct); // A^T A
    assertEquals(1 * 1 + 4 * 4, ct.get(0, 0), 0.0);
    assertEquals(2 * 3 + 5 * 6, ct.get(1, 2), 0.0);
  }

  @Test
  void shapeErrorsNameBothShapes() {
    DenseMatrix a = new DenseMatrix(3, 4);
    DenseMatrix b = new DenseMatrix(4, 3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.minus(b));
    assertEquals("Must be same shape. 3x4 vs 4x3", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> a.times(a));
  }

  @Test
  void selectionsAndSymmetrize() {
    DenseMatrix r = DenseMatrix.fromRows(new double[][] {{1, 2, 3}, {0, 5, 6}, {0, 0, 9}}).symmetrizeFromUpper();
    assertArrayEquals(new double[] {1, 2, 3, 2, 5, 6, 3, 6, 9}, r.toRowMajor(), 0.0);
    assertArrayEquals(new double[] {1, 3, 3, 9}, r.selectSymmetric(new int[] {0, 2}).toRowMajor(), 0.0);
    assertArrayEquals(new double[] {3, 1, 6, 2, 9, 3}, r.selectColumns(new int[] {2, 0}).toRowMajor(), 0.0);
    assertArrayEquals(new double[] {3, 6, 9}, r.selectRows(new int[] {2}).toRowMajor(), 0.0);
    assertArrayEquals(r.toRowMajor(), r.transpose().toRowMajor(), 0.0);
  }

  @Test
  void blasFollowsTheSystemProperty() {
    String mode = System.getProperty(Blas.PROPERTY, "auto");
    if (mode.equals("java") || mode.equals("vector")) {
      assertFalse(Blas.isNative());
      assertTrue(Blas.describe().startsWith("pure-Java"), Blas.describe());
      // the test JVMs run with --add-modules jdk.incubator.vector (see the poms)
      assertEquals(mode.equals("vector") ? Level3.VECTOR : Level3.JAVA, Blas.level3(), Blas.describe());
      assertEquals(mode.equals("vector"), Blas.describe().contains("dgemm, dsyrk: Vector API, "), Blas.describe());
    } else if (new java.io.File("/usr/lib/x86_64-linux-gnu/libblas.so.3").exists()) {
      assertTrue(Blas.isNative(), "libblas.so.3 is installed but native BLAS did not load: " + Blas.describe());
    }
    assertThrows(IllegalArgumentException.class, () -> Blas.choose("fortran"));
  }
}
