package io.nncompress.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nncompress.linalg.DenseMatrix;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Max pooling's window argmax: the first largest value, the first NaN when there is one. */
class PoolLayerTest {
  // the window's values in (i, j) order: the index of the first NaN, else of the first largest
  private static int expectedArgmax(double[] x, int base, FeatureShape in, int k, int stride, int c, int u, int v) {
    int best = -1;
    for (int i = 0; i < k; i++) {
      for (int j = 0; j < k; j++) {
        int idx = c * in.height * in.width + (u * stride + i) * in.width + v * stride + j;
        double e = x[base + idx];
        if (Double.isNaN(e)) {
          return idx;
        }
        if (best < 0 || e > x[base + best]) {
          best = idx;
        }
      }
    }
    return best;
  }

  @Test
  void maxPoolingTakesTheFirstLargestOrTheFirstNaN() {
    Random r = new Random(3);
    double[] pool = {0.0, -0.0, 1.0, 1.0, -2.0, Double.NaN, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, 0.5};
    for (int[] ks : new int[][] {{2, 2}, {3, 1}, {2, 1}}) {
      FeatureShape in = FeatureShape.map(3, 7, 6);
      PoolLayer p = new PoolLayer(LayerSpec.pool("p", LayerType.MAXPOOL, ks[0], ks[1]), in);
      FeatureShape out = p.outputShape();
      int n = 4;
      DenseMatrix x = new DenseMatrix(in.size(), n);
      for (int e = 0; e < x.data.length; e++) {
        // sample 0: ties and no NaN; the others: NaN, infinities, signed zeros and ties mixed
        x.data[e] = e < in.size() ? r.nextInt(3) : pool[r.nextInt(pool.length)];
      }
      DenseMatrix y = p.forward(x);
      int windows = 0;
      int nanWindows = 0;
      for (int s = 0; s < n; s++) {
        int k = 0;
        for (int c = 0; c < out.channels; c++) {
          for (int u = 0; u < out.height; u++) {
            for (int v = 0; v < out.width; v++, k++) {
              int base = s * in.size();
              int want = expectedArgmax(x.data, base, in, ks[0], ks[1], c, u, v);
              String at = "kernel " + ks[0] + " stride " + ks[1] + " sample " + s + " window " + c + "," + u + "," + v;
              assertEquals(want, p.argmax(x.data, base, c, u, v), at);
              assertEquals(Double.doubleToRawLongBits(x.data[base + want]),
                  Double.doubleToRawLongBits(y.get(k, s)), at);
              windows++;
              nanWindows += Double.isNaN(x.data[base + want]) ? 1 : 0;
            }
          }
        }
      }
      assertEquals(n * out.size(), windows);
      assertEquals(true, nanWindows > 0, "some windows hold a NaN");
    }
  }
}
