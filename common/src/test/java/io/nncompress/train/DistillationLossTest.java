package io.nncompress.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Network;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DistillationLossTest {
  @Test
  void lossOfAHandComputedCase() {
    // z = (0, 0): softmax (1/2, 1/2); teacher t = (ln 3 * T, 0): softmax(t / T) = (3/4, 1/4)
    double t = 2.0;
    DistillationLoss loss = new DistillationLoss(t, 0.25);
    DenseMatrix z = new DenseMatrix(2, 1, new double[] {0, 0});
    DenseMatrix teacher = new DenseMatrix(2, 1, new double[] {Math.log(3) * t, 0});
    DenseMatrix dz = new DenseMatrix(2, 1);
    double l = loss.lossAndGradient(z, new int[] {1}, teacher, 1.0, dz);
    double ce = Math.log(2);
    double kl = 0.75 * Math.log(0.75 / 0.5) + 0.25 * Math.log(0.25 / 0.5);
    assertEquals(0.25 * ce + 0.75 * t * t * kl, l, 1e-12);
    // dz_0 = 0.25 * (1/2 - 0) + 0.75 * T * (1/2 - 3/4)
    assertEquals(0.25 * 0.5 + 0.75 * t * (0.5 - 0.75), dz.data[0], 1e-12);
    // without labels: distillation alone
    double soft = loss.lossAndGradient(z, null, teacher, 1.0, dz);
    assertEquals(t * t * kl, soft, 1e-12);
  }

  @Test
  void distillationGradientMatchesFiniteDifferencesThroughTheNetwork() {
    Random r = new Random(11);
    Network student = ConstrainedNetworkTest.mlp(r);
    Network teacher = ConstrainedNetworkTest.mlp(new Random(12));
    ConstrainedNetwork c = new ConstrainedNetwork(student);
    DenseMatrix x = ConstrainedNetworkTest.random(r, 6, 7, 1.0);
    int[] y = {2, 0, 1, 1, 0, 2, 1};
    for (DistillationLoss loss : new DistillationLoss[] {new DistillationLoss(3.0, 0.3),
        new DistillationLoss(1.5, 0.0)}) {
      for (int[] labels : new int[][] {y, null}) {
        double[] g = new double[c.size()];
        loss.addGradient(c, teacher, x, labels, 1.0 / 7, new Backprop.Gradients(student), g);
        double[] v = c.values();
        double h = 1e-5;
        for (int k = 0; k < v.length; k += 3) {
          double[] plus = v.clone();
          plus[k] += h;
          double[] minus = v.clone();
          minus[k] -= h;
          c.set(plus);
          double lp = ConstrainedNetworkTest.loss(c, loss, teacher, x, labels);
          c.set(minus);
          double lm = ConstrainedNetworkTest.loss(c, loss, teacher, x, labels);
          c.set(v);
          assertEquals((lp - lm) / (2 * h), g[k], 1e-7, "value " + k + ", T " + loss.temperature + ", alpha "
              + loss.alpha + (labels == null ? ", no labels" : ""));
        }
      }
    }
  }

  @Test
  void badSettingsNameTheValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(0, 0.5));
    assertEquals("temperature must be a positive number, cannot be: 0.0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(2, 1.5));
    assertEquals("alpha must be in [0, 1], cannot be: 1.5", e.getMessage());
  }
}
