package io.nncompress.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.format.safetensors.SafetensorsFile;
import io.nncompress.format.safetensors.SafetensorsWriter;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.DenseMatrix;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkTest {
  @TempDir
  Path dir;

  static String yaml(String resource) throws IOException {
    try (InputStream in = NetworkTest.class.getResourceAsStream(resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Random tensors, values rounded to float so that a save/load round trip is exact. */
  static Tensor random(Random r, double lo, double hi, long... shape) {
    double[] v = new double[(int) Tensor.elementCount(shape)];
    for (int k = 0; k < v.length; k++) {
      v[k] = (float) (lo + (hi - lo) * r.nextDouble());
    }
    return Tensor.f32(v, shape);
  }

  static Map<String, Tensor> smallConvnetTensors(long seed) {
    Random r = new Random(seed);
    Map<String, Tensor> t = new TreeMap<>();
    t.put("conv1.weight", random(r, -1, 1, 4, 2, 3, 2));
    t.put("bn1.weight", random(r, 0.5, 1.5, 4));
    t.put("bn1.bias", random(r, -0.5, 0.5, 4));
    t.put("bn1.running_mean", random(r, -0.3, 0.3, 4));
    t.put("bn1.running_var", random(r, 0.2, 2, 4));
    t.put("conv2.weight", random(r, -1, 1, 3, 4, 2, 2));
    t.put("conv2.bias", random(r, -1, 1, 3));
    t.put("fc1.weight", random(r, -1, 1, 5, 6));
    t.put("fc1.bias", random(r, -1, 1, 5));
    t.put("bn2.weight", random(r, 0.5, 1.5, 5));
    t.put("bn2.bias", random(r, -0.5, 0.5, 5));
    t.put("bn2.running_mean", random(r, -0.3, 0.3, 5));
    t.put("bn2.running_var", random(r, 0.2, 2, 5));
    t.put("head.w", random(r, -1, 1, 3, 5));
    t.put("head.b", random(r, -1, 1, 3));
    return t;
  }

  static DenseMatrix randomBatch(Random r, int d, int n) {
    DenseMatrix x = new DenseMatrix(d, n);
    for (int k = 0; k < x.data.length; k++) {
      x.data[k] = r.nextGaussian();
    }
    return x;
  }

  Network smallConvnet() throws IOException {
    ArchitectureSpec spec = ArchitectureSpec.parse("small_convnet.yaml", yaml("/model/small_convnet.yaml"));
    return Network.build(spec, new SafetensorsFile(smallConvnetTensors(7)), "test.safetensors");
  }

  // ---------------------------------------------------------------- naive references, one sample as [c][h][w]

  static double[][][] conv(double[][][] x, Tensor w, double[] b, int[] s, int[] p, int[] d) {
    int o = (int) w.dim(0), c = (int) w.dim(1), kh = (int) w.dim(2), kw = (int) w.dim(3);
    int h = x[0].length, wd = x[0][0].length;
    int oh = (h + 2 * p[0] - d[0] * (kh - 1) - 1) / s[0] + 1;
    int ow = (wd + 2 * p[1] - d[1] * (kw - 1) - 1) / s[1] + 1;
    double[][][] y = new double[o][oh][ow];
    double[] wv = w.values();
    for (int a = 0; a < o; a++) {
      for (int u = 0; u < oh; u++) {
        for (int v = 0; v < ow; v++) {
          double sum = b == null ? 0 : b[a];
          for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < kh; i++) {
              for (int j = 0; j < kw; j++) {
                int yy = u * s[0] - p[0] + i * d[0];
                int xx = v * s[1] - p[1] + j * d[1];
                if (yy >= 0 && yy < h && xx >= 0 && xx < wd) {
                  sum += wv[((a * c + ch) * kh + i) * kw + j] * x[ch][yy][xx];
                }
              }
            }
          }
          y[a][u][v] = sum;
        }
      }
    }
    return y;
  }

  static double[][][] pool(double[][][] x, int kh, int kw, int sh, int sw, boolean max) {
    int oh = (x[0].length - kh) / sh + 1, ow = (x[0][0].length - kw) / sw + 1;
    double[][][] y = new double[x.length][oh][ow];
    for (int c = 0; c < x.length; c++) {
      for (int u = 0; u < oh; u++) {
        for (int v = 0; v < ow; v++) {
          double m = max ? Double.NEGATIVE_INFINITY : 0;
          for (int i = 0; i < kh; i++) {
            for (int j = 0; j < kw; j++) {
              double e = x[c][u * sh + i][v * sw + j];
              m = max ? Math.max(m, e) : m + e / (kh * kw);
            }
          }
          y[c][u][v] = m;
        }
      }
    }
    return y;
  }

  static double[][][] batchnorm(double[][][] x, Map<String, Tensor> t, String n, double eps) {
    double[][][] y = new double[x.length][x[0].length][x[0][0].length];
    for (int c = 0; c < x.length; c++) {
      double g = t.get(n + ".weight").values()[c], b = t.get(n + ".bias").values()[c];
      double m = t.get(n + ".running_mean").values()[c], v = t.get(n + ".running_var").values()[c];
      for (int i = 0; i < x[0].length; i++) {
        for (int j = 0; j < x[0][0].length; j++) {
          y[c][i][j] = g * (x[c][i][j] - m) / Math.sqrt(v + eps) + b;
        }
      }
    }
    return y;
  }

  static double[] dense(double[] x, Tensor w, Tensor b) {
    int o = (int) w.dim(0), in = (int) w.dim(1);
    double[] y = new double[o];
    for (int i = 0; i < o; i++) {
      double s = b == null ? 0 : b.values()[i];
      for (int j = 0; j < in; j++) {
        s += w.values()[i * in + j] * x[j];
      }
      y[i] = s;
    }
    return y;
  }

  static double[][][] map(double[] flat, int c, int h, int w) {
    double[][][] m = new double[c][h][w];
    for (int k = 0; k < flat.length; k++) {
      m[k / (h * w)][(k / w) % h][k % w] = flat[k];
    }
    return m;
  }

  static double[] flatten(double[][][] m) {
    List<Double> l = new ArrayList<>();
    for (double[][] a : m) {
      for (double[] b : a) {
        for (double v : b) {
          l.add(v);
        }
      }
    }
    return l.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** small_convnet.yaml computed with loops, sample by sample, layer by layer. */
  static double[] naiveSmallConvnet(double[] sample, Map<String, Tensor> t) {
    double[][][] a = conv(map(sample, 2, 9, 8), t.get("conv1.weight"), null, new int[] {2, 1}, new int[] {1, 1},
        new int[] {1, 2});
    a = batchnorm(a, t, "bn1", 1e-3);
    double[] f = flatten(a);
    for (int k = 0; k < f.length; k++) {
      f[k] = Math.max(0, f[k]);
    }
    a = pool(map(f, 4, 5, 8), 2, 2, 2, 2, true);
    a = conv(a, t.get("conv2.weight"), t.get("conv2.bias").values(), new int[] {1, 1}, new int[] {0, 0},
        new int[] {1, 1});
    f = flatten(a);
    for (int k = 0; k < f.length; k++) {
      f[k] = Math.tanh(f[k]);
    }
    a = pool(map(f, 3, 1, 3), 1, 2, 1, 1, false);
    f = dense(flatten(a), t.get("fc1.weight"), t.get("fc1.bias"));
    f = flatten(batchnorm(map(f, 5, 1, 1), t, "bn2", 1e-5));
    for (int k = 0; k < f.length; k++) {
      f[k] = 1 / (1 + Math.exp(-f[k]));
    }
    return dense(f, t.get("head.w"), t.get("head.b"));
  }

  @Test
  void forwardMatchesLoopsForEveryLayerType() throws IOException {
    Network net = smallConvnet();
    assertEquals(13, net.layers().size());
    assertEquals(FeatureShape.flat(3), net.outputShape());
    Map<String, Tensor> t = smallConvnetTensors(7);
    DenseMatrix x = randomBatch(new Random(1), 2 * 9 * 8, 5);
    DenseMatrix y = net.forward(x);
    assertEquals("3x5", y.shape());
    for (int s = 0; s < x.cols; s++) {
      assertArrayEquals(naiveSmallConvnet(x.column(s), t), y.column(s), 1e-12, "sample " + s);
    }
    int[] p = net.predict(x);
    for (int s = 0; s < x.cols; s++) {
      double[] c = y.column(s);
      for (double v : c) {
        assertTrue(v <= c[p[s]]);
      }
    }
  }

  @Test
  void convChunksGiveTheSameResultAsOneBatch() throws IOException {
    Network net = smallConvnet();
    DenseMatrix x = randomBatch(new Random(2), 144, 3);
    DenseMatrix all = net.forward(x);
    for (int s = 0; s < 3; s++) {
      DenseMatrix one = net.forward(x.selectColumns(new int[] {s}));
      assertArrayEquals(all.column(s), one.column(0), 1e-13);
    }
  }

  @Test
  void visitorSeesTheInputOfEveryLayerAndConvPatches() throws IOException {
    Network net = smallConvnet();
    DenseMatrix x = randomBatch(new Random(3), 144, 4);
    List<DenseMatrix> seen = new ArrayList<>();
    net.forward(x, (index, layer, input) -> {
      assertSame(net.layer(index), layer);
      assertEquals(layer.inputShape().size(), input.rows);
      seen.add(input.copy());
    });
    assertEquals(13, seen.size());
    assertArrayEquals(x.data, seen.get(0).data);
    // the input of layer k+1 is the output of layer k
    for (int k = 0; k + 1 < seen.size(); k++) {
      assertArrayEquals(net.layer(k).forward(seen.get(k)).data, seen.get(k + 1).data, 0.0);
    }
    // running from the middle: layers [4, 13) on the input of layer 4 give the network's output
    List<Integer> visited = new ArrayList<>();
    DenseMatrix tail = net.forwardRange(4, 13, seen.get(4), (index, layer, input) -> visited.add(index));
    assertEquals(0.0, tail.maxAbsDiff(net.forward(x)));
    assertEquals(List.of(4, 5, 6, 7, 8, 9, 10, 11, 12), visited);
    assertSame(seen.get(0), net.forwardRange(0, 0, seen.get(0), null));
    // conv output = W * patches (+ b): the patches are what conv statistics need
    Conv2dLayer c2 = (Conv2dLayer) net.layer(4);
    DenseMatrix patches = c2.patches(seen.get(4), 0, 4);
    assertEquals(16 + "x" + (4 * 3), patches.shape());
    DenseMatrix wp = c2.weight().times(patches);
    DenseMatrix out = seen.get(5);
    for (int s = 0; s < 4; s++) {
      for (int o = 0; o < 3; o++) {
        for (int q = 0; q < 3; q++) {
          assertEquals(wp.get(o, s * 3 + q) + c2.bias()[o], out.get(o * 3 + q, s), 1e-12);
        }
      }
    }
  }

  @Test
  void foldedBatchNormComputesTheSameOutputs() throws IOException {
    Network net = smallConvnet();
    Network folded = net.foldBatchNorm();
    assertEquals(11, folded.layers().size());
    for (Layer l : folded.layers()) {
      assertTrue(l.type() != LayerType.BATCHNORM);
    }
    DenseMatrix x = randomBatch(new Random(4), 144, 6);
    assertTrue(net.forward(x).maxAbsDiff(folded.forward(x)) < 1e-12);
    // folding a batchnorm that follows an activation is refused, naming it
    List<Layer> ls = new ArrayList<>(net.layers());
    ls.add(2, ls.remove(1)); // conv1, relu, bn1
    Network bad = net.with(null, ls);
    ModelSpecException e = assertThrows(ModelSpecException.class, bad::foldBatchNorm);
    assertTrue(e.getMessage().contains("'bn1'") && e.getMessage().contains("relu"), e.getMessage());
  }

  @Test
  void saveLoadRoundTripAndYaml() throws IOException {
    Network net = smallConvnet();
    Path w = dir.resolve("m.safetensors");
    Path s = dir.resolve("m.yaml");
    net.save(w, s, Map.of("source", "test"));
    Network.validate(ArchitectureSpec.read(s), w);
    Network back = Network.load(s, w);
    DenseMatrix x = randomBatch(new Random(5), 144, 3);
    assertEquals(0.0, net.forward(x).maxAbsDiff(back.forward(x)));
    assertEquals(net.spec().toYaml(), back.spec().toYaml());
    assertTrue(Files.readString(s).contains("weight: head.w"), Files.readString(s));
    Network mem = Network.fromBytes(net.spec().toYaml(), net.toSafetensorsBytes(Map.of()), "broadcast");
    assertEquals(0.0, net.forward(x).maxAbsDiff(mem.forward(x)));
    byte[] cut = java.util.Arrays.copyOf(net.toSafetensorsBytes(Map.of()), 200);
    Exception e = assertThrows(IOException.class, () -> Network.fromBytes(net.spec().toYaml(), cut, "broadcast"));
    assertTrue(e.getMessage().startsWith("safetensors file broadcast"), e.getMessage());
  }

  @Test
  void inputSelectionAndShrunkLayers() {
    Random r = new Random(6);
    Map<String, Tensor> t = new TreeMap<>();
    t.put("fc1.weight", random(r, -1, 1, 4, 3));
    t.put("fc1.bias", random(r, -1, 1, 4));
    t.put("fc2.weight", random(r, -1, 1, 2, 4));
    t.put("fc2.bias", random(r, -1, 1, 2));
    ArchitectureSpec spec = ArchitectureSpec.parse("sel.yaml", "input: [6]\ninput_select: [0, 2, 5]\nlayers:\n"
        + "  - {name: fc1, type: dense}\n  - {type: relu}\n  - {name: fc2, type: dense}\n");
    Network net = Network.build(spec, new SafetensorsFile(t), "sel.safetensors");
    DenseMatrix x = randomBatch(r, 6, 4);
    DenseMatrix y = net.forward(x);
    for (int s = 0; s < 4; s++) {
      double[] h = dense(new double[] {x.get(0, s), x.get(2, s), x.get(5, s)}, t.get("fc1.weight"), t.get("fc1.bias"));
      for (int k = 0; k < h.length; k++) {
        h[k] = Math.max(h[k], 0);
      }
      assertArrayEquals(dense(h, t.get("fc2.weight"), t.get("fc2.bias")), y.column(s), 1e-12);
    }
    // neuron 1 of fc1 removed: rebuild from smaller tensors
    DenseLayer fc1 = (DenseLayer) net.layer(0);
    DenseLayer fc2 = (DenseLayer) net.layer(2);
    int[] keep = {0, 2, 3};
    Network shrunk = net.with(net.inputSelect(), List.of(
        new DenseLayer(fc1.spec(), fc1.weight().selectRows(keep), new double[] {fc1.bias()[0], fc1.bias()[2],
            fc1.bias()[3]}),
        new ElementwiseLayer(net.layer(1).spec(), FeatureShape.flat(3)),
        new DenseLayer(fc2.spec(), fc2.weight().selectColumns(keep), fc2.bias())));
    assertEquals("3", shrunk.layer(0).outputShape().toString());
    assertTrue(shrunk.spec().toYaml().contains("units: 3"), shrunk.spec().toYaml());
    ModelSpecException e = assertThrows(ModelSpecException.class, () -> net.with(null, net.layers()));
    assertTrue(e.getMessage().contains("'fc1'") && e.getMessage().contains("takes 3 but the input gives 6"),
        e.getMessage());
  }

  // ---------------------------------------------------------------- spec errors

  private static ModelSpecException specError(String yaml, Map<String, Tensor> tensors) {
    return assertThrows(ModelSpecException.class,
        () -> Network.build(ArchitectureSpec.parse("bad.yaml", yaml), new SafetensorsFile(tensors), "w.safetensors"));
  }

  private static void assertContains(Exception e, String... parts) {
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "'" + p + "' not in: " + e.getMessage());
    }
  }

  @Test
  void rejectsBadSpecsWithMessagesNamingTheLayerTensorOrKey() throws IOException {
    Map<String, Tensor> t = smallConvnetTensors(7);
    String good = yaml("/model/small_convnet.yaml");
    Map<String, Tensor> missing = new TreeMap<>(t);
    missing.remove("bn1.running_var");
    assertContains(specError(good, missing), "'bn1'", "'bn1.running_var'", "missing", "w.safetensors");
    Map<String, Tensor> wrong = new TreeMap<>(t);
    wrong.put("fc1.weight", Tensor.f32(new double[35], 5, 7));
    assertContains(specError(good, wrong), "'fc1'", "[5, 7]", "gives 6 features");
    Map<String, Tensor> rank = new TreeMap<>(t);
    rank.put("conv2.weight", Tensor.f32(new double[48], 3, 16));
    assertContains(specError(good, rank), "'conv2'", "4 dimensions", "[3, 16]");
    Map<String, Tensor> bias = new TreeMap<>(t);
    bias.put("head.b", Tensor.f32(new double[4], 4));
    assertContains(specError(good, bias), "'fc2'", "'head.b'", "[4]", "3 out");
    assertContains(specError(good.replace("units: 5", "units: 6"), t), "'fc1'", "units = 6");
    assertContains(specError(good.replace("type: tanh", "type: gelu"), t), "layer 5", "unknown layer type 'gelu'");
    assertContains(specError(good.replace("eps: 1.0e-3", "epsilon: 1.0e-3"), t), "'bn1'", "unknown key 'epsilon'");
    assertContains(specError(good.replace("  - type: flatten\n", ""), t), "'fc1'", "flatten");
    assertContains(specError(good.replace("name: small_convnet", "nmae: x"), t), "bad.yaml", "unknown key 'nmae'");
    assertContains(specError(good.replace("stride: [2, 1]", "stride: [2, 0]"), t), "'conv1'", "stride");
    assertContains(specError("input: [4]\nlayers: [{type: dense}]", t), "layer 0", "missing key 'name'");
    assertContains(specError("input: [4]\nlayers: [{type: relu, name: a}, {type: relu, name: a}]", t), "'a'", "twice");
    assertContains(specError("input: [4\nlayers: []", t), "bad.yaml", "not valid YAML");
  }
}
