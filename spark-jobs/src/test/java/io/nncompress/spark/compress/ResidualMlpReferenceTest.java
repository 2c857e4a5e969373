package io.nncompress.spark.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nncompress.cli.Main;
import io.nncompress.data.LabeledImages;
import io.nncompress.format.safetensors.SafetensorsFile;
import io.nncompress.format.safetensors.SafetensorsReader;
import io.nncompress.format.safetensors.SafetensorsWriter;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.autocorr.AutocorrelationStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ResidualMlpReference} against PyTorch on conf/examples/residual-mlp: the logits and the
 * Linear layers' inputs equal torch's (model.py run by /usr/bin/python3), the test accuracy equals
 * the one train.py measured, a narrower model (fewer hidden units) runs in both, and the Parquet
 * datasets of the layer inputs give `nncompress autocorr` the R of those inputs.
 */
class ResidualMlpReferenceTest {
  static final String PYTHON = "/usr/bin/python3";
  static final int COUNT = 64;

  @TempDir
  static Path dir;
  static Path example;
  static Path weights;
  static ResidualMlpReference model;
  static double[][] images;

  @BeforeAll
  static void load() throws IOException {
    example = repoRoot().resolve("conf/examples/residual-mlp");
    weights = example.resolve("model.safetensors");
    model = ResidualMlpReference.load(weights);
    images = ResidualMlpReference.fashionMnist(false, COUNT);
  }

  static Path repoRoot() {
    Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("conf/examples/residual-mlp"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("conf/examples/residual-mlp not found above " + System.getProperty("user.dir"));
    }
    return p;
  }

  /** Runs model.py with /usr/bin/python3; fails (never skips) when torch cannot be imported. */
  static String torch(String... args) throws IOException, InterruptedException {
    String check = python(List.of(PYTHON, "-c", "import torch, numpy; print(torch.__version__)"));
    if (check == null) {
      fail("PyTorch cannot be imported by " + PYTHON + ": this test checks the Java forward pass against torch; "
          + "install python3-torch (Debian) and numpy. Output of 'import torch':\n" + lastOutput);
    }
    List<String> cmd = new ArrayList<>(List.of(PYTHON, example.resolve("model.py").toString()));
    cmd.addAll(List.of(args));
    String out = python(cmd);
    if (out == null) {
      fail(cmd + " failed:\n" + lastOutput);
    }
    return out;
  }

  static String lastOutput;

