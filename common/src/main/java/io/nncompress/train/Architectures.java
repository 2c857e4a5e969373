package io.nncompress.train;

import io.nncompress.linalg.DenseMatrix;
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

/**
 * The teacher networks nncompress trains for its demos, freshly initialised (He uniform weights,
 * U(-sqrt(6/fan_in), sqrt(6/fan_in)); zero biases) from a seed.
 */
public final class Architectures {
  public static final String LENET_300_100 = "lenet300100";
  public static final String CONVNET = "convnet";

  private Architectures() {}

  /** {@link #LENET_300_100} or {@link #CONVNET} for 28x28 grey images and 10 classes. */
  public static Network create(String type, long seed) {
    switch (type) {
      case LENET_300_100:
        return lenet300100(seed);
      case CONVNET:
        return convnet(seed);
      default:
        throw new IllegalArgumentException("model type must be " + LENET_300_100 + " or " + CONVNET + ", cannot be: " + type);
    }
  }

  /** LeNet-300-100: 784 - 300 - 100 - 10, ReLU. */
  public static Network lenet300100(long seed) {
    Random r = new Random(seed);
    List<Layer> l = new ArrayList<>();
    l.add(dense("fc1", 784, 300, r));
    l.add(new ElementwiseLayer(LayerSpec.simple("relu1", LayerType.RELU), FeatureShape.flat(300)));
    l.add(dense("fc2", 300, 100, r));
    l.add(new ElementwiseLayer(LayerSpec.simple("relu2", LayerType.RELU), FeatureShape.flat(100)));
    l.add(dense("fc3", 100, 10, r));
    return new Network(LENET_300_100, FeatureShape.flat(784), null, l);
  }

  /** conv 1->8 5x5, relu, maxpool 2, conv 8->16 5x5, relu, maxpool 2, flatten, dense 256->10. */
  public static Network convnet(long seed) {
    Random r = new Random(seed);
    List<Layer> l = new ArrayList<>();
    FeatureShape s = FeatureShape.map(1, 28, 28);
    for (String[] c : new String[][] {{"conv1", "8"}, {"conv2", "16"}}) {
      int out = Integer.parseInt(c[1]);
      Layer conv = new Conv2dLayer(LayerSpec.conv2d(c[0], true, 1, 0, 1), s, 5, 5,
          heUniform(out, s.channels * 25, r), new double[out]);
      l.add(conv);
      s = conv.outputShape();
      l.add(new ElementwiseLayer(LayerSpec.simple("relu" + c[0].charAt(4), LayerType.RELU), s));
      Layer pool = new PoolLayer(LayerSpec.pool("pool" + c[0].charAt(4), LayerType.MAXPOOL, 2, 2), s);
      l.add(pool);
      s = pool.outputShape();
    }
    l.add(new ElementwiseLayer(LayerSpec.simple("flatten", LayerType.FLATTEN), s));
    l.add(dense("fc1", s.size(), 10, r));
    return new Network(CONVNET, FeatureShape.map(1, 28, 28), null, l);
  }

  private static DenseLayer dense(String name, int in, int out, Random r) {
    return new DenseLayer(name, heUniform(out, in, r), new double[out]);
  }

  static DenseMatrix heUniform(int rows, int fanIn, Random r) {
    double a = Math.sqrt(6.0 / fanIn);
    DenseMatrix w = new DenseMatrix(rows, fanIn);
    // filled row by row (PyTorch's order) so the values do not depend on the storage layout
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < fanIn; j++) {
        w.set(i, j, (2 * r.nextDouble() - 1) * a);
      }
    }
    return w;
  }
}
