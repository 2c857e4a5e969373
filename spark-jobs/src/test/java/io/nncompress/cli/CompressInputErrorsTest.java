package io.nncompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.format.safetensors.SafetensorsFile;
import io.nncompress.format.safetensors.SafetensorsWriter;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.model.ArchitectureSpec;
import io.nncompress.model.Network;
import io.nncompress.spark.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
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
 * {@code compress} on bad inputs (issue 17, items 1, 2, 3, 5, 13): exit 2 and one clean line naming
 * the file, key, tensor or row, through {@link Main#run}, on real files and a real local Spark.
 */
class CompressInputErrorsTest {
  @TempDir
  static Path dir;
  static SparkSession spark;
  /** The 12-10-8-3 MLP, its tensors as PyTorch's nn.Sequential names them ("0", "2", "4"). */
  static Map<String, Tensor> tensors = new LinkedHashMap<>();
  static Path spec;
  static Path weights;
  static String train;
  static String test;


  static final String SEQUENTIAL = "name: seq\ninput: [12]\nlayers:\n"
      + "  - {name: \"0\", type: dense, units: 10}\n  - {name: \"1\", type: relu}\n"
      + "  - {name: \"2\", type: dense, units: 8}\n  - {name: \"3\", type: relu}\n"
      + "  - {name: \"4\", type: dense, units: 3}\n";

  @BeforeAll
  static void setUp() throws Exception {
    spark = SparkTestSession.get();
    Random rnd = new Random(17);
    int[][] shapes = {{10, 12}, {8, 10}, {3, 8}};
    for (int k = 0; k < 3; k++) {
      double[] w = new double[shapes[k][0] * shapes[k][1]];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) (rnd.nextGaussian() / Math.sqrt(shapes[k][1]));
      }
      double[] b = new double[shapes[k][0]];
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) (0.1 * rnd.nextGaussian());
      }
      tensors.put(2 * k + ".weight", Tensor.f32(w, shapes[k][0], shapes[k][1]));
      tensors.put(2 * k + ".bias", Tensor.f32(b, shapes[k][0]));
    }
    Network net = Network.build(ArchitectureSpec.parse("seq.yaml", SEQUENTIAL), new SafetensorsFile(tensors), "seq");
    spec = dir.resolve("seq.yaml");
    weights = dir.resolve("seq.safetensors");
    net.save(weights, spec, Map.of());
    // paths with Hadoop glob characters, read literally
    train = write("train[1]", 300, 0, rnd);
    test = write("test[1]", 150, 0, rnd);
  }

  /** n rows of 12 correlated features and labels 0..2 (and {@code badLabel} in row 7 when nonzero). */
  static String write(String name, int n, int badLabel, Random rnd) {
    List<Row> rows = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      double z = rnd.nextGaussian();
      Double[] v = new Double[12];
      for (int i = 0; i < 12; i++) {
        v[i] = z * (i % 3 + 1) + 0.3 * rnd.nextGaussian();
      }
      rows.add(RowFactory.create(v, s == 7 && badLabel != 0 ? badLabel : s % 3));
    }
    String path = dir.resolve(name).toString();
    spark.createDataFrame(rows, new StructType().add("x", "array<double>").add("label", "int")).coalesce(1)
        .write().parquet(path);
    return path;
  }

  static Path config(String name, String specPath, String weightsPath, String calibration, String evaluation,
      String target, String stages, String output) throws Exception {
    String yaml = "model:\n  spec: \"" + specPath + "\"\n  weights: \"" + weightsPath + "\"\n"
        + "data:\n  calibration: \"" + calibration + "\"\n  evaluation: \"" + evaluation + "\"\n"
        + "  input_column: x\n  label_column: label\n  batch_size: 64\n"
        + "lnr:\n  strategy: parallel\n  target: " + target + "\n  tolerance: 1.0e-7\n"
        + (stages == null ? "" : "stages:\n  plan: " + stages + "\n")
        + "output: \"" + output + "\"\n";
    Path p = dir.resolve("cfg-" + name + ".yaml");
    Files.writeString(p, yaml);
    return p;
  }

  static Path config(String name, String target) throws Exception {
    return config(name, spec.toString(), weights.toString(), train, test, target, null,
        dir.resolve("out-" + name).toString());
  }

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  static void assertBadInput(CliRun r, String... fragments) {
    assertEquals(2, r.code(), () -> "exit code; stderr:\n" + r.err());
    assertTrue(r.err().contains("nncompress: error: "), r.err());
    for (String f : fragments) {
      assertTrue(r.err().contains(f), () -> "stderr should contain '" + f + "':\n" + r.err());
    }
  }

  // issue 19, item 5: --statistics (the scheduler's autocorr output of the day) goes with a layer map only
  @Test
  void statisticsOptionWithASpecModelIsRejectedNamingTheOptionAndTheConfig() throws Exception {
    Path cfg = config("stats-option", "{keep: 8}");
    CliRun r = run("compress", "-c", cfg.toString(), "--statistics", dir.resolve("stats").toString(), "--validate-only");
    assertBadInput(r, "option --statistics: stored statistics go with a layer map (model.layers), and " + cfg
        + " has model.spec");
    assertEquals(1, r.err().strip().split("\n").length, r.err());
  }

  // item 1: a target that keeps nothing is rejected where it is written
  @Test
  void keepingNothingIsRejectedNamingTheKey() throws Exception {
    assertBadInput(run("-q", "compress", "-c", config("keep0", "{keep_fraction: 0}").toString(), "--validate-only"),
        "key lnr.target.keep_fraction: must be a number in (0, 1]");
    assertBadInput(run("-q", "compress", "-c", config("keep00", "{keep: 0}").toString(), "--validate-only"),
        "key lnr.target.keep: must be an integer in 1..");
  }

  // item 2
  @Test
  void nonFiniteWeightIsRejectedNamingFileTensorAndIndex() throws Exception {
    Map<String, Tensor> t = new LinkedHashMap<>(tensors);
    double[] w = t.get("2.weight").values().clone();
    w[17] = Double.NaN;
    t.put("2.weight", Tensor.f32(w, 8, 10));
    Path nan = dir.resolve("nan.safetensors");
    SafetensorsWriter.write(nan, t, Map.of());
    Path c = config("nan", spec.toString(), nan.toString(), train, test, "{keep_fraction: 0.5}", null,
        dir.resolve("out-nan").toString());
    String[] expected = {nan.toString(), "tensor '2.weight'", "value NaN at flat index 17 is not finite"};
    assertBadInput(run("-q", "compress", "-c", c.toString(), "--validate-only"), expected);
    assertBadInput(run("-q", "compress", "-c", c.toString()), expected);
    assertTrue(!Files.exists(dir.resolve("out-nan")));
  }

  // item 3
  @Test
  void labelOutsideTheClassesIsRejectedNamingDatasetFileRowAndLabel() throws Exception {
    for (int bad : new int[] {42, -1}) {
      String data = write("labels" + (bad < 0 ? "-neg" : bad), 60, bad, new Random(5));
      Path c = config("labels" + bad, spec.toString(), weights.toString(), train, data, "{keep_fraction: 0.5}", null,
          dir.resolve("out-labels" + bad).toString());
      CliRun r = run("-q", "compress", "-c", c.toString());
      assertBadInput(r, "Dataset " + data + ", label column label, file ", ", row 7: label " + bad
          + " is not one of the network's 3 classes 0..2");
      assertTrue(!Files.exists(dir.resolve("out-labels" + bad)));
    }
  }

  // item 5 (and 13: dataset paths with '['): names "0", "2", "4" reach the executors and model.yaml intact
  @Test
  void sequentialNamesCompressEndToEnd() throws Exception {
    String out = dir.resolve("out-seq").toString();
    Path c = config("seq", spec.toString(), weights.toString(), train, test, "{keep_fraction: 0.5}",
        "kmeans(2) -> huffman", out);
    CliRun r = run("-q", "compress", "-c", c.toString());
    assertEquals(0, r.code(), r.err());
    Network loaded = Network.load(Path.of(out, "model", "model.yaml"), Path.of(out, "model", "model.safetensors"));
    assertEquals(List.of("0", "1", "2", "3", "4"), loaded.spec().layers.stream().map(l -> l.name).toList());
    assertEquals(List.of("0", "1", "2", "3", "4"), ArchitectureSpec.read(Path.of(out, "model", "model.yaml"))
        .layers.stream().map(l -> l.name).toList());
  }

  // item 13
  @Test
  void unclearMessagesAreClear() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    assertBadInput(run("-q", "compress", "-c", config("empty", spec.toString(), weights.toString(), empty.toString(),
        test, "{keep_fraction: 0.5}", null, dir.resolve("out-empty").toString()).toString(), "--validate-only"),
        "Dataset " + empty + " has no Parquet files");

    Path noSpec = dir.resolve("missing.yaml");
    assertBadInput(run("-q", "compress", "-c", config("nospec", noSpec.toString(), weights.toString(), train, test,
        "{keep_fraction: 0.5}", null, dir.resolve("out-nospec").toString()).toString(), "--validate-only"),
        "the architecture spec file " + noSpec + " does not exist");

    assertBadInput(run("-q", "compress", "-c", config("k0", spec.toString(), weights.toString(), train, test,
        "{keep_fraction: 0.5}", "kmeans(0) -> huffman", dir.resolve("out-k0").toString()).toString(),
        "--validate-only"), "key stages.plan", "bits must be in 1..8");

    Path ok = config("ok", "{keep_fraction: 0.5}");
    assertBadInput(run("-q", "compress", "-c", ok.toString(), "--strategy", "diagonal", "--validate-only"),
        "option --strategy: strategy must be one of parallel, top-down, bottom-up, cannot be: diagonal");

    CliRun master = run("-q", "--master", "spark://127.0.0.1:1", "compress", "-c", ok.toString(), "--validate-only");
    assertBadInput(master, "option --master spark://127.0.0.1:1: cannot connect to the Spark master at 127.0.0.1:1");

    // a path with '[' that exists is read as written (a glob would match "train1", which does not exist)
    CliRun valid = run("-q", "compress", "-c", ok.toString(), "--validate-only");
    assertEquals(0, valid.code(), valid.err());
    assertTrue(valid.out().contains("valid: " + ok), valid.out());
  }
}
