package io.nncompress.spark.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.compress.LayerChain;
import io.nncompress.compress.LayerMapCompressor;
import io.nncompress.compress.LnrCompressor;
import io.nncompress.data.LabeledImages;
import io.nncompress.format.safetensors.SafetensorsFile;
import io.nncompress.format.safetensors.SafetensorsReader;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Network;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.autocorr.AutocorrelationJob;
import io.nncompress.spark.autocorr.AutocorrelationStore;
import io.nncompress.spark.autocorr.LayerInput;
import io.nncompress.stats.AutocorrelationStats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Statistics-first compression of the demo's LeNet-300-100 from stored autocorr output, against the
 * forward-pass job's parallel strategy on the same data: the same R, the same kept neurons, the same
 * weights.
 */
class LayerMapCompressionTest {
  static final int N = 2000;
  static final String[] LAYERS = {"fc1", "fc2", "fc3"};
  @TempDir
  static Path dir;
  static SparkSession spark;
  static Network net;
  static String calibration;
  static String stored;
  static Path conf = Path.of("..", "conf", "demo");

  /** The demo teacher's layer inputs for N training images, as the user's dumps would hold them (doubles). */
  @BeforeAll
  static void setUp() throws Exception {
    spark = SparkTestSession.get();
    net = Network.load(conf.resolve("lenet300100.yaml"), conf.resolve("lenet300100.safetensors"));
    LabeledImages images = LabeledImages.fashionMnist(LabeledImages.FASHION_MNIST_DIR, true);
    DenseMatrix x = new DenseMatrix(784, N);
    List<Row> rows = new ArrayList<>();
    StructType imageSchema = new StructType(new StructField[] {
      new StructField("image", DataTypes.BinaryType, false, Metadata.empty()),
      new StructField("label", DataTypes.IntegerType, false, Metadata.empty())});
    for (int k = 0; k < N; k++) {
      ByteBuffer b = ByteBuffer.allocate(4 * 784).order(ByteOrder.LITTLE_ENDIAN);
      for (int j = 0; j < 784; j++) {
        b.putFloat(images.pixel(k, j));
        x.set(j, k, images.pixel(k, j));
      }
      rows.add(RowFactory.create(b.array(), images.label(k)));
    }
    calibration = dir.resolve("train").toString();
    spark.createDataFrame(rows, imageSchema).repartition(3).write().parquet(calibration);
    // the input of every dense layer, one column each (array<double>: the forward pass's exact values)
    double[][][] inputs = new double[3][][];
    net.forward(x, (index, layer, in) -> {
      int k = List.of(LAYERS).indexOf(layer.name());
      if (k >= 0) {
        inputs[k] = new double[N][];
        for (int s = 0; s < N; s++) {
          double[] v = new double[in.rows];
          for (int j = 0; j < in.rows; j++) {
            v[j] = in.get(j, s);
          }
          inputs[k][s] = v;
        }
      }
    });
    StructField[] fields = new StructField[3];
    for (int k = 0; k < 3; k++) {
      fields[k] = new StructField(LAYERS[k] + "_in", DataTypes.createArrayType(DataTypes.DoubleType, false), false,
          Metadata.empty());
    }
    List<Row> acts = new ArrayList<>();
    for (int s = 0; s < N; s++) {
      acts.add(RowFactory.create(inputs[0][s], inputs[1][s], inputs[2][s]));
    }
    String activations = dir.resolve("activations").toString();
    spark.createDataFrame(acts, new StructType(fields)).repartition(3).write().parquet(activations);
    List<LayerInput> li = new ArrayList<>();
    for (String l : LAYERS) {
      li.add(LayerInput.dense(l, activations, l + "_in"));
    }
    stored = dir.resolve("autocorr").toString();
    new AutocorrelationJob(spark, new AutocorrelationJob.Options()).run(li, stored, false);
  }

  static String forwardConfig(String output) {
    return "model: {spec: " + conf.toAbsolutePath().resolve("lenet300100.yaml") + ", weights: "
        + conf.toAbsolutePath().resolve("lenet300100.safetensors") + "}\n"
        + "data: {calibration: " + calibration + ", input_column: image}\n"
        + "lnr: {strategy: parallel, target: {max_relative_error: 0.02}}\n"
        + "output: " + output + "\n";
  }

  static String mapConfig(String output) {
    return "model:\n  weights: " + conf.toAbsolutePath().resolve("lenet300100.safetensors") + "\n"
        + "  layers:\n"
        + "    fc1: {weight: fc1.weight, bias: fc1.bias}\n"
        + "    fc2: {weight: fc2.weight, bias: fc2.bias, couples: [fc1.weight, fc1.bias]}\n"
        + "    fc3: {weight: fc3.weight, bias: fc3.bias, couples: [fc2.weight, fc2.bias]}\n"
        + "data: {statistics: " + stored + "}\n"
        + "lnr: {target: {max_relative_error: 0.02}}\n"
        + "output: " + output + "\n";
  }

