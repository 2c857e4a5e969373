package io.nncompress.spark.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nncompress.codec.lowrank.FactoredTensor;
import io.nncompress.codec.lowrank.LowRankTensor;
import io.nncompress.codec.lowrank.Svd;
import io.nncompress.compress.ChainingStrategy;
import io.nncompress.compress.LayerChain;
import io.nncompress.compress.StagePlan;
import io.nncompress.format.safetensors.SafetensorsFile;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.LambdaSearch;
import io.nncompress.model.Conv2dLayer;
import io.nncompress.model.DenseLayer;
import io.nncompress.model.ElementwiseLayer;
import io.nncompress.model.FeatureShape;
import io.nncompress.model.Layer;
import io.nncompress.model.LayerSpec;
import io.nncompress.model.LayerType;
import io.nncompress.model.Network;
import io.nncompress.spark.SparkTestSession;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Low-rank stages in the compression job: the compressed model holds a factored layer as two
 * layers, computes what the product form computes, and is what the metrics, the MACs and the
 * report's spectra describe.
 */
class LowRankModelTest {
  @TempDir
  static Path dir;
  static SparkSession spark;
  static Random rnd = new Random(11);

  @BeforeAll
  static void setUp() {
    spark = SparkTestSession.get();
  }

  static DenseMatrix gaussian(int rows, int cols, double scale) {
    DenseMatrix m = new DenseMatrix(rows, cols);
    for (int k = 0; k < m.data.length; k++) {
      m.data[k] = (float) (scale * rnd.nextGaussian());
    }
    return m;
  }

  static double[] bias(int n) {
    double[] b = new double[n];
    for (int i = 0; i < n; i++) {
      b[i] = (float) (0.1 * rnd.nextGaussian());
    }
    return b;
  }

  /** Correlated inputs: d features from 4 latent factors plus noise, one sample per column. */
  static DenseMatrix inputs(int d, int n) {
    DenseMatrix a = gaussian(d, 4, 1);
    DenseMatrix x = new DenseMatrix(d, n);
    for (int s = 0; s < n; s++) {
      double[] z = {rnd.nextGaussian(), rnd.nextGaussian(), rnd.nextGaussian(), rnd.nextGaussian()};
      for (int i = 0; i < d; i++) {
        double v = 0.05 * rnd.nextGaussian() + 0.2;
        for (int j = 0; j < 4; j++) {
          v += a.get(i, j) * z[j];
        }
        x.set(i, s, v);
      }
    }
    return x;
  }

  /** The model, the training and test Parquet datasets, and the test inputs. */
  static final class Setup {
    Path spec;
    Path weights;
    String train;
    String test;
    DenseMatrix xtest;
  }

  static Setup write(String name, Network net, int n) throws Exception {
    Setup s = new Setup();
    s.spec = dir.resolve(name + ".yaml");
    s.weights = dir.resolve(name + ".safetensors");
    net.save(s.weights, s.spec, Map.of());
    DenseMatrix x = inputs(net.inputShape().size(), n);
    int[] labels = Network.argmaxColumns(net.forward(x));
    for (int t = 0; t < n; t += 5) {
      labels[t] = (labels[t] + 1) % net.outputShape().size();
    }
    int split = n * 2 / 3;
    s.train = parquet(name + "-train", x, labels, 0, split);
    s.test = parquet(name + "-test", x, labels, split, n);
    s.xtest = x.selectColumns(java.util.stream.IntStream.range(split, n).toArray());
    return s;
  }

  static String parquet(String name, DenseMatrix x, int[] labels, int from, int to) {
    List<Row> rows = new ArrayList<>();
    for (int t = from; t < to; t++) {
      Double[] v = new Double[x.rows];
      for (int i = 0; i < x.rows; i++) {
        v[i] = x.get(i, t);
      }
      rows.add(RowFactory.create(v, labels[t]));
    }
    String path = dir.resolve(name).toString();
    spark.createDataFrame(rows, new StructType().add("x", "array<double>").add("label", "int")).repartition(2)
        .write().parquet(path);
    return path;
  }

  static CompressionConfig config(Setup s, String plan, String output, LambdaSearch.Target target) {
    CompressionConfig c = new CompressionConfig();
    c.source = "test";
    c.spec = s.spec;
    c.weights = s.weights;
    c.calibration = s.train;
    c.evaluation = s.test;
    c.inputColumn = "x";
    c.labelColumn = "label";
    c.batchSize = 64;
    c.strategy = ChainingStrategy.BOTTOM_UP;
    c.target = target;
    c.tolerance = 1e-9;
    c.stages = StagePlan.parse(plan);
    c.output = dir.resolve(output).toString();
    return c;
  }

