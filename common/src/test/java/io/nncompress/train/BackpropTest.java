package io.nncompress.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.data.LabeledImages;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.BatchNormLayer;
import io.nncompress.model.Conv2dLayer;
import io.nncompress.model.DenseLayer;
import io.nncompress.model.ElementwiseLayer;
import io.nncompress.model.FeatureShape;
import io.nncompress.model.Layer;
import io.nncompress.model.LayerSpec;
import io.nncompress.model.LayerType;
import io.nncompress.model.Network;
import io.nncompress.model.PoolLayer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackpropTest {
  private static double[] randomVector(Random r, int n, double scale) {
    double[] v = new double[n];
    for (int k = 0; k < n; k++) {
      v[k] = scale * r.nextGaussian();
    }
    return v;
  }

  private static DenseMatrix randomMatrix(Random r, int rows, int cols, double scale) {
    return new DenseMatrix(rows, cols, randomVector(r, rows * cols, scale));
  }

  /** Every layer type: conv (stride, padding, dilation), batchnorm, tanh, maxpool, sigmoid, avgpool, flatten, dense, relu. */
  private static Network tinyNetwork(Random r) {
    List<Layer> l = new ArrayList<>();
    FeatureShape s = FeatureShape.map(2, 7, 6);
    Conv2dLayer c1 = new Conv2dLayer(LayerSpec.conv2d("c1", true, 1, 1, 1), s, 3, 2, randomMatrix(r, 3, 12, 0.5),
        randomVector(r, 3, 0.1));
    l.add(c1);
    s = c1.outputShape(); // 3 x 7 x 7
    l.add(new BatchNormLayer(LayerSpec.batchnorm("bn", 1e-5), s, randomVector(r, 3, 1), randomVector(r, 3, 1),
        randomVector(r, 3, 0.1), new double[] {0.5, 1.5, 2.0}));
    l.add(new ElementwiseLayer(LayerSpec.simple("t", LayerType.TANH), s));
    PoolLayer p1 = new PoolLayer(LayerSpec.pool("p1", LayerType.MAXPOOL, 2, 2), s);
    l.add(p1);
    s = p1.outputShape(); // 3 x 3 x 3
    LayerSpec c2spec = LayerSpec.conv2d("c2", false, 1, 1, 2);
    Conv2dLayer c2 = new Conv2dLayer(c2spec, s, 2, 2, randomMatrix(r, 4, 12, 0.5), null);
    l.add(c2);
    s = c2.outputShape(); // 4 x 3 x 3
    l.add(new ElementwiseLayer(LayerSpec.simple("sg", LayerType.SIGMOID), s));
    PoolLayer p2 = new PoolLayer(LayerSpec.pool("p2", LayerType.AVGPOOL, 2, 1), s);
    l.add(p2);
    s = p2.outputShape(); // 4 x 2 x 2
    l.add(new ElementwiseLayer(LayerSpec.simple("f", LayerType.FLATTEN), s));
    l.add(new DenseLayer("d1", randomMatrix(r, 6, 16, 0.5), randomVector(r, 6, 0.1)));
    l.add(new ElementwiseLayer(LayerSpec.simple("r", LayerType.RELU), FeatureShape.flat(6)));
    l.add(new DenseLayer("d2", randomMatrix(r, 4, 6, 0.5), randomVector(r, 4, 0.1)));
    return new Network("tiny", FeatureShape.map(2, 7, 6), null, l);
  }

  @Test
  void gradientsOfEveryLayerMatchFiniteDifferences() {
    Random r = new Random(11);
    Network net = tinyNetwork(r);
    DenseMatrix x = randomMatrix(r, 84, 5, 1.0);
    int[] y = {0, 3, 1, 2, 3};
    Backprop.Gradients g = new Backprop.Gradients(net);
    Backprop.lossAndGradients(net, x, y, g);
    Backprop.Gradients scratch = new Backprop.Gradients(net);
    double h = 1e-6;
    int checked = 0;
    for (int k = 0; k < net.layers().size(); k++) {
      Layer l = net.layer(k);
      DenseMatrix w = Backprop.weightOf(l);
      if (w == null) {
        continue;
      }
      double[][] params = {w.data, Backprop.biasOf(l)};
      double[][] grads = {g.weight[k].data, g.bias[k]};
      for (int p = 0; p < 2; p++) {
        if (params[p] == null) {
          continue;
        }
        for (int i = 0; i < params[p].length; i++) {
          double keep = params[p][i];
          // central difference (L(p + h) - L(p - h)) / 2h
          params[p][i] = keep + h;
          double up = Backprop.lossAndGradients(net, x, y, scratch);
          params[p][i] = keep - h;
          double down = Backprop.lossAndGradients(net, x, y, scratch);
          params[p][i] = keep;
          double fd = (up - down) / (2 * h);
          assertEquals(fd, grads[p][i], 1e-7 + 1e-5 * Math.abs(fd), l + (p == 0 ? " weight " : " bias ") + i);
          checked++;
        }
      }
    }
    assertEquals(3 * 12 + 3 + 4 * 12 + 6 * 16 + 6 + 4 * 6 + 4, checked);
  }

  @Test
  void softmaxCrossEntropyOfZeroLogitsIsLogOfClassCount() {
    Network net = new Network("z", FeatureShape.flat(3), null,
        List.of(new DenseLayer("d", new DenseMatrix(4, 3), new double[4])));
    double loss = Backprop.lossAndGradients(net, new DenseMatrix(3, 2, new double[] {1, 2, 3, 4, 5, 6}),
        new int[] {1, 2}, new Backprop.Gradients(net));
    assertEquals(Math.log(4), loss, 1e-15);
  }

  /** 6x6 images; class 1 when the left half is brighter than the right half. */
  private static LabeledImages halves(long seed, int n) {
    Random r = new Random(seed);
    byte[] px = new byte[n * 36];
    int[] y = new int[n];
    for (int s = 0; s < n; s++) {
      y[s] = r.nextInt(2);
      for (int i = 0; i < 6; i++) {
        for (int j = 0; j < 6; j++) {
          boolean bright = (j < 3) == (y[s] == 1);
          px[s * 36 + i * 6 + j] = (byte) (r.nextInt(128) + (bright ? 100 : 0));
        }
      }
    }
    return new LabeledImages(6, 6, px, y);
  }

  private static Network tinyConvnet(long seed) {
    Random r = new Random(seed);
    FeatureShape s = FeatureShape.map(1, 6, 6);
    Conv2dLayer c = new Conv2dLayer(LayerSpec.conv2d("c", true, 1, 0, 1), s, 3, 3,
        Architectures.heUniform(2, 9, r), new double[2]);
    PoolLayer p = new PoolLayer(LayerSpec.pool("p", LayerType.MAXPOOL, 2, 2), c.outputShape());
    return new Network("tc", s, null, List.of(c,
        new ElementwiseLayer(LayerSpec.simple("r", LayerType.RELU), c.outputShape()), p,
        new ElementwiseLayer(LayerSpec.simple("f", LayerType.FLATTEN), p.outputShape()),
        new DenseLayer("d", Architectures.heUniform(2, 8, r), new double[2])));
  }

  @Test
  void trainingDecreasesTheLossAndIsReproducible() {
    LabeledImages data = halves(3, 128);
    Network net = tinyConvnet(5);
    List<Double> losses = new ArrayList<>();
    new Trainer(6, 16, 0.02, 9).train(net, data, (e, loss, sec) -> losses.add(loss));
    assertEquals(6, losses.size());
    assertTrue(losses.get(5) < 0.5 * losses.get(0), "loss per epoch: " + losses);
    assertTrue(Trainer.accuracy(net, data) > 0.9, "accuracy " + Trainer.accuracy(net, data));
    Network again = tinyConvnet(5);
    new Trainer(6, 16, 0.02, 9).train(again, data, null);
    for (int k = 0; k < net.layers().size(); k++) {
      DenseMatrix w = Backprop.weightOf(net.layer(k));
      if (w != null) {
        assertArrayEquals(w.data, Backprop.weightOf(again.layer(k)).data, 0.0, "same seed, same weights");
      }
    }
  }

  @Test
  void teachersSaveAndLoadAsSafetensorsPlusSpec(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws java.io.IOException {
    for (String type : new String[] {Architectures.LENET_300_100, Architectures.CONVNET}) {
      Network net = Architectures.create(type, 3);
      java.nio.file.Path w = dir.resolve(type + ".safetensors");
      java.nio.file.Path s = dir.resolve(type + ".yaml");
      net.save(w, s, java.util.Map.of("model", type));
      Network back = Network.load(s, w);
      DenseMatrix x = randomMatrix(new Random(4), 784, 3, 1.0);
      DenseMatrix y = net.forward(x);
      // the file holds float32 weights: outputs agree to float precision
      assertTrue(y.maxAbsDiff(back.forward(x)) < 1e-5 * (1 + y.frobeniusNorm()), type);
      assertEquals(net.spec().toYaml(), back.spec().toYaml());
    }
  }

  @Test
  void teacherArchitecturesHaveTheDocumentedShapes() {
    Network lenet = Architectures.lenet300100(1);
    assertEquals(784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10,
        lenet.tensors().values().stream().mapToInt(t -> t.values().length).sum());
    Network conv = Architectures.convnet(1);
    assertEquals("16x4x4", conv.layer(5).outputShape().toString());
    assertEquals(FeatureShape.flat(10), conv.outputShape());
    double bound = Math.sqrt(6.0 / 784);
    for (double v : ((DenseLayer) lenet.layer(0)).weight().data) {
      assertTrue(Math.abs(v) <= bound);
    }
  }
}
