package io.nncompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Network;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.cluster.CompressionFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, item 12: a layer whose statistics or LNR would not fit in the memory there is refused
 * before the run (exit 2, the estimate, the setting to raise), with a low limit injected through
 * {@link MemoryCheck#availableBytes} instead of a real OutOfMemoryError.
 */
class MemoryCheckTest {
  @TempDir
  static Path dir;
  static String data;
  static Path config;

  @BeforeAll
  static void setUp() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Network net = CompressionFixture.network(5); // 12-10-8-3
    Path spec = dir.resolve("mlp.yaml");
    Path weights = dir.resolve("mlp.safetensors");
    net.save(weights, spec, Map.of());
    DenseMatrix x = CompressionFixture.inputs(200, 6);
    int[] labels = Network.argmaxColumns(net.forward(x));
    List<Row> rows = new ArrayList<>();
    for (int s = 0; s < 200; s++) {
      Double[] v = new Double[x.rows];
      for (int i = 0; i < v.length; i++) {
        v[i] = x.get(i, s);
      }
      rows.add(RowFactory.create(v, labels[s]));
    }
    data = dir.resolve("data").toString();
    spark.createDataFrame(rows, new StructType().add("x", "array<double>").add("label", "int")).coalesce(1)
        .write().parquet(data);
    config = dir.resolve("job.yaml");
    Files.writeString(config, "model:\n  spec: " + spec + "\n  weights: " + weights + "\n"
        + "data:\n  calibration: " + data + "\n  evaluation: " + data + "\n  input_column: x\n  label_column: label\n"
        + "lnr:\n  strategy: parallel\n  target: {keep_fraction: 0.5}\n"
        + "output: " + dir.resolve("out") + "\n");
  }

  @AfterEach
  void restore() {
    MemoryCheck.availableBytes(-1);
  }

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  static void assertRefused(CliRun r, String... fragments) {
    assertEquals(2, r.code(), r.err());
    List<String> lines = r.err().lines().toList();
    assertEquals(1, lines.size(), r.err());
    for (String f : fragments) {
      assertTrue(lines.get(0).contains(f), "'" + f + "' in: " + lines.get(0));
    }
  }

  @Test
  void autocorrRefusesALayerTooLargeForTheDriver() {
    // p = 13 in local[2]: driver merge 3 * 8 * 13^2 = 4056, two tasks of 8 * 13^2 + 8 * 1024 * 13 = 107848
    long need = 3 * 8 * 169 + 2 * (8 * 169 + 8 * 1024 * 13);
    assertEquals(219752, need);
    MemoryCheck.availableBytes(need - 1);
    String out = dir.resolve("stats").toString();
    for (boolean validateOnly : new boolean[] {true, false}) {
      List<String> a = new ArrayList<>(List.of("-q", "autocorr", "--dataset", data, "--columns", "x", "-o", out));
      if (validateOnly) {
        a.add("--validate-only");
      }
      assertRefused(run(a.toArray(new String[0])), "nncompress: error: autocorr of layer x (p = 13, 1 layer(s) of "
          + "dataset " + data, "needs about 219752 bytes of driver memory", "the driver has 219751 bytes",
          "raise NNCOMPRESS_DRIVER_MEMORY (bin/nncompress) or --driver-memory (spark-submit)");
      assertFalse(Files.exists(Path.of(out)));
    }
    MemoryCheck.availableBytes(need);
    CliRun ok = run("-q", "autocorr", "--dataset", data, "--columns", "x", "-o", out, "--validate-only");
    assertEquals(0, ok.code(), ok.err());
  }

  @Test
  void compressRefusesALayerWhoseLnrDoesNotFit() {
    // fc1: p = 13, h = 10: LNR 8 * (3 * 13^2 + 6 * 10 * 13) = 10296, two at once, plus R held by the driver
    long need = 2 * 8 * 169 + 2 * 8 * (3 * 169 + 6 * 10 * 13);
    assertEquals(23296, need);
    MemoryCheck.availableBytes(need - 1);
    for (boolean validateOnly : new boolean[] {true, false}) {
      CliRun r = validateOnly ? run("-q", "compress", "-c", config.toString(), "--validate-only")
          : run("-q", "compress", "-c", config.toString());
      assertRefused(r, "compress of layer fc1 (LNR with p = 13, h = 10) needs about 23296 bytes of driver memory",
          "NNCOMPRESS_DRIVER_MEMORY");
      assertFalse(Files.exists(dir.resolve("out")));
    }
    MemoryCheck.availableBytes(need);
    CliRun ok = run("-q", "compress", "-c", config.toString(), "--validate-only");
    assertEquals(0, ok.code(), ok.err());
  }

  @Test
  void compressRefusesALayerMapLayerWhoseLnrDoesNotFit() throws Exception {
    // fc1 of the layer map: p = 13, h = 10, solved on the driver: R and the solver, 8 * (4 * 13^2 + 6 * 10 * 13)
    long need = 8 * (4 * 169 + 6 * 10 * 13);
    assertEquals(11648, need);
    Path map = dir.resolve("map.yaml");
    Files.writeString(map, "model:\n  weights: " + dir.resolve("mlp.safetensors") + "\n  layers:\n"
        + "    fc1: {weight: fc1.weight, bias: fc1.bias}\n    fc2: {weight: fc2.weight, bias: fc2.bias}\n"
        + "data: {statistics: " + dir.resolve("no-stats") + "}\n"
        + "lnr: {target: {keep_fraction: 0.5}}\noutput: " + dir.resolve("out-map") + "\n");
    MemoryCheck.availableBytes(need - 1);
    assertRefused(run("-q", "compress", "-c", map.toString()), "compress of layer fc1 (LNR from its stored R, "
        + "p = 13, h = 10) needs about 11648 bytes of driver memory", "NNCOMPRESS_DRIVER_MEMORY");
    assertFalse(Files.exists(dir.resolve("out-map")));
  }
}