  /** The LNR network with each layer holding what its stored weight decodes to, as ONE layer (P Q^T). */
  static Network productForm(CompressionJob.Outcome o) {
    Network net = o.result.compressed;
    LayerChain chain = LayerChain.of(net);
    Map<String, Tensor> t = new LinkedHashMap<>(net.tensors());
    for (int k = 0; k < chain.size(); k++) {
      Layer l = chain.layer(k);
      DenseMatrix w = o.layers.get(k).weight.decode();
      long[] shape = Arrays.stream(o.layers.get(k).shape).asLongStream().toArray();
      t.put(l.spec().weight, Tensor.f32(w.toRowMajor(), shape));
    }
    return Network.build(net.spec(), new SafetensorsFile(t), "product form");
  }

  static double relativeDifference(DenseMatrix expected, DenseMatrix got) {
    double max = 0;
    for (double v : expected.data) {
      max = Math.max(max, Math.abs(v));
    }
    return expected.maxAbsDiff(got) / max;
  }

  static List<String> names(Network net) {
    return net.layers().stream().map(Layer::name).toList();
  }

  /** The loaded model (through the Parquet layers, and from model/ alone) computes the product form. */
  static void assertRunsLikeTheProductForm(CompressionJob.Outcome o, String out, DenseMatrix xtest) throws Exception {
    DenseMatrix expected = productForm(o).forward(xtest);
    Network loaded = CompressedModelStore.load(spark, out);
    Network files = Network.load(Path.of(out, "model", "model.yaml"), Path.of(out, "model", "model.safetensors"));
    assertEquals(names(o.finalNetwork), names(loaded));
    assertEquals(names(o.finalNetwork), names(files));
    assertTrue(relativeDifference(expected, o.finalNetwork.forward(xtest)) < 1e-5, "in memory");
    assertTrue(relativeDifference(expected, loaded.forward(xtest)) < 1e-5, "CompressedModelStore.load");
    assertTrue(relativeDifference(expected, files.forward(xtest)) < 1e-5, "model/ files");
  }

  static double accuracy(Network net, DenseMatrix x, String dataset) {
    List<Row> rows = spark.read().parquet(dataset).collectAsList();
    // the test rows come back in any order: match them by their inputs
    Map<String, Integer> label = new LinkedHashMap<>();
    for (Row r : rows) {
      label.put(r.getList(0).toString(), r.getInt(1));
    }
    int[] p = Network.argmaxColumns(net.forward(x));
    int ok = 0;
    for (int t = 0; t < x.cols; t++) {
      List<Double> key = new ArrayList<>();
      for (int i = 0; i < x.rows; i++) {
        key.add(x.get(i, t));
      }
      ok += label.get(key.toString()) == p[t] ? 1 : 0;
    }
    return (double) ok / x.cols;
  }

