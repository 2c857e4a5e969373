package io.nncompress.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.ElementwiseLayer;
import io.nncompress.model.FeatureShape;
import io.nncompress.model.LayerSpec;
import io.nncompress.model.LayerType;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Relu forward and backward without a branch per value give the bits of the branching definition. */
class ReluKernelsTest {
  private static final double[] SPECIAL = {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MAX_VALUE,
      Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 1e-310, -1e-310, 2.5, -2.5};

  private static void check(double[] x, double[] dy, String what) {
    ElementwiseLayer relu = new ElementwiseLayer(LayerSpec.simple("r", LayerType.RELU), FeatureShape.flat(x.length));
    DenseMatrix y = relu.forward(new DenseMatrix(x.length, 1, x.clone()));
    double[] dx = new double[x.length];
    Backprop.reluBackward(x, dy, dx);
    for (int k = 0; k < x.length; k++) {
      double wantY = x[k] > 0 ? x[k] : 0.0; // NaN -> 0, -0 -> +0
      double wantDx = dy[k] * (x[k] > 0 ? 1.0 : 0.0);
      assertEquals(Double.doubleToRawLongBits(wantY), Double.doubleToRawLongBits(y.data[k]),
          what + ": relu(" + x[k] + ")");
      assertEquals(Double.doubleToRawLongBits(wantDx), Double.doubleToRawLongBits(dx[k]),
          what + ": dy " + dy[k] + " at x " + x[k]);
    }
  }

  @Test
  void reluAndItsGradientMatchTheBranchingDefinitionBitForBit() {
    Random r = new Random(9);
    int n = 1003; // not a multiple of 4
    double[] x = new double[n];
    double[] dy = new double[n];
    for (int k = 0; k < n; k++) {
      x[k] = k % 7 == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : r.nextGaussian();
      dy[k] = k % 5 == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : r.nextGaussian();
    }
    dy[4] = Double.POSITIVE_INFINITY; // inf * 0 = NaN where x <= 0: the branching definition's NaN
    x[4] = -1.0;
    check(x, dy, "finite and infinite values");
    x[17] = Double.NaN; // a NaN input: relu gives 0, its gradient 0
    check(x, dy, "with a NaN input");
    dy[30] = Double.NaN;
    check(x, dy, "with a NaN gradient");
  }
}
