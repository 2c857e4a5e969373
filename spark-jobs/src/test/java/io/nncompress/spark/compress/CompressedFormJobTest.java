package io.nncompress.spark.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.compress.ChainingStrategy;
import io.nncompress.compress.StagePlan;
import io.nncompress.format.safetensors.SafetensorsFile;
import io.nncompress.format.safetensors.SafetensorsReader;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.LambdaSearch;
import io.nncompress.model.DenseLayer;
import io.nncompress.model.ElementwiseLayer;
import io.nncompress.model.FeatureShape;
import io.nncompress.model.Layer;
import io.nncompress.model.LayerSpec;
import io.nncompress.model.LayerType;
import io.nncompress.model.Network;
import io.nncompress.spark.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real compression run writes model/compressed.safetensors, which nncompress_load.py decodes to
 * exactly model/model.safetensors's float32 weights (one weight per layer, or a low-rank layer's two).
 */
class CompressedFormJobTest {
  @TempDir
  static Path dir;
  static SparkSession spark;
  static Random rnd = new Random(13);
  static Path spec;
  static Path weights;
  static String train;
  static String test;

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

  @BeforeAll
  static void setUp() throws Exception {
    spark = SparkTestSession.get();
    List<Layer> l = new ArrayList<>();
    l.add(new DenseLayer("fc1", gaussian(16, 12, 0.3), bias(16)));
    l.add(new ElementwiseLayer(LayerSpec.simple("relu1", LayerType.RELU), FeatureShape.flat(16)));
    l.add(new DenseLayer("fc2", gaussian(10, 16, 0.3), bias(10)));
    l.add(new ElementwiseLayer(LayerSpec.simple("relu2", LayerType.RELU), FeatureShape.flat(10)));
    l.add(new DenseLayer("fc3", gaussian(3, 10, 0.3), bias(3)));
    Network net = new Network("mlp", FeatureShape.flat(12), null, l);
    spec = dir.resolve("mlp.yaml");
    weights = dir.resolve("mlp.safetensors");
    net.save(weights, spec, Map.of());
    int n = 600;
    DenseMatrix a = gaussian(12, 4, 1);
    DenseMatrix x = new DenseMatrix(12, n);
    for (int s = 0; s < n; s++) {
      double[] z = {rnd.nextGaussian(), rnd.nextGaussian(), rnd.nextGaussian(), rnd.nextGaussian()};
      for (int i = 0; i < 12; i++) {
        double v = 0.05 * rnd.nextGaussian() + 0.2;
        for (int j = 0; j < 4; j++) {
          v += a.get(i, j) * z[j];
        }
        x.set(i, s, v);
      }
    }
    int[] labels = Network.argmaxColumns(net.forward(x));
    train = parquet("train", x, labels, 0, 400);
    test = parquet("test", x, labels, 400, n);
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

  static CompressionConfig config(String plan, String output) {
    CompressionConfig c = new CompressionConfig();
    c.source = "test";
    c.spec = spec;
    c.weights = weights;
    c.calibration = train;
    c.evaluation = test;
    c.inputColumn = "x";
    c.labelColumn = "label";
    c.batchSize = 64;
    c.strategy = ChainingStrategy.BOTTOM_UP;
    c.target = LambdaSearch.Target.keepCount(8);
    c.tolerance = 1e-9;
    c.stages = StagePlan.parse(plan);
    c.output = dir.resolve(output).toString();
    return c;
  }

  /** Runs the job and checks the Python decoding of compressed.safetensors against model.safetensors. */
  static void check(String plan, String output, String... expectedNames) throws Exception {
    new CompressionJob(spark, config(plan, output)).run(false);
    Path model = dir.resolve(output).resolve(CompressedModelStore.MODEL_DIR);
    Path compressed = model.resolve(CompressedModelStore.COMPRESSED);
    assertTrue(Files.exists(compressed), compressed + " is written");
    SafetensorsFile expected = SafetensorsReader.read(model.resolve(CompressedModelStore.WEIGHTS));
    Map<String, float[]> got = CompressedSafetensorsTest.python(compressed, plan);
    assertEquals(expected.names(), got.keySet(), plan + ": the decoded tensors are model.safetensors's");
    assertEquals(List.of(expectedNames), new ArrayList<>(got.keySet()), plan);
    for (String name : expected.names()) {
      double[] v = expected.get(name).values();
      float[] f = new float[v.length];
      for (int i = 0; i < v.length; i++) {
        f[i] = (float) v[i];
      }
      CompressedSafetensorsTest.assertBitEqual(plan + ": " + name, f, got.get(name));
    }
  }

  @Test
  void prunedSharedHuffmanLayersDecodeToModelSafetensors() throws Exception {
    check("prune(0.5) -> kmeans(2) -> huffman", "out-deep", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias",
        "fc3.weight", "fc3.bias");
  }

  @Test
  void lowRankLayersDecodeToTheirTwoFactorsInModelSafetensors() throws Exception {
    check("svd(rank=2) -> kmeans(2) -> huffman", "out-svd", "fc1.0.weight", "fc1.1.weight", "fc1.1.bias",
        "fc2.0.weight", "fc2.1.weight", "fc2.1.bias", "fc3.0.weight", "fc3.1.weight", "fc3.1.bias");
  }
}