  @Test
  void denseLayersBecomeTwoLayersWhenThatSavesWeights() throws Exception {
    List<Layer> l = new ArrayList<>();
    l.add(new DenseLayer("fc1", gaussian(10, 12, 0.3), bias(10)));
    l.add(new ElementwiseLayer(LayerSpec.simple("relu1", LayerType.RELU), FeatureShape.flat(10)));
    l.add(new DenseLayer("fc2", gaussian(8, 10, 0.3), bias(8)));
    l.add(new ElementwiseLayer(LayerSpec.simple("relu2", LayerType.RELU), FeatureShape.flat(8)));
    l.add(new DenseLayer("fc3", gaussian(3, 8, 0.3), bias(3)));
    Setup s = write("mlp", new Network("mlp", FeatureShape.flat(12), null, l), 600);
    String out = dir.resolve("out-svd").toString();
    CompressionJob.Outcome o = new CompressionJob(spark, config(s, "svd(rank=2)", "out-svd",
        LambdaSearch.Target.keepCount(6))).run(false);

    // LNR: fc1 6 x 6, fc2 6 x 6, fc3 3 x 6; rank 2 holds 24 < 36 and 24 < 36 weights, but 18 = 18 for fc3
    assertArrayEquals(new int[] {6, 6}, o.layers.get(0).shape);
    assertArrayEquals(new int[] {3, 6}, o.layers.get(2).shape);
    assertEquals(List.of("fc1.0", "fc1.1", "relu1", "fc2.0", "fc2.1", "relu2", "fc3"), names(o.finalNetwork));
    assertEquals(List.of(LowRankTensor.CODEC, LowRankTensor.CODEC, "float32"),
        o.layers.stream().map(x -> x.weight.codec()).toList());
    DenseLayer first = (DenseLayer) o.finalNetwork.layer(0);
    DenseLayer second = (DenseLayer) o.finalNetwork.layer(1);
    assertEquals("2x6", first.weight().shape());
    assertEquals(null, first.bias());
    assertArrayEquals(((DenseLayer) o.result.compressed.layer(0)).bias(), second.bias(), 0.0);
    assertRunsLikeTheProductForm(o, out, s.xtest);

    // what the metrics say is the two-layer form: accuracy, bytes, parameters, MACs
    JsonNode m = new ObjectMapper().readTree(Files.readString(Path.of(out, "metrics.json"), StandardCharsets.UTF_8));
    JsonNode e2e = m.get("end_to_end");
    double acc = accuracy(CompressedModelStore.load(spark, out), s.xtest, s.test);
    assertEquals(acc, o.stages.get(2).accuracy, 1e-12);
    assertEquals(acc, e2e.get("accuracy_after").asDouble(), 1e-12);
    assertEquals(o.evaluation.accuracyCompressed, e2e.get("accuracy_lnr").asDouble(), 1e-12);
    assertEquals(o.stages.get(2).agreement, e2e.get("top1_agreement").asDouble(), 1e-12);
    long bytes = (16 + 4 * 2 * 12) + 4 * 6 + (16 + 4 * 2 * 12) + 4 * 6 + (12 + 4 * 18) + 4 * 3;
    assertEquals(bytes, e2e.get("bytes_after").asLong());
    assertEquals(bytes, o.stages.get(2).bytes);
    assertEquals(2 * 12 + 6 + 2 * 12 + 6 + 18 + 3, e2e.get("model_params").asLong());
    assertEquals(2 * 12 + 6 + 2 * 12 + 6 + 18 + 3, o.stages.get(2).params);
    assertEquals(2 * (6 + 6) + 2 * (6 + 6) + 3 * 6, e2e.get("macs_after").asLong());
    assertEquals(12 * 10 + 10 * 8 + 8 * 3, e2e.get("macs_before").asLong());
    assertEquals("[\"fc1.0\",\"fc1.1\"]", m.get("layers").get(0).get("model_layers").toString());
    assertEquals("[\"fc3\"]", m.get("layers").get(2).get("model_layers").toString());
    String yaml = Files.readString(Path.of(out, "model", "model.yaml"));
    assertTrue(yaml.contains("name: fc1.0") && yaml.contains("name: fc2.1") && yaml.contains("bias: none"), yaml);

    // spectra: the singular values of each LNR weight W, the rank kept, whether the layer was split
    JsonNode sp = m.get("spectra");
    assertEquals(List.of("fc1", "fc2", "fc3"), iterable(sp.fieldNames()));
    for (int k = 0; k < 3; k++) {
      JsonNode x = sp.get("fc" + (k + 1));
      double[] expected = Svd.singularValues(LayerChain.weight(LayerChain.of(o.result.compressed).layer(k)));
      double[] got = new double[x.get("singular_values").size()];
      for (int i = 0; i < got.length; i++) {
        got[i] = x.get("singular_values").get(i).asDouble();
      }
      assertArrayEquals(expected, got, 1e-12);
      assertEquals("W", x.get("of").asText());
      assertEquals(2, x.get("rank").asInt());
      assertEquals(k < 2, x.get("factored").asBoolean());
    }
    // and the report plots them: three lines, a ring at each rank kept
    String svg = svg(Files.readString(Path.of(out, "report.html"), StandardCharsets.UTF_8), "spectra");
    assertEquals(3, count(svg, "<path class=\"data line\""));
    assertEquals(6 + 6 + 3, count(svg, "<circle class=\"data marker\"")); // min(h, d) values each
    assertEquals(3, count(svg, "class=\"highlight\""));
    assertTrue(svg.contains(">fc1: rank 2</text>"), svg);
  }

