package io.nncompress.codec.lowrank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.ConvGeometry;
import io.nncompress.linalg.DenseMatrix;
import org.junit.jupiter.api.Test;

class ConvLowRankTest {

  /** out[o, p] = sum_k weights[o, k] patch_p[k]: a conv as patches times the O x (C kh kw) matrix. */
  private static double[] conv(ConvGeometry g, double[] input, DenseMatrix weights) {
    int ps = g.patchSize();
    assertEquals(ps, weights.cols);
    double[] patches = new double[g.positions() * ps];
    g.extractPatches(input, 0, patches, 0, ps);
    double[] out = new double[weights.rows * g.positions()]; // O x outH x outW row-major
    for (int o = 0; o < weights.rows; o++) {
      for (int p = 0; p < g.positions(); p++) {
        double s = 0;
        for (int k = 0; k < ps; k++) {
          s += weights.get(o, k) * patches[p * ps + k];
        }
        out[o * g.positions() + p] = s;
      }
    }
    return out;
  }

  @Test
  void twoConvsComposeToTheTruncatedKernel() {
    int o = 5;
    int in = 3;
    int kh = 3;
    int kw = 2;
    double[] kernel = LowRankTestData.gaussian(o * in * kh * kw, 1, 41).data;
    DenseMatrix k = ConvLowRank.kernelMatrix(kernel, o, in, kh, kw);
    assertEquals(kernel[1 * in * kh * kw + 2 * kh * kw + 1 * kw + 1], k.get(1, 2 * kh * kw + 1 * kw + 1), 0.0);
    assertArrayEquals(kernel, ConvLowRank.kernelOf(k), 0.0);

    LowRankFactors f = TruncatedSvd.factor(k, 2);
    ConvGeometry g = new ConvGeometry(in, 7, 6, kh, kw, 2, 1, 1, 1, 1, 1);
    double[] x = LowRankTestData.gaussian(g.inputSize(), 1, 42).data;

    double[] single = conv(g, x, f.product());
    // first conv: r x I x kh x kw weights = Q^T; second conv: 1 x 1 with O x r weights = P
    double[] w1 = ConvLowRank.firstConvWeights(f);
    double[] w2 = ConvLowRank.pointwiseConvWeights(f);
    double[] mid = conv(g, x, DenseMatrix.fromRowMajor(2, in * kh * kw, w1));
    ConvGeometry pointwise = new ConvGeometry(2, g.outH, g.outW, 1, 1, 0, 1); // 1x1, stride 1, no padding
    double[] two = conv(pointwise, mid, DenseMatrix.fromRowMajor(o, 2, w2));
    assertEquals(single.length, two.length);
    for (int i = 0; i < single.length; i++) {
      assertEquals(single[i], two[i], 1e-12);
    }
    // and the truncated kernel differs from the full one (rank 2 < 5): the test compares something
    double[] full = conv(g, x, k);
    double maxDiff = 0;
    for (int i = 0; i < full.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(full[i] - single[i]));
    }
    assertTrue(maxDiff > 1e-3);
  }
}
