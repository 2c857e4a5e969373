package io.nncompress.spark.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.codec.CompressedSafetensors;
import io.nncompress.codec.DeepCompressedTensor;
import io.nncompress.codec.KMeansTensor;
import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.RawFloat32Tensor;
import io.nncompress.codec.lowrank.LowRankEncoded;
import io.nncompress.compress.StagePlan;
import io.nncompress.format.safetensors.SafetensorsWriter;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.DenseMatrix;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * model/compressed.safetensors decoded by deploy/pytorch/nncompress_load.py (numpy only, run with
 * the system's python3) gives, for every codec of the stage plans, the Java decoder's float32
 * weights bit for bit.
 */
class CompressedSafetensorsTest {
  static final String PYTHON = "/usr/bin/python3";
  static final List<String> PLANS = List.of("kmeans(4) -> huffman", "kmeans(4)", "prune(0.5) -> kmeans(4) -> huffman",
      "kmeans_aware(4)", "uniform(4)", "uniform(4,row)", "binary", "pq(4,8)", "rq(4,4,2)", "svd(rank=3)",
      "svd(rank=3) -> kmeans(4) -> huffman", "hashed(bits=4)", "float32", "prune(0.5)",
      "kmeans(4) as KMeansTensor", "prune(0.5) -> kmeans(4)");
  /** The codec each plan's form has (every codec of io.nncompress.codec.TensorCodecs is one of them). */
  static final Map<String, String> CODECS = Map.ofEntries(Map.entry("kmeans(4) -> huffman", "deepcomp"),
      Map.entry("kmeans(4)", "deepcomp"), Map.entry("kmeans(4) as KMeansTensor", "kmeans"), Map.entry("prune(0.5) -> kmeans(4) -> huffman", "deepcomp"),
      Map.entry("kmeans_aware(4)", "deepcomp"), Map.entry("uniform(4)", "uniform"), Map.entry("uniform(4,row)", "uniform"),
      Map.entry("binary", "binary"), Map.entry("pq(4,8)", "pq"), Map.entry("rq(4,4,2)", "rq"),
      Map.entry("svd(rank=3)", "lowrank"), Map.entry("svd(rank=3) -> kmeans(4) -> huffman", "lowrank_coded"),
      Map.entry("hashed(bits=4)", "hashed"), Map.entry("float32", "float32"), Map.entry("prune(0.5)", "sparse"),
      Map.entry("prune(0.5) -> kmeans(4)", "deepcomp"));
  /** Plans whose form shares weights: the file must be smaller than the float32 weights. */
  static final Set<String> SHARING = Set.of("kmeans(4) -> huffman", "kmeans(4)", "prune(0.5) -> kmeans(4) -> huffman",
      "kmeans_aware(4)", "uniform(4)", "uniform(4,row)", "binary", "pq(4,8)", "rq(4,4,2)",
      "kmeans(4) as KMeansTensor", "prune(0.5) -> kmeans(4)", "svd(rank=3) -> kmeans(4) -> huffman", "hashed(bits=4)");

  @TempDir
  Path dir;

  static final int ROWS = 40;
  static final int COLS = 48;

  static DenseMatrix weights(Random rnd) {
    DenseMatrix w = new DenseMatrix(ROWS, COLS);
    for (int k = 0; k < w.data.length; k++) {
      w.data[k] = (float) (0.2 * rnd.nextGaussian());
    }
    return w;
  }

  /** An input autocorrelation (cols x cols) for the data-aware stages. */
  static DenseMatrix autocorrelation(Random rnd) {
    int n = 200;
    DenseMatrix x = new DenseMatrix(COLS, n);
    for (int k = 0; k < x.data.length; k++) {
      x.data[k] = rnd.nextGaussian();
    }
    DenseMatrix r = new DenseMatrix(COLS, COLS);
    DenseMatrix.gemm(1.0 / n, x, false, x, true, 0.0, r);
    return r;
  }

  static EncodedTensor encode(String plan, DenseMatrix w, DenseMatrix r) {
    if (plan.equals("float32")) {
      return RawFloat32Tensor.of(w);
    }
    if (plan.equals("kmeans(4) as KMeansTensor")) { // the dense weight-sharing codec no plan writes today
      return KMeansTensor.of(((DeepCompressedTensor) StagePlan.parse("kmeans(4)").encode(w, r)).shared());
    }
    return StagePlan.parse(plan).encode(w, r);
  }

  static float[] bias(Random rnd) {
    float[] b = new float[ROWS];
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) rnd.nextGaussian();
    }
    return b;
  }

  @Test
  void everyCodecDecodesInPythonToTheJavaDecodersFloat32Weights() throws Exception {
    assertEquals(io.nncompress.codec.TensorCodecs.all().keySet(), Set.copyOf(CODECS.values()),
        "a codec without a plan here");
    Random rnd = new Random(5);
    DenseMatrix r = autocorrelation(rnd);
    for (String plan : PLANS) {
      DenseMatrix w = weights(rnd);
      float[] b = bias(rnd);
      EncodedTensor e = encode(plan, w, r);
      String codec = e.codec();
      assertEquals(CODECS.get(plan), codec, plan);
      byte[] file = CompressedSafetensors.toBytes(List.of(CompressedSafetensors.Layer.dense("fc", e, "fc.weight",
          new long[] {ROWS, COLS}).bias("fc.bias", b).kept(new int[] {0, 2}, new int[] {1})));
      Path f = dir.resolve(codec + "-" + plan.hashCode() + ".safetensors");
      Files.write(f, file);
      Map<String, float[]> got = python(f, plan);
      assertEquals(Set.of("fc.weight", "fc.bias"), got.keySet(), plan);
      assertBitEqual(plan + " (" + codec + ")", float32(e.decode()), got.get("fc.weight"));
      assertBitEqual(plan + " bias", b, got.get("fc.bias"));
      if (SHARING.contains(plan)) {
        long dense = SafetensorsWriter.toBytes(Map.of("fc.weight", Tensor.f32(w.toRowMajor(), ROWS, COLS)),
            Map.of()).length;
        assertTrue(Files.size(f) - 4L * ROWS < dense, plan + " (" + codec + "): compressed.safetensors has "
            + (Files.size(f) - 4L * ROWS) + " bytes without its bias, the float32 weight " + dense);
      }
    }
  }

  @Test
  void lowRankLayersWrittenAsTwoLayersDecodeToTheirFactors() throws Exception {
    Random rnd = new Random(7);
    for (String plan : List.of("svd(rank=3)", "svd(rank=3) -> kmeans(4) -> huffman")) {
      EncodedTensor e = encode(plan, weights(rnd), null);
      LowRankEncoded f = (LowRankEncoded) e;
      Path file = dir.resolve("factors-" + e.codec() + ".safetensors");
      Files.write(file, CompressedSafetensors.toBytes(List.of(CompressedSafetensors.Layer.factors("fc", e,
          "fc.0.weight", new long[] {3, COLS}, "fc.1.weight", new long[] {ROWS, 3}))));
      Map<String, float[]> got = python(file, plan);
      assertEquals(Set.of("fc.0.weight", "fc.1.weight"), got.keySet(), plan);
      assertBitEqual(plan + " Q^T", float32(f.first()), got.get("fc.0.weight"));
      assertBitEqual(plan + " P", float32(f.second()), got.get("fc.1.weight"));
    }
  }

  static float[] float32(DenseMatrix m) {
    double[] v = m.toRowMajor();
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }

  static void assertBitEqual(String what, float[] expected, float[] got) {
    assertEquals(expected.length, got.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(got[i])) {
        throw new AssertionError(what + ": value " + i + " is " + got[i] + " in Python, " + expected[i] + " in Java");
      }
    }
  }

  static Path loader() {
    Path p = Path.of("").toAbsolutePath();
    for (Path q = p; q != null; q = q.getParent()) {
      Path s = q.resolve("deploy/pytorch/nncompress_load.py");
      if (Files.exists(s)) {
        return s;
      }
    }
    throw new AssertionError("deploy/pytorch/nncompress_load.py not found above " + p);
  }

  /**
   * Runs nncompress_load.py on the file; its tensors, by name (raw float32 files and an index). Fails
   * (never skips) when python3 or numpy is missing.
   */
  static Map<String, float[]> python(Path file, String what) throws IOException, InterruptedException {
    Path out = Files.createTempDirectory(file.getParent(), "decoded");
    Process p = new ProcessBuilder(PYTHON, loader().toString(), file.toString(), out.toString())
        .redirectErrorStream(true).start();
    String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int rc = p.waitFor();
    assertEquals(0, rc, what + ": " + PYTHON + " nncompress_load.py failed (python3-numpy is required):\n" + log);
    Map<String, float[]> t = new LinkedHashMap<>();
    for (String line : Files.readAllLines(out.resolve("index.txt"))) {
      String[] f = line.split("\t");
      byte[] raw = Files.readAllBytes(out.resolve(f[0] + ".f32"));
      float[] v = new float[raw.length / 4];
      ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
      long n = 1;
      for (String d : f[2].split(",")) {
        n *= Long.parseLong(d);
      }
      assertEquals(n, v.length, what + ": " + f[1] + " has shape " + f[2]);
      t.put(f[1], v);
    }
    return t;
  }
}