  @Test
  void convLayersBecomeAKxKConvWithRankOutputsAndA1x1Conv() throws Exception {
    List<Layer> l = new ArrayList<>();
    FeatureShape in = FeatureShape.map(2, 7, 7);
    Conv2dLayer c1 = new Conv2dLayer(LayerSpec.conv2d("conv1", true, 1, 1, 1), in, 3, 3, gaussian(5, 18, 0.3),
        bias(5));
    l.add(c1);
    l.add(new ElementwiseLayer(LayerSpec.simple("relu1", LayerType.RELU), c1.outputShape()));
    Conv2dLayer c2 = new Conv2dLayer(LayerSpec.conv2d("conv2", true, new int[] {2, 2}, new int[] {1, 0},
        new int[] {1, 2}), c1.outputShape(), 3, 3, gaussian(6, 45, 0.2), bias(6));
    l.add(c2);
    l.add(new ElementwiseLayer(LayerSpec.simple("relu2", LayerType.RELU), c2.outputShape()));
    l.add(new ElementwiseLayer(LayerSpec.simple("flatten", LayerType.FLATTEN), c2.outputShape()));
    l.add(new DenseLayer("fc1", gaussian(3, c2.outputShape().size(), 0.2), bias(3)));
    Network net = new Network("convnet", in, null, l);
    Setup s = write("convnet", net, 300);
    String out = dir.resolve("out-conv").toString();
    // no LNR target: every layer kept whole, then rank 2 everywhere
    CompressionJob.Outcome o = new CompressionJob(spark, config(s, "svd(rank=2)", "out-conv", null)).run(false);
    assertEquals(List.of("conv1.0", "conv1.1", "relu1", "conv2.0", "conv2.1", "relu2", "flatten", "fc1.0", "fc1.1"),
        names(o.finalNetwork));
    Conv2dLayer a = (Conv2dLayer) o.finalNetwork.layer(3);
    Conv2dLayer b = (Conv2dLayer) o.finalNetwork.layer(4);
    assertEquals(2, a.outputShape().channels);
    assertEquals(3, a.geometry().kernelH);
    assertEquals(2, a.geometry().strideW);
    assertEquals(1, a.geometry().padH);
    assertEquals(0, a.geometry().padW);
    assertEquals(2, a.geometry().dilationW);
    assertEquals(null, a.bias());
    assertEquals(1, b.geometry().kernelW);
    assertEquals(c2.outputShape(), b.outputShape());
    assertArrayEquals(c2.bias(), b.bias(), 0.0);
    assertRunsLikeTheProductForm(o, out, s.xtest);
    Map<String, Tensor> t = io.nncompress.format.safetensors.SafetensorsReader.read(Path.of(out, "model",
        "model.safetensors")).tensors();
    assertArrayEquals(new long[] {2, 5, 3, 3}, t.get("conv2.0.weight").shape());
    assertArrayEquals(new long[] {6, 2, 1, 1}, t.get("conv2.1.weight").shape());
    assertArrayEquals(new long[] {6}, t.get("conv2.1.bias").shape());
    assertFalse(t.containsKey("conv2.0.bias"));
    int p1 = c1.geometry().positions();
    int p2 = c2.geometry().positions();
    assertEquals((2L * 18 + 5 * 2) * p1 + (2L * 45 + 6 * 2) * p2 + 2L * (c2.outputShape().size() + 3), o.flopsAfter);
    assertEquals(5L * 18 * p1 + 6L * 45 * p2 + 3L * c2.outputShape().size(), o.flopsBefore);
  }