  private static String python(List<String> cmd) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    } catch (IOException e) {
      lastOutput = e.toString();
      return null;
    }
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      lastOutput = "timed out after 10 minutes";
      return null;
    }
    lastOutput = new String(out, StandardCharsets.UTF_8);
    return p.exitValue() == 0 ? lastOutput : null;
  }

  static float[] readFloats(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    float[] v = new float[b.remaining() / 4];
    b.asFloatBuffer().get(v);
    return v;
  }

  static void assertRowsClose(float[] want, double[][] got, double tol, String what) {
    int d = got[0].length;
    assertEquals(want.length, got.length * d, what + ": values");
    double worst = 0;
    for (int k = 0; k < got.length; k++) {
      for (int j = 0; j < d; j++) {
        worst = Math.max(worst, Math.abs(want[k * d + j] - got[k][j]));
      }
    }
    assertTrue(worst <= tol, what + ": max |torch - java| = " + worst + " > " + tol);
  }

  @Test
  void logitsEqualPyTorchs() throws Exception {
    Path out = dir.resolve("logits.f32");
    torch("logits", "--weights", weights.toString(), "--count", String.valueOf(COUNT), "--out", out.toString());
    double[][] java = model.logits(images);
    assertEquals(10, java[0].length);
    assertRowsClose(readFloats(out), java, 1e-4, "logits of the first " + COUNT + " test images");
  }

  @Test
  void layerInputsEqualPyTorchsForwardPreHooks() throws Exception {
    Path out = dir.resolve("inputs");
    torch("inputs", "--weights", weights.toString(), "--count", String.valueOf(COUNT), "--out", out.toString());
    Map<String, double[][]> java = model.layerInputs(images);
    assertEquals(List.of("embed", "blocks.0.mlp.gate_proj", "blocks.0.mlp.up_proj", "blocks.0.mlp.down_proj",
        "blocks.1.mlp.gate_proj", "blocks.1.mlp.up_proj", "blocks.1.mlp.down_proj", "head"),
        new ArrayList<>(java.keySet()));
    List<String> dumped = new ArrayList<>();
    try (var files = Files.list(out)) {
      files.forEach(f -> dumped.add(f.getFileName().toString().replace(".f32", "")));
    }
    assertEquals(new java.util.TreeSet<>(java.keySet()), new java.util.TreeSet<>(dumped));
    for (Map.Entry<String, double[][]> e : java.entrySet()) {
      assertRowsClose(readFloats(out.resolve(e.getKey() + ".f32")), e.getValue(), 1e-4, e.getKey() + " input");
    }
    assertEquals(256, java.get("blocks.1.mlp.down_proj")[0].length);
  }

  @Test
  void testAccuracyEqualsTheOneTrainPyMeasured() throws Exception {
    JsonNode info = new ObjectMapper().readTree(example.resolve("model.json").toFile());
    LabeledImages test = LabeledImages.fashionMnist(LabeledImages.FASHION_MNIST_DIR, false);
    double[][] all = ResidualMlpReference.fashionMnist(false, test.size());
    assertEquals(10_000, all.length);
    double acc = 100 * model.accuracy(all, test.labels());
    assertEquals(info.get("test_accuracy").asDouble(), acc, 0.01 + 1e-9, "test accuracy (%) vs model.json");
    assertArrayEquals(new int[] {256, 256}, model.dFf());
    assertEquals(info.get("parameters").asLong(), 784 * 128 + 128 + 2 * (3 * 128 * 256 + 2 * 256 + 128 + 2 * 128)
        + 2 * 128 + 128 * 10 + 10);
  }

  @Test
  void layerNormAndSiluByHand() {
    // x = [1, 2, 3, 4]: mean 2.5, biased variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25,
    // y = (x - 2.5) / sqrt(1.25 + 1e-5) * gamma + beta
    double[] y = ResidualMlpReference.layerNorm(new double[] {1, 2, 3, 4}, new double[] {1, 2, 1, 1},
        new double[] {0, 0, 0.5, 0});
    assertArrayEquals(new double[] {-1.3416354199689269, -0.894423613312618, 0.947211806656309, 1.3416354199689269},
        y, 1e-15);
    // a constant vector has variance 0: eps keeps it finite and the output is beta
    assertArrayEquals(new double[] {0.25, -1}, ResidualMlpReference.layerNorm(new double[] {7, 7},
        new double[] {3, 3}, new double[] {0.25, -1}), 0);
    // silu(z) = z / (1 + e^-z)
    assertEquals(0.0, ResidualMlpReference.silu(0), 0);
    assertEquals(0.7310585786300049, ResidualMlpReference.silu(1), 1e-16);
    assertEquals(-0.2384058440442351, ResidualMlpReference.silu(-2), 1e-16);
    assertEquals(2.8577223804672998, ResidualMlpReference.silu(3), 1e-15);
  }

  /**
   * A compressed model's shapes: block 0 keeps hidden units 0..199, block 1 every other one (rows of
   * gate_proj/up_proj, columns of down_proj), and head loses input 5 as a zero column. Torch loads
   * it into ResidualMLP(d_ff=[200, 128]) strictly; its logits equal the Java pass's, and equal the
   * full model with the dropped units' down_proj columns zeroed.
   */
  @Test
  void aNarrowerModelRunsInBothAndEqualsTheZeroedFullModel() throws Exception {
    SafetensorsFile full = SafetensorsReader.read(weights);
    int[][] keep = {range(0, 200, 1), range(0, 256, 2)};
    Map<String, Tensor> narrow = new TreeMap<>(full.tensors());
    Map<String, Tensor> zeroed = new TreeMap<>(full.tensors());
    for (int i = 0; i < 2; i++) {
      String p = "blocks." + i + ".mlp.";
      for (String t : List.of("gate_proj.weight", "gate_proj.bias", "up_proj.weight", "up_proj.bias")) {
        narrow.put(p + t, rows(full.get(p + t), keep[i]));
      }
      narrow.put(p + "down_proj.weight", columns(full.get(p + "down_proj.weight"), keep[i], false));
      zeroed.put(p + "down_proj.weight", columns(full.get(p + "down_proj.weight"), keep[i], true));
    }
    Tensor head = full.get("head.weight");
    double[] hz = head.values().clone();
    for (int r = 0; r < head.dim(0); r++) {
      hz[r * (int) head.dim(1) + 5] = 0;
    }
    narrow.put("head.weight", Tensor.f32(hz, head.shape()));
    zeroed.put("head.weight", Tensor.f32(hz, head.shape()));
    Path narrowFile = dir.resolve("narrow.safetensors");
    Path zeroedFile = dir.resolve("zeroed.safetensors");
    SafetensorsWriter.write(narrowFile, narrow, Map.of());
    SafetensorsWriter.write(zeroedFile, zeroed, Map.of());

    ResidualMlpReference small = ResidualMlpReference.load(narrowFile);
    assertArrayEquals(new int[] {200, 128}, small.dFf());
    double[][] a = small.logits(images);
    double[][] b = ResidualMlpReference.load(zeroedFile).logits(images);
    for (int k = 0; k < a.length; k++) {
      assertArrayEquals(b[k], a[k], 1e-9, "image " + k);
    }
    Path out = dir.resolve("narrow-logits.f32");
    String said = torch("logits", "--weights", narrowFile.toString(), "--count", String.valueOf(COUNT),
        "--out", out.toString());
    assertTrue(said.contains("\"d_ff\": [200, 128]"), said);
    assertRowsClose(readFloats(out), a, 1e-4, "logits of the narrower model");
    assertEquals(128, small.layerInputs(images).get("blocks.1.mlp.down_proj")[0].length);
  }

  /** The layer-input datasets through `nncompress autocorr`: R equals E[x~ x~^T] of the float32 inputs. */
  @Test
  void layerInputDatasetsGiveAutocorrTheirR() {
    SparkSession spark = SparkTestSession.get();
    double[][] few = java.util.Arrays.copyOf(images, 40);
    Map<String, String> paths = model.writeLayerInputs(spark, dir.resolve("acts"), few, 2);
    List<String> args = new ArrayList<>(List.of("autocorr"));
    for (Map.Entry<String, String> e : paths.entrySet()) {
      args.add("--layer");
      args.add("name=" + e.getKey() + ",dataset=" + e.getValue() + ",column=" + ResidualMlpReference.INPUT_COLUMN);
    }
    String stats = dir.resolve("stats").toString();
    args.addAll(List.of("--output", stats));
    assertEquals(0, Main.run(args.toArray(new String[0])));

    Map<String, AutocorrelationStore.StoredLayer> read = AutocorrelationStore.read(spark, stats);
    assertEquals(new ArrayList<>(paths.keySet()), new ArrayList<>(read.keySet()));
    Map<String, double[][]> inputs = model.layerInputs(few);
    for (Map.Entry<String, double[][]> e : inputs.entrySet()) {
      AutocorrelationStore.StoredLayer s = read.get(e.getKey());
      assertEquals("binary", s.encoding, e.getKey());
      DenseMatrix want = direct(e.getValue());
      DenseMatrix got = s.stats.autocorrelation();
      double scale = 0;
      for (double v : want.data) {
        scale = Math.max(scale, Math.abs(v));
      }
      assertTrue(want.maxAbsDiff(got) / scale < 1e-12, e.getKey() + ": relative difference "
          + want.maxAbsDiff(got) / scale);
    }
  }

  /** R = (1/N) sum x~ x~^T with x~ = [float32(x); 1], in plain loops. */
  static DenseMatrix direct(double[][] rows) {
    int d = rows[0].length;
    DenseMatrix r = new DenseMatrix(d + 1, d + 1);
    double[] x = new double[d + 1];
    for (double[] row : rows) {
      for (int j = 0; j < d; j++) {
        x[j] = (float) row[j];
      }
      x[d] = 1;
      for (int i = 0; i <= d; i++) {
        for (int j = 0; j <= d; j++) {
          r.add(i, j, x[i] * x[j]);
        }
      }
    }
    for (int k = 0; k < r.data.length; k++) {
      r.data[k] /= rows.length;
    }
    return r;
  }

  static int[] range(int from, int to, int step) {
    int[] r = new int[(to - from + step - 1) / step];
    for (int k = 0; k < r.length; k++) {
      r[k] = from + k * step;
    }
    return r;
  }

  /** The given rows (dim 0) of a rank-1 or rank-2 tensor. */
  static Tensor rows(Tensor t, int[] keep) {
    int cols = t.rank() == 2 ? (int) t.dim(1) : 1;
    double[] v = t.values();
    double[] out = new double[keep.length * cols];
    for (int k = 0; k < keep.length; k++) {
      System.arraycopy(v, keep[k] * cols, out, k * cols, cols);
    }
    return t.rank() == 2 ? Tensor.f32(out, keep.length, cols) : Tensor.f32(out, keep.length);
  }

  /** The kept columns of a matrix, or (zero) all columns with the others set to zero. */
  static Tensor columns(Tensor t, int[] keep, boolean zero) {
    int r = (int) t.dim(0);
    int c = (int) t.dim(1);
    double[] v = t.values();
    if (zero) {
      boolean[] kept = new boolean[c];
      for (int j : keep) {
        kept[j] = true;
      }
      double[] out = v.clone();
      for (int i = 0; i < r; i++) {
        for (int j = 0; j < c; j++) {
          if (!kept[j]) {
            out[i * c + j] = 0;
          }
        }
      }
      return Tensor.f32(out, r, c);
    }
    double[] out = new double[r * keep.length];
    for (int i = 0; i < r; i++) {
      for (int k = 0; k < keep.length; k++) {
        out[i * keep.length + k] = v[i * c + keep[k]];
      }
    }
    return Tensor.f32(out, r, keep.length);
  }
}
