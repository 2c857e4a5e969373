package io.nncompress.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.codec.lowrank.LowRankFactors;
import io.nncompress.codec.lowrank.TruncatedSvd;
import io.nncompress.compress.LayerChain;
import io.nncompress.linalg.DenseMatrix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A low-rank layer as two layers computes what the one layer holding P Q^T computes. */
class FactoredLayersTest {
  @TempDir
  Path dir;

  static DenseMatrix gaussian(Random r, int rows, int cols) {
    DenseMatrix m = new DenseMatrix(rows, cols);
    for (int k = 0; k < m.data.length; k++) {
      m.data[k] = r.nextGaussian();
    }
    return m;
  }

  static double[] vector(Random r, int n) {
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = r.nextGaussian();
    }
    return v;
  }

  static double relativeDifference(DenseMatrix a, DenseMatrix b) {
    double max = 0;
    for (double v : a.data) {
      max = Math.max(max, Math.abs(v));
    }
    return a.maxAbsDiff(b) / max;
  }

  /** The network with layer {@code index} (dense or conv) holding P Q^T, and the factors. */
  static Object[] productForm(Network net, int index, int rank) {
    Layer l = net.layer(index);
    DenseMatrix w = LayerChain.weight(l);
    LowRankFactors f = TruncatedSvd.factor(w, rank);
    List<Layer> layers = new ArrayList<>(net.layers());
    if (l instanceof DenseLayer) {
      layers.set(index, new DenseLayer(l.spec(), f.product(), ((DenseLayer) l).bias()));
    } else {
      Conv2dLayer c = (Conv2dLayer) l;
      layers.set(index, new Conv2dLayer(l.spec(), l.inputShape(), c.geometry().kernelH, c.geometry().kernelW,
          f.product(), c.bias()));
    }
    return new Object[] {net.with(net.inputSelect(), layers), new DenseMatrix[] {f.q.transpose(), f.p}};
  }

  @Test
  void denseLayerAsTwoLayersGivesTheProductsOutputs() throws Exception {
    Random r = new Random(1);
    List<Layer> l = new ArrayList<>();
    l.add(new DenseLayer("fc1", gaussian(r, 10, 12), vector(r, 10)));
    l.add(new ElementwiseLayer(LayerSpec.simple("relu1", LayerType.RELU), FeatureShape.flat(10)));
    l.add(new DenseLayer("fc2", gaussian(r, 4, 10), vector(r, 4)));
    Network net = new Network("mlp", FeatureShape.flat(12), null, l);
    Object[] pf = productForm(net, 0, 3);
    Network product = (Network) pf[0];
    Network split = FactoredLayers.split(product, Map.of("fc1", (DenseMatrix[]) pf[1]));

    assertEquals(List.of("fc1.0", "fc1.1", "relu1", "fc2"), split.layers().stream().map(Layer::name).toList());
    DenseLayer first = (DenseLayer) split.layer(0);
    DenseLayer second = (DenseLayer) split.layer(1);
    assertEquals("3x12", first.weight().shape());
    assertNull(first.bias(), "the bottleneck has no bias");
    assertEquals("10x3", second.weight().shape());
    assertArrayEquals(((DenseLayer) net.layer(0)).bias(), second.bias(), 0.0);
    DenseMatrix x = gaussian(r, 12, 50);
    assertTrue(relativeDifference(product.forward(x), split.forward(x)) < 1e-12);

    // written as spec + safetensors and read back: PyTorch nn.Sequential names, bias none on the first
    split.save(dir.resolve("m.safetensors"), dir.resolve("m.yaml"), Map.of());
    String yaml = java.nio.file.Files.readString(dir.resolve("m.yaml"));
    assertTrue(yaml.contains("name: fc1.0") && yaml.contains("name: fc1.1") && yaml.contains("bias: none"), yaml);
    assertEquals(java.util.Set.of("fc1.0.weight", "fc1.1.weight", "fc1.1.bias", "fc2.weight", "fc2.bias"),
        split.tensors().keySet());
    Network loaded = Network.load(dir.resolve("m.yaml"), dir.resolve("m.safetensors"));
    assertTrue(relativeDifference(product.forward(x), loaded.forward(x)) < 1e-5, "float32 round trip");

    // the chain of the original finds fc1 as the pair, whose product is P Q^T
    List<LayerChain.Match> m = LayerChain.match(LayerChain.of(net), split);
    assertEquals(2, m.size());
    assertEquals(0, m.get(0).index);
    assertEquals(2, m.get(0).span);
    assertEquals("fc1", m.get(0).layer.name());
    assertEquals(0.0, ((DenseLayer) m.get(0).layer).weight().maxAbsDiff(((DenseLayer) product.layer(0)).weight()),
        1e-12);
    assertEquals(3, m.get(1).index);
    assertEquals(1, m.get(1).span);
  }

  /** A conv layer becomes a kh x kw conv with r outputs (same stride, padding, dilation) and a 1 x 1 conv. */
  @Test
  void convLayerAsTwoConvsGivesTheProductsOutputs() {
    Random r = new Random(2);
    for (int[] g : new int[][] {{1, 0, 1}, {2, 1, 1}, {1, 2, 2}}) {
      List<Layer> l = new ArrayList<>();
      FeatureShape in = FeatureShape.map(3, 9, 8);
      Conv2dLayer conv = new Conv2dLayer(LayerSpec.conv2d("conv1", true, g[0], g[1], g[2]), in, 3, 3,
          gaussian(r, 6, 27), vector(r, 6));
      l.add(conv);
      l.add(new ElementwiseLayer(LayerSpec.simple("relu1", LayerType.RELU), conv.outputShape()));
      l.add(new ElementwiseLayer(LayerSpec.simple("flatten", LayerType.FLATTEN), conv.outputShape()));
      l.add(new DenseLayer("fc1", gaussian(r, 5, conv.outputShape().size()), vector(r, 5)));
      Network net = new Network("convnet", in, null, l);
      Object[] pf = productForm(net, 0, 2);
      Network product = (Network) pf[0];
      Network split = FactoredLayers.split(product, Map.of("conv1", (DenseMatrix[]) pf[1]));
      Conv2dLayer c1 = (Conv2dLayer) split.layer(0);
      Conv2dLayer c2 = (Conv2dLayer) split.layer(1);
      String what = "stride " + g[0] + " padding " + g[1] + " dilation " + g[2];
      assertEquals(2, c1.outputShape().channels, what);
      assertEquals(conv.geometry().outH, c1.geometry().outH, what);
      assertEquals(g[0], c1.geometry().strideH, what);
      assertEquals(g[1], c1.geometry().padW, what);
      assertEquals(g[2], c1.geometry().dilationH, what);
      assertNull(c1.bias(), what);
      assertEquals(1, c2.geometry().kernelH, what);
      assertEquals(conv.outputShape(), c2.outputShape(), what);
      assertArrayEquals(conv.bias(), c2.bias(), 0.0, what);
      assertEquals(java.util.List.of(2L, 3L, 3L, 3L), java.util.Arrays.stream(split.tensors().get("conv1.0.weight")
          .shape()).boxed().toList(), what);
      assertEquals(java.util.List.of(6L, 2L, 1L, 1L), java.util.Arrays.stream(split.tensors().get("conv1.1.weight")
          .shape()).boxed().toList(), what);
      DenseMatrix x = gaussian(r, in.size(), 20);
      assertTrue(relativeDifference(product.forward(x), split.forward(x)) < 1e-12, what);
      Layer merged = LayerChain.match(LayerChain.of(net), split).get(0).layer;
      assertEquals(0.0, ((Conv2dLayer) merged).weight().maxAbsDiff(((Conv2dLayer) product.layer(0)).weight()), 1e-12);
      assertEquals(conv.geometry().outW, ((Conv2dLayer) merged).geometry().outW);
    }
  }

  @Test
  void badSplitsNameTheLayer() {
    Random r = new Random(3);
    Network net = new Network("mlp", FeatureShape.flat(4), null, List.of(new DenseLayer("fc1", gaussian(r, 3, 4), null),
        new DenseLayer("fc1.0", gaussian(r, 2, 3), null)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FactoredLayers.split(net,
        Map.of("fc1", new DenseMatrix[] {gaussian(r, 1, 4), gaussian(r, 3, 1)})));
    assertTrue(e.getMessage().contains("already has a layer fc1.0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> FactoredLayers.split(net,
        Map.of("fc1.0", new DenseMatrix[] {gaussian(r, 1, 4), gaussian(r, 2, 1)})));
    assertTrue(e.getMessage().contains("fc1.0") && e.getMessage().contains("2x1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> FactoredLayers.split(net,
        Map.of("fc9", new DenseMatrix[] {gaussian(r, 1, 4), gaussian(r, 3, 1)})));
    assertTrue(e.getMessage().contains("fc9"), e.getMessage());
  }
}