  /** svd -> kmeans: both factors of a split layer share 2^b values each; the model runs the same. */
  @Test
  void kmeansAfterSvdSharesValuesInBothFactors() throws Exception {
    List<Layer> l = new ArrayList<>();
    l.add(new DenseLayer("fc1", gaussian(16, 20, 0.3), bias(16)));
    l.add(new ElementwiseLayer(LayerSpec.simple("relu1", LayerType.RELU), FeatureShape.flat(16)));
    l.add(new DenseLayer("fc2", gaussian(4, 16, 0.3), bias(4)));
    Setup s = write("mlp2", new Network("mlp2", FeatureShape.flat(20), null, l), 450);
    String out = dir.resolve("out-svd-kmeans").toString();
    CompressionJob.Outcome o = new CompressionJob(spark, config(s, "svd_aware(rank=3) -> kmeans_aware(2) -> huffman",
        "out-svd-kmeans", null)).run(false);
    assertEquals(List.of("float32", "lnr", "svd_aware(rank=3)", "kmeans_aware(2)", "huffman"),
        o.stages.stream().map(r -> r.stage).toList());
    assertTrue(Double.isNaN(o.stages.get(3).paperRate), "the paper's formula is for one matrix");
    // fc1 (16 x 20): rank 3 holds 108 < 320 weights, split; fc2 (4 x 16): 60 < 64, split too
    assertEquals(List.of("fc1.0", "fc1.1", "relu1", "fc2.0", "fc2.1"), names(o.finalNetwork));
    for (int k = 0; k < 2; k++) {
      FactoredTensor f = (FactoredTensor) o.layers.get(k).weight;
      assertEquals(FactoredTensor.CODEC, f.codec());
      assertTrue(Arrays.stream(f.first().data).distinct().count() <= 4, "Q^T shares 4 values");
      assertTrue(Arrays.stream(f.second().data).distinct().count() <= 4, "P shares 4 values");
      DenseLayer a = (DenseLayer) o.finalNetwork.layer(3 * k);
      assertEquals(0.0, a.weight().maxAbsDiff(f.first()), 0.0);
    }
    assertRunsLikeTheProductForm(o, out, s.xtest);
    // each stage's accuracy is the two-layer model's
    assertEquals(accuracy(o.finalNetwork, s.xtest, s.test), o.stages.get(4).accuracy, 1e-12);
    assertTrue(o.stages.get(4).bytes < o.stages.get(2).bytes, "k-means on the factors saves bytes");
    JsonNode m = new ObjectMapper().readTree(Files.readString(Path.of(out, "metrics.json"), StandardCharsets.UTF_8));
    assertEquals("W L", m.get("spectra").get("fc1").get("of").asText());
    assertEquals(3, m.get("spectra").get("fc1").get("rank").asInt());
    // the codebooks of both factors, named as the compressed model's layers: the shared values are the
    // factor's, every weight of the factor has one, and the histogram is of the factor before sharing
    JsonNode cb = m.get("codebooks");
    assertEquals(List.of("fc1.0", "fc1.1", "fc2.0", "fc2.1"), iterable(cb.fieldNames()));
    String html = Files.readString(Path.of(out, "report.html"), StandardCharsets.UTF_8);
    for (int k = 0; k < 2; k++) {
      FactoredTensor f = (FactoredTensor) o.layers.get(k).weight;
      DenseMatrix[] factors = {f.first(), f.second()};
      for (int part = 0; part < 2; part++) {
        String name = "fc" + (k + 1) + "." + part;
        JsonNode e = cb.get(name);
        double[] shared = Arrays.stream(factors[part].data).distinct().sorted().toArray();
        double[] centroids = new double[e.get("centroids").size()];
        long used = 0;
        long inHistogram = 0;
        int bins = 0;
        for (int c = 0; c < centroids.length; c++) {
          centroids[c] = e.get("centroids").get(c).asDouble();
          used += e.get("counts").get(c).asLong();
        }
        for (JsonNode n : e.get("histogram").get("counts")) {
          inHistogram += n.asLong();
          bins += n.asLong() > 0 ? 1 : 0;
        }
        double[] usedCentroids = java.util.stream.IntStream.range(0, centroids.length)
            .filter(c -> e.get("counts").get(c).asLong() > 0).mapToDouble(c -> centroids[c]).sorted().toArray();
        assertArrayEquals(shared, usedCentroids, 0.0, name);
        assertEquals(factors[part].data.length, used, name);
        assertEquals(factors[part].data.length, inHistogram, name);
        assertTrue(bins > centroids.length, name + ": " + bins + " bins hold weights, more than the shared values");
        assertTrue(html.contains("id=\"codebook-fc" + (k + 1) + "_" + part + "\""), name + " drawn in the report");
      }
    }
  }

  static List<String> iterable(java.util.Iterator<String> it) {
    List<String> l = new ArrayList<>();
    it.forEachRemaining(l::add);
    return l;
  }

  static String svg(String html, String id) {
    Matcher mm = Pattern.compile("(?s)<svg[^>]*id=\"" + id + "\".*?</svg>").matcher(html);
    assertTrue(mm.find(), "no plot " + id);
    return mm.group();
  }

  static int count(String s, String what) {
    int n = 0;
    for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