  @Test
  void storedStatisticsEqualTheForwardPassStatistics() {
    SparkStatistics forward = new SparkStatistics(spark, InputData.open(spark, calibration, "image", null, 784), 512);
    AutocorrelationStats[] f = forward.inputs(net, new int[] {0, 2, 4});
    Map<String, AutocorrelationStore.StoredLayer> s = AutocorrelationStore.read(spark, stored);
    for (int k = 0; k < 3; k++) {
      AutocorrelationStats a = s.get(LAYERS[k]).stats;
      assertEquals(N, a.samples());
      DenseMatrix ra = a.autocorrelation();
      DenseMatrix rf = f[k].autocorrelation();
      assertEquals(rf.rows, ra.rows, LAYERS[k]);
      double num = 0;
      double den = 0;
      for (int i = 0; i < ra.data.length; i++) {
        num += (ra.data[i] - rf.data[i]) * (ra.data[i] - rf.data[i]);
        den += rf.data[i] * rf.data[i];
      }
      assertTrue(Math.sqrt(num / den) <= 1e-12, LAYERS[k] + ": relative difference " + Math.sqrt(num / den));
    }
  }

  @Test
  void layerMapGivesTheParallelStrategysModel() throws Exception {
    CompressionConfig fc = CompressionConfig.parse("forward.yaml", forwardConfig(dir.resolve("out-f").toString()),
        dir);
    CompressionJob.Outcome expected = new CompressionJob(spark, fc).compute(net);
    CompressionConfig mc = CompressionConfig.parse("map.yaml", mapConfig(dir.resolve("out-m").toString()), dir);
    LayerMapCompression job = new LayerMapCompression(spark, mc);
    LayerMapCompression.Outcome got = job.run(false);
    LayerChain chain = LayerChain.of(expected.result.compressed);
    for (int k = 0; k < 3; k++) {
      LayerMapCompressor.Layer l = got.lnr.layers.get(k);
      assertArrayEquals(expected.result.keptGroups.get(k), l.keptInputs, LAYERS[k] + " kept inputs");
      DenseMatrix we = LayerChain.weight(chain.layer(k));
      double[] be = LayerChain.bias(chain.layer(k));
      // fc1 has no couples: its shape stays, the removed input features are zero columns
      int[] cols = k == 0 ? l.keptInputs : range(l.weight.cols);
      assertEquals(we.rows, l.weight.rows, LAYERS[k] + " rows");
      assertEquals(we.cols, cols.length, LAYERS[k] + " columns");
      for (int i = 0; i < we.rows; i++) {
        for (int j = 0; j < cols.length; j++) {
          assertEquals(we.get(i, j), l.weight.get(i, cols[j]), 1e-9, LAYERS[k] + " weight " + i + "," + j);
        }
        assertEquals(be[i], l.bias[i], 1e-9, LAYERS[k] + " bias " + i);
      }
      if (k == 0) {
        assertEquals(784 - l.keptInputs.length, zeroColumns(l.weight), "fc1's removed inputs are zero columns");
      }
    }
    // the written model: the user's names, the new shapes, float32 of the weights above
    SafetensorsFile written = SafetensorsReader.read(dir.resolve("out-m/model/model.safetensors"));
    assertEquals(net.tensors().keySet(), written.names());
    int h1 = got.lnr.layers.get(1).keptInputs.length;
    int h2 = got.lnr.layers.get(2).keptInputs.length;
    assertArrayEquals(new long[] {h1, 784}, written.get("fc1.weight").shape());
    assertArrayEquals(new long[] {h1}, written.get("fc1.bias").shape());
    assertArrayEquals(new long[] {h2, h1}, written.get("fc2.weight").shape());
    assertArrayEquals(new long[] {10, h2}, written.get("fc3.weight").shape());
    Tensor w2 = written.get("fc2.weight");
    DenseMatrix w2m = w2.toMatrix();
    for (int i = 0; i < h2; i++) {
      for (int j = 0; j < h1; j++) {
        assertEquals((float) got.lnr.layers.get(1).weight.get(i, j), w2m.get(i, j), 0.0);
      }
    }
    assertTrue(Files.exists(dir.resolve("out-m/metrics.json")));
    assertTrue(Files.exists(dir.resolve("out-m/report.html")));
    assertTrue(Files.isDirectory(dir.resolve("out-m/layers")));
  }

