package io.nncompress.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.DenseLayer;
import io.nncompress.model.ElementwiseLayer;
import io.nncompress.model.FeatureShape;
import io.nncompress.model.Layer;
import io.nncompress.model.LayerSpec;
import io.nncompress.model.LayerType;
import io.nncompress.model.Network;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ConstrainedNetworkTest {
  static DenseMatrix random(Random r, int rows, int cols, double scale) {
    DenseMatrix m = new DenseMatrix(rows, cols);
    for (int k = 0; k < m.data.length; k++) {
      m.data[k] = scale * r.nextGaussian();
    }
    return m;
  }

  /** dense 6 -> 5, tanh, dense 5 -> 3 (smooth, so that finite differences are exact to O(h^2)). */
  static Network mlp(Random r) {
    double[] b1 = random(r, 5, 1, 0.1).data;
    double[] b2 = random(r, 3, 1, 0.1).data;
    List<Layer> l = List.of(new DenseLayer("fc1", random(r, 5, 6, 0.5), b1),
        new ElementwiseLayer(LayerSpec.simple("t", LayerType.TANH), FeatureShape.flat(5)),
        new DenseLayer("fc2", random(r, 3, 5, 0.5), b2));
    return new Network("mlp", FeatureShape.flat(6), null, l);
  }

  static double loss(ConstrainedNetwork c, DistillationLoss loss, Network teacher, DenseMatrix x, int[] y) {
    double[] g = new double[c.size()];
    return loss.addGradient(c, teacher, x, y, 1.0 / x.cols, new Backprop.Gradients(c.network()), g);
  }

  @Test
  void centroidGradientIsTheSumOfItsWeightsGradientsAndMatchesFiniteDifferences() {
    Random r = new Random(3);
    Network net = mlp(r);
    int[] index = new int[30];
    for (int e = 0; e < index.length; e++) {
      index[e] = e % 7 == 0 ? -1 : r.nextInt(3); // some pruned (-1)
    }
    double[] centroids = {-0.4, 0.1, 0.6};
    ConstrainedNetwork c = new ConstrainedNetwork(net).share(0, index, centroids);
    assertEquals(3 + 5 + 15 + 3, c.size());
    assertEquals(0.0, net.layer(0) instanceof DenseLayer ? ((DenseLayer) net.layer(0)).weight().data[0] : 1, 0.0);
    assertEquals(centroids[index[1]], ((DenseLayer) net.layer(0)).weight().data[1], 0.0);
    DenseMatrix x = random(r, 6, 8, 1.0);
    int[] y = {0, 1, 2, 0, 1, 2, 2, 1};
    double[] g = new double[c.size()];
    DistillationLoss ce = DistillationLoss.CROSS_ENTROPY;
    ce.addGradient(c, null, x, y, 1.0 / 8, new Backprop.Gradients(net), g);
    // the centroid's gradient is the sum of its weights' (full gradient of the unshared network)
    Backprop.Gradients full = new Backprop.Gradients(net);
    Backprop.lossAndGradients(net, x, y, full);
    for (int k = 0; k < 3; k++) {
      double sum = 0;
      for (int e = 0; e < index.length; e++) {
        sum += index[e] == k ? full.weight[0].data[e] : 0;
      }
      assertEquals(sum, g[k], 1e-12);
    }
    // and the derivative of the loss along each centroid (central differences)
    double[] v = c.values();
    double h = 1e-5;
    for (int k = 0; k < 3; k++) {
      double[] plus = v.clone();
      plus[k] += h;
      double[] minus = v.clone();
      minus[k] -= h;
      c.set(plus);
      double lp = loss(c, ce, null, x, y);
      c.set(minus);
      double lm = loss(c, ce, null, x, y);
      assertEquals((lp - lm) / (2 * h), g[k], 1e-7, "centroid " + k);
    }
    c.set(v);
    assertNotEquals(0.0, g[0]);
  }

  @Test
  void trainingKeepsPrunedZerosSharedIndicesAndShapes() {
    Random r = new Random(5);
    Network net = mlp(r);
    double[] w2 = ((DenseLayer) net.layer(2)).weight().data;
    for (int e = 0; e < w2.length; e += 2) {
      w2[e] = 0.0; // pruned
    }
    int[] index = new int[30];
    for (int e = 0; e < index.length; e++) {
      index[e] = e % 5 == 0 ? -1 : e % 4;
    }
    ConstrainedNetwork c = new ConstrainedNetwork(net).share(0, index, new double[] {-0.3, -0.1, 0.2, 0.5})
        .freezeZeros(2);
    double[] before = w2.clone();
    DenseMatrix x = random(r, 6, 20, 1.0);
    int[] y = new int[20];
    for (int s = 0; s < y.length; s++) {
      y[s] = s % 3;
    }
    Adam adam = new Adam(c.blocks(), 0.05);
    double first = Double.NaN;
    double last = Double.NaN;
    for (int step = 0; step < 30; step++) {
      double[] g = new double[c.size()];
      last = DistillationLoss.CROSS_ENTROPY.addGradient(c, null, x, y, 1.0 / 20, new Backprop.Gradients(net), g);
      first = step == 0 ? last : first;
      adam.step(c.split(g));
      c.sync();
    }
    assertEquals(true, last < first, "loss " + first + " -> " + last);
    DenseMatrix w0 = ((DenseLayer) net.layer(0)).weight();
    assertEquals(5, w0.rows); // the (reduced) shapes are what is trained
    assertEquals(6, w0.cols);
    double[] cents = c.blocks()[0];
    for (int e = 0; e < index.length; e++) {
      assertEquals(index[e] < 0 ? 0.0 : cents[index[e]], w0.data[e], 0.0, "weight " + e);
    }
    for (int e = 0; e < w2.length; e++) {
      if (e % 2 == 0) {
        assertEquals(0.0, w2[e], 0.0, "pruned weight " + e);
      } else {
        assertNotEquals(before[e], w2[e], "trained weight " + e);
      }
    }
  }

  @Test
  void specRebuildsTheSameConstrainedNetwork() {
    Random r = new Random(7);
    Network net = mlp(r);
    int[] index = new int[30];
    for (int e = 0; e < index.length; e++) {
      index[e] = e % 3;
    }
    ConstrainedNetwork c = new ConstrainedNetwork(net).share(0, index, new double[] {-0.3, 0.1, 0.4});
    ConstrainedNetwork d = c.spec().build();
    d.set(c.values());
    assertArrayEquals(c.values(), d.values(), 0.0);
    assertArrayEquals(((DenseLayer) net.layer(0)).weight().data, ((DenseLayer) d.network().layer(0)).weight().data,
        0.0);
  }
}
