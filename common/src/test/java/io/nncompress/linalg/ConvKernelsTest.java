package io.nncompress.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The per-sample shifted-patch conv kernels against the convolution written out as loops, image by image. */
class ConvKernelsTest {
  // C, H, W, kh, kw, strideH, strideW, padH, padW, dilH, dilW, O: the demo convnet's two convs, then
  // strides, padding (wider than the kernel reach too), dilation, a 1x1 kernel and a kernel as large as the map
  private static final int[][] CASES = {
      {1, 28, 28, 5, 5, 1, 1, 0, 0, 1, 1, 8},
      {8, 12, 12, 5, 5, 1, 1, 0, 0, 1, 1, 16},
      {2, 7, 6, 3, 2, 1, 1, 1, 1, 1, 1, 3},
      {3, 9, 8, 3, 3, 2, 3, 1, 2, 1, 1, 4},
      {2, 8, 9, 2, 3, 1, 2, 3, 4, 2, 2, 5},
      {4, 5, 5, 1, 1, 2, 2, 0, 0, 1, 1, 2},
      {2, 4, 3, 4, 3, 1, 1, 0, 0, 1, 1, 3}};

  private static ConvGeometry geometry(int[] c) {
    return new ConvGeometry(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10]);
  }

  private static DenseMatrix random(Random r, int rows, int cols) {
    DenseMatrix m = new DenseMatrix(rows, cols);
    for (int k = 0; k < m.data.length; k++) {
      m.data[k] = r.nextGaussian();
    }
    return m;
  }

  // the input value read by output position (u, v) at kernel element (c, i, j) of sample s, 0 in the padding
  private static double read(ConvGeometry g, DenseMatrix x, int s, int c, int u, int v, int i, int j) {
    int y = u * g.strideH - g.padH + i * g.dilationH;
    int xx = v * g.strideW - g.padW + j * g.dilationW;
    return y < 0 || y >= g.height || xx < 0 || xx >= g.width ? 0.0
        : x.get(c * g.height * g.width + y * g.width + xx, s);
  }

  @Test
  void shiftedPatchesAreTheTransposeOfExtractPatches() {
    Random r = new Random(5);
    for (int[] c : CASES) {
      ConvGeometry g = geometry(c);
      int np = g.positions();
      int ps = g.patchSize();
      double[] in = random(r, g.inputSize(), 1).data;
      double[] p = new double[ps * np];
      g.extractPatches(in, 0, p, 0, ps);
      // a leading dimension above np and an offset: the rows in between stay untouched
      double[] pt = new double[3 + (np + 2) * ps];
      java.util.Arrays.fill(pt, 7.0);
      ConvKernels.shiftedPatches(g, in, 0, pt, 3, np + 2);
      for (int q = 0; q < np; q++) {
        for (int k = 0; k < ps; k++) {
          assertEquals(p[k + q * ps], pt[3 + q + k * (np + 2)], 0.0, g + " position " + q + " element " + k);
        }
      }
      assertEquals(7.0, pt[3 + np], 0.0);
    }
  }

  @Test
  void forwardAndBackwardMatchLoopsOverEachImage() {
    int ran = 0;
    for (Level3 kind : Level3.values()) {
      if (kind.available()) { // native OpenBLAS, the Vector API kernels, netlib's Java: dgemm with offsets
        try (Blas.Restore restore = Blas.useLevel3(kind)) {
          forwardAndBackwardMatchLoops(kind);
          ran++;
        }
      }
    }
    assertTrue(ran >= 1, "no level-3 implementation ran");
  }

  private static void forwardAndBackwardMatchLoops(Level3 kind) {
    Random r = new Random(7);
    for (int[] c : CASES) {
      ConvGeometry g = geometry(c);
      int o = c[11];
      int n = 3;
      int np = g.positions();
      DenseMatrix w = random(r, o, g.patchSize());
      double[] b = random(r, o, 1).data;
      DenseMatrix x = random(r, g.inputSize(), n);
      DenseMatrix dy = random(r, o * np, n);
      DenseMatrix y = new DenseMatrix(o * np, n);
      java.util.Arrays.fill(y.data, 99.0); // overwritten
      ConvKernels.forward(g, w, b, x, y);
      DenseMatrix yNoBias = new DenseMatrix(o * np, n);
      ConvKernels.forward(g, w, null, x, yNoBias);
      DenseMatrix dw = random(r, o, g.patchSize()); // overwritten
      double[] db = random(r, o, 1).data;
      DenseMatrix dx = random(r, g.inputSize(), n);
      ConvKernels.backward(g, w, x, dy, dw, db, dx);
      DenseMatrix dwOnly = new DenseMatrix(o, g.patchSize());
      ConvKernels.backward(g, w, x, dy, dwOnly, null, null);

      double[] yRef = new double[y.data.length];
      double[] dwRef = new double[dw.data.length];
      double[] dbRef = new double[o];
      double[] dxRef = new double[dx.data.length];
      int hw = g.height * g.width;
      for (int s = 0; s < n; s++) {
        for (int a = 0; a < o; a++) {
          for (int u = 0; u < g.outH; u++) {
            for (int v = 0; v < g.outW; v++) {
              int row = a * np + u * g.outW + v;
              double sum = 0;
              double d = dy.get(row, s);
              dbRef[a] += d;
              for (int ch = 0; ch < g.channels; ch++) {
                for (int i = 0; i < g.kernelH; i++) {
                  for (int j = 0; j < g.kernelW; j++) {
                    int k = (ch * g.kernelH + i) * g.kernelW + j;
                    double xv = read(g, x, s, ch, u, v, i, j);
                    sum += w.get(a, k) * xv;
                    dwRef[a + k * o] += d * xv;
                    int yy = u * g.strideH - g.padH + i * g.dilationH;
                    int xx = v * g.strideW - g.padW + j * g.dilationW;
                    if (yy >= 0 && yy < g.height && xx >= 0 && xx < g.width) {
                      dxRef[s * g.inputSize() + ch * hw + yy * g.width + xx] += d * w.get(a, k);
                    }
                  }
                }
              }
              yRef[row + s * o * np] = sum + b[a];
              assertEquals(sum, yNoBias.get(row, s), 1e-12, kind + " " + g + " output without bias");
            }
          }
        }
      }
      assertArrayEquals(yRef, y.data, 1e-12, kind + " " + g + " output");
      assertArrayEquals(dwRef, dw.data, 1e-12, kind + " " + g + " dW");
      assertArrayEquals(dwRef, dwOnly.data, 1e-12, kind + " " + g + " dW without dX");
      assertArrayEquals(dbRef, db, 1e-12, kind + " " + g + " db");
      assertArrayEquals(dxRef, dx.data, 1e-12, kind + " " + g + " dX");
    }
  }
}