  /**
   * A PyTorch model with batchnorm holds an I64 counter (num_batches_tracked), and a half-precision one F16
   * tensors: those copied through keep their dtype and bytes, a coupled F16 tensor keeps its dtype and the
   * bytes of its kept entries (nncompress wrote only F32 and F64, and failed at the end of the job).
   */
  @Test
  void tensorsOfOtherDtypesAreCopiedThroughWithTheirBytes() throws Exception {
    Map<String, Tensor> weights = new java.util.TreeMap<>(net.tensors());
    double[] scale = new double[300];
    for (int j = 0; j < scale.length; j++) {
      scale[j] = io.nncompress.format.safetensors.SafetensorsDtype.halfToFloat((short) (0x3000 + 37 * j));
    }
    weights.put("fc1.scale", new Tensor(io.nncompress.format.safetensors.SafetensorsDtype.F16, new long[] {300},
        scale));
    weights.put("bn.num_batches_tracked", new Tensor(io.nncompress.format.safetensors.SafetensorsDtype.I64,
        new long[] {}, new double[] {938}));
    weights.put("mask", new Tensor(io.nncompress.format.safetensors.SafetensorsDtype.BOOL, new long[] {3},
        new double[] {1, 0, 1}));
    Path in = dir.resolve("typed.safetensors");
    io.nncompress.format.safetensors.SafetensorsWriter.write(in, weights, Map.of());
    String yaml = mapConfig(dir.resolve("out-typed").toString())
        .replace(conf.toAbsolutePath().resolve("lenet300100.safetensors").toString(), in.toString())
        .replace("couples: [fc1.weight, fc1.bias]", "couples: [fc1.weight, fc1.bias, fc1.scale]");
    LayerMapCompression.Outcome got = new LayerMapCompression(spark, CompressionConfig.parse("typed.yaml", yaml, dir))
        .run(false);
    int[] kept = got.lnr.layers.get(1).keptInputs;
    assertTrue(kept.length < 300, kept.length + " kept");
    Map<String, String> before = rawTensors(in);
    Map<String, String> after = rawTensors(dir.resolve("out-typed/model/model.safetensors"));
    assertEquals(before.get("bn.num_batches_tracked"), after.get("bn.num_batches_tracked"));
    assertEquals("I64 [] aa03000000000000", after.get("bn.num_batches_tracked"));
    assertEquals("BOOL [3] 010001", after.get("mask"));
    String scaleHex = before.get("fc1.scale").substring("F16 [300] ".length());
    StringBuilder keptScale = new StringBuilder();
    for (int j : kept) {
      keptScale.append(scaleHex, 4 * j, 4 * j + 4);
    }
    assertEquals("F16 [" + kept.length + "] " + keptScale, after.get("fc1.scale"));
    assertTrue(after.get("fc1.weight").startsWith("F32 [" + kept.length + ", 784] "), "the solved layers are F32");
  }

