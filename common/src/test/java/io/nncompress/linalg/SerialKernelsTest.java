package io.nncompress.linalg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 1: the calling-thread kernels GroupLassoBcd's column loop uses ({@link Blas#dgerSerial},
 * {@link Blas#dgemmSerial}) against direct loops, on the shapes and strides BCD gives them (h x b blocks of
 * a working set's gradient, rows of R_WW with stride 1, a column block of R_WW with leading dimension w).
 */
class SerialKernelsTest {
  private static double[] random(Random r, int size) {
    double[] x = new double[size];
    for (int i = 0; i < size; i++) {
      x[i] = r.nextGaussian();
    }
    return x;
  }

  @Test
  void dgerSerialAddsTheRankOneUpdateAndLeavesTheRestAlone() {
    Random r = new Random(7);
    int m = 37;
    int n = 13;
    int lda = 41;
    int offa = 5;
    double[] x = random(r, 3 + m);
    double[] y = random(r, 2 + 3 * n);
    double[] a = random(r, offa + lda * n + 4);
    double[] expected = a.clone();
    for (int j = 0; j < n; j++) {
      for (int i = 0; i < m; i++) {
        expected[offa + i + j * lda] += -0.75 * x[3 + i] * y[2 + 3 * j];
      }
    }
    Blas.dgerSerial(m, n, -0.75, x, 3, y, 2, 3, a, offa, lda);
    for (int k = 0; k < a.length; k++) {
      assertEquals(expected[k], a[k], 1e-14 * (1 + Math.abs(expected[k])), "entry " + k);
    }
    // and the same as the BLAS in use (the path BCD took before) to rounding
    double[] viaBlas = expected.clone();
    double[] serial = expected.clone();
    Blas.blas().dger(m, n, 1.5, x, 3, 1, y, 2, 3, viaBlas, offa, lda);
    Blas.dgerSerial(m, n, 1.5, x, 3, y, 2, 3, serial, offa, lda);
    for (int k = 0; k < a.length; k++) {
      assertEquals(viaBlas[k], serial[k], 1e-14 * (1 + Math.abs(viaBlas[k])), "entry " + k);
    }
  }

  @Test
  void dgemmSerialEqualsTheThreadedProductOnALargeOne() {
    // 300 x 700 x 64 = 13.4M multiply-adds: above the threaded kernels' threshold, below BCD's serial bound
    Random r = new Random(11);
    int h = 300;
    int n = 700;
    int b = 64;
    int w = 780;
    double[] d = random(r, h * b);
    double[] rww = random(r, w * w);
    double[] g = random(r, h * n);
    double[] threaded = g.clone();
    double[] serial = g.clone();
    Blas.dgemm("N", "N", h, n, b, 1.0, d, 0, h, rww, 70 + 3 * w, w, 1.0, threaded, 0, h);
    Blas.dgemmSerial("N", "N", h, n, b, 1.0, d, 0, h, rww, 70 + 3 * w, w, 1.0, serial, 0, h);
    double diff = 0;
    double scale = 0;
    for (int k = 0; k < g.length; k++) {
      diff = Math.max(diff, Math.abs(threaded[k] - serial[k]));
      scale = Math.max(scale, Math.abs(threaded[k]));
    }
    assertTrue(diff <= 1e-12 * scale, "max |diff| " + diff + " > 1e-12 x " + scale);
    // one entry by hand: g + sum_q d[i, q] rww[70 + q, 3 + j]
    int i = 123;
    int j = 456;
    double s = g[i + j * h];
    for (int q = 0; q < b; q++) {
      s += d[i + q * h] * rww[70 + q + (3 + j) * w];
    }
    assertEquals(s, serial[i + j * h], 1e-12 * Math.abs(s) + 1e-13);
  }
}