  /**
   * Each tensor as "DTYPE [shape] hex of its bytes", read with the header's offsets alone (not
   * nncompress's reader).
   */
  private static Map<String, String> rawTensors(Path file) throws Exception {
    byte[] all = Files.readAllBytes(file);
    int headerBytes = (int) ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    com.fasterxml.jackson.databind.JsonNode h = new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(new String(all, 8, headerBytes, java.nio.charset.StandardCharsets.UTF_8));
    Map<String, String> out = new java.util.HashMap<>();
    for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> e : h.properties()) {
      if (!e.getKey().equals("__metadata__")) {
        com.fasterxml.jackson.databind.JsonNode off = e.getValue().get("data_offsets");
        byte[] data = java.util.Arrays.copyOfRange(all, 8 + headerBytes + off.get(0).intValue(),
            8 + headerBytes + off.get(1).intValue());
        out.put(e.getKey(), e.getValue().get("dtype").textValue() + " " + e.getValue().get("shape").toString()
            .replace(",", ", ") + " " + hex(data));
      }
    }
    return out;
  }

  private static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      s.append(String.format("%02x", x));
    }
    return s.toString();
  }

  /** A layer map's model/compressed.safetensors decodes in Python to its model.safetensors, user's names. */
  @Test
  void layerMapWritesItsCompressedForm() throws Exception {
    String yaml = mapConfig(dir.resolve("out-mc").toString()) + "stages:\n  plan: svd(rank=4) -> kmeans(3) -> huffman\n";
    new LayerMapCompression(spark, CompressionConfig.parse("map-stages.yaml", yaml, dir)).run(false);
    SafetensorsFile written = SafetensorsReader.read(dir.resolve("out-mc/model/model.safetensors"));
    Path compressed = dir.resolve("out-mc/model/compressed.safetensors");
    Map<String, float[]> got = CompressedSafetensorsTest.python(compressed, "layer map");
    assertEquals(net.tensors().keySet(), got.keySet());
    for (String name : written.names()) {
      double[] v = written.get(name).values();
      float[] f = new float[v.length];
      for (int i = 0; i < v.length; i++) {
        f[i] = (float) v[i];
      }
      CompressedSafetensorsTest.assertBitEqual("layer map " + name, f, got.get(name));
    }
    assertTrue(Files.size(compressed) * 4 < Files.size(dir.resolve("out-mc/model/model.safetensors")),
        Files.size(compressed) + " bytes");
  }

  /**
   * fc1 has no couples: it keeps its 784 columns, those of the inputs LNR removed zero. The stages encode the
   * kept columns alone, so binary (every weight +-alpha) leaves the removed columns at exactly zero, and
   * numpy decodes the compressed form into the same weights.
   */
  @Test
  void stagesLeaveTheRemovedColumnsOfALayerWithoutCouplesAtZero() throws Exception {
    String yaml = mapConfig(dir.resolve("out-bin").toString()) + "stages:\n  plan: binary\n";
    LayerMapCompression.Outcome o = new LayerMapCompression(spark, CompressionConfig.parse("map-bin.yaml", yaml, dir))
        .run(false);
    LayerMapCompressor.Layer fc1 = o.lnr.layers.get(0);
    int kept = fc1.keptInputs.length;
    assertTrue(kept < 784, kept + " kept");
    SafetensorsFile written = SafetensorsReader.read(dir.resolve("out-bin/model/model.safetensors"));
    DenseMatrix w = written.get("fc1.weight").toMatrix();
    assertEquals(784, w.cols);
    assertEquals(784 - kept, zeroColumns(w), "the removed inputs' columns stay zero");
    for (int i = 0; i < w.rows; i++) {
      for (int j : fc1.keptInputs) {
        assertTrue(w.get(i, j) != 0, "binary: +-alpha at kept column " + j);
      }
    }
    // the stored (encoded) weight holds the kept columns alone
    CompressedModelStore.StoredLayer s = o.layers.get(0);
    assertEquals(kept, s.weight.cols());
    assertEquals(w.rows, s.weight.rows());
    Map<String, float[]> decoded = CompressedSafetensorsTest.python(dir.resolve("out-bin/model/compressed.safetensors"),
        "layer map, binary");
    for (String name : new String[] {"fc1.weight", "fc2.weight", "fc3.weight"}) {
      double[] v = written.get(name).values();
      float[] f = new float[v.length];
      for (int i = 0; i < v.length; i++) {
        f[i] = (float) v[i];
      }
      CompressedSafetensorsTest.assertBitEqual("layer map " + name, f, decoded.get(name));
    }
  }

  /** A layer map's metrics.json with every section parses into the records and round-trips; the report shows them. */
  @Test
  void layerMapMetricsRoundTrip() throws Exception {
    String yaml = mapConfig(dir.resolve("out-mm").toString()) + "stages:\n  plan: svd(rank=4) -> kmeans(3) -> huffman\n";
    new LayerMapCompression(spark, CompressionConfig.parse("map-metrics.yaml", yaml, dir)).run(false);
    byte[] json = Files.readAllBytes(dir.resolve("out-mm/metrics.json"));
    io.nncompress.report.Metrics m = io.nncompress.report.MetricsJson.read(json, "metrics.json");
    assertEquals(new String(json, java.nio.charset.StandardCharsets.UTF_8),
        new String(io.nncompress.report.MetricsJson.write(m), java.nio.charset.StandardCharsets.UTF_8));
    assertEquals(io.nncompress.report.Metrics.SCHEMA_VERSION, m.schemaVersion());
    assertEquals("stored statistics", m.source());
    assertEquals(List.of("model", "statistics", "lnr", "stages", "total"), new java.util.ArrayList<>(m.timings().keySet()));
    assertEquals(null, m.endToEnd().accuracyAfter(), "no evaluation in a layer map");
    for (io.nncompress.report.Metrics.Layer l : m.layers()) {
      assertEquals(l.layer() + ".weight", l.weight());
      io.nncompress.report.Metrics.Spectrum s = m.spectra().get(l.layer());
      assertEquals(4, s.rank(), l.layer());
      assertEquals("W", s.of());
    }
    assertEquals(List.of("float32", "lnr", "svd(rank=4)", "kmeans(3)", "huffman"),
        m.stages().stream().map(io.nncompress.report.Metrics.Stage::stage).toList());
    assertTrue(!m.codebooks().isEmpty());
    String html = Files.readString(dir.resolve("out-mm/report.html"));
    assertTrue(html.contains("id=\"spectra\""), "spectra drawn");
  }

  static int zeroColumns(DenseMatrix w) {
    int z = 0;
    for (int j = 0; j < w.cols; j++) {
      boolean zero = true;
      for (int i = 0; i < w.rows && zero; i++) {
        zero = w.get(i, j) == 0;
      }
      z += zero ? 1 : 0;
    }
    return z;
  }

  static int[] range(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) {
      r[i] = i;
    }
    return r;
  }
}
