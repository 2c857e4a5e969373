package io.nncompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Network;
import io.nncompress.report.Metrics;
import io.nncompress.report.MetricsJson;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.cluster.CompressionFixture;
import java.nio.charset.StandardCharsets;
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
 * One real run of {@code compress} with stages (a 12-10-8-3 MLP, local Spark, Parquet): the summary
 * table's accuracy beside the bytes is the accuracy of model/model.safetensors, evaluated here in
 * Java; metrics.json parses into {@link Metrics} and round-trips; the report has no spectra section
 * and each timing once.
 */
class WrittenModelMetricsTest {
  @TempDir
  static Path dir;
  static SparkSession spark;
  static String out;
  static String test;
  static int code;
  static String stdout;
  static String stderr;

  @BeforeAll
  static void run() throws Exception {
    spark = SparkTestSession.get();
    Random rnd = new Random(3);
    Network net = CompressionFixture.network(rnd);
    Path spec = dir.resolve("mlp.yaml");
    Path weights = dir.resolve("mlp.safetensors");
    net.save(weights, spec, Map.of());
    int n = 900;
    DenseMatrix x = CompressionFixture.inputs(n, rnd);
    int[] labels = Network.argmaxColumns(net.forward(x));
    for (int s = 0; s < n; s += 7) {
      labels[s] = (labels[s] + 1) % 3; // some disagreement with the network, so accuracy is not 1
    }
    String train = write("train", x, labels, 0, 600);
    test = write("test", x, labels, 600, 900);
    out = dir.resolve("out").toString();
    Path config = dir.resolve("compress.yaml");
    Files.writeString(config, "model:\n  spec: " + spec + "\n  weights: " + weights + "\n"
        + "data:\n  calibration: " + train + "\n  evaluation: " + test + "\n  input_column: x\n  label_column: label\n"
        + "  batch_size: 64\n"
        + "lnr:\n  strategy: bottom-up\n  target: {keep: 6}\n  layers:\n    fc1: {keep: 8}\n  tolerance: 1.0e-9\n"
        + "stages:\n  plan: kmeans(2) -> huffman\n"
        + "output: " + out + "\n");
    CliRun r = CliRun.of("-q", "compress", "-c", config.toString());
    code = r.code();
    stdout = r.out();
    stderr = r.err();
  }

  static String write(String name, DenseMatrix x, int[] labels, int from, int to) {
    List<Row> rows = new ArrayList<>();
    for (int s = from; s < to; s++) {
      Double[] v = new Double[12];
      for (int i = 0; i < 12; i++) {
        v[i] = x.get(i, s);
      }
      rows.add(RowFactory.create(v, labels[s]));
    }
    String path = dir.resolve(name).toString();
    spark.createDataFrame(rows, new StructType().add("x", "array<double>").add("label", "int")).repartition(3)
        .write().parquet(path);
    return path;
  }

  /** The accuracy of model/ (model.yaml + model.safetensors, as a user loads it) on the test Parquet rows. */
  static double writtenModelAccuracy() throws Exception {
    Network model = Network.load(Path.of(out, "model", "model.yaml"), Path.of(out, "model", "model.safetensors"));
    List<Row> rows = spark.read().parquet(test).collectAsList();
    DenseMatrix x = new DenseMatrix(12, rows.size());
    for (int s = 0; s < rows.size(); s++) {
      List<Object> v = rows.get(s).getList(0);
      for (int i = 0; i < 12; i++) {
        x.set(i, s, (Double) v.get(i));
      }
    }
    int[] p = Network.argmaxColumns(model.forward(x));
    int ok = 0;
    for (int s = 0; s < rows.size(); s++) {
      ok += p[s] == rows.get(s).getInt(1) ? 1 : 0;
    }
    return (double) ok / rows.size();
  }

  /** The summary table's cells of the strategy's row, by column header. */
  static Map<String, String> summaryRow(String strategy) {
    String[] lines = stdout.split("\n");
    for (int i = 0; i + 1 < lines.length; i++) {
      if (lines[i].startsWith("strategy ") && lines[i + 1].startsWith(strategy + " ")) {
        String[] head = lines[i].trim().split("\\s+");
        String[] cells = lines[i + 1].trim().split("\\s+");
        assertEquals(head.length, cells.length, lines[i] + "\n" + lines[i + 1]);
        Map<String, String> r = new LinkedHashMap<>();
        for (int k = 0; k < head.length; k++) {
          r.put(head[k], cells[k]);
        }
        return r;
      }
    }
    throw new AssertionError("no summary row for " + strategy + " in:\n" + stdout);
  }

  static double percent(String cell) {
    assertTrue(cell.endsWith("%"), cell);
    return Double.parseDouble(cell.substring(0, cell.length() - 1)) / 100;
  }

  @Test
  void theAccuracyBesideTheBytesIsTheWrittenModels() throws Exception {
    assertEquals(0, code, stderr);
    Metrics m = MetricsJson.read(Path.of(out, "metrics.json"));
    double written = writtenModelAccuracy();
    Map<String, String> row = summaryRow("bottom-up");
    List<String> columns = new ArrayList<>(row.keySet());
    // the bytes of the model written, and beside them its accuracy
    assertEquals(columns.indexOf("bytes.written") + 2, columns.indexOf("acc.written"), columns.toString());
    assertEquals(m.endToEnd().bytesAfter(), Long.parseLong(row.get("bytes.written")));
    assertEquals(written, percent(row.get("acc.written")), 0.00005 + 1e-12, row.toString());
    assertEquals(written, m.endToEnd().accuracyAfter(), 1e-12, "metrics.json's accuracy_after");
    Metrics.Stage last = m.stages().get(m.stages().size() - 1);
    assertEquals("huffman", last.stage());
    assertEquals(written, last.accuracy(), 1e-12);
    assertEquals(last.bytes(), m.endToEnd().bytesAfter());
    // this run's stages change the accuracy, so that LNR's alone would not pass for the written model's
    double lnr = m.endToEnd().accuracyLnr();
    assertTrue(Math.abs(lnr - written) > 0.001, "LNR alone " + lnr + " vs written " + written);
    assertEquals(lnr, percent(row.get("acc.lnr")), 0.00005 + 1e-12);
    assertEquals(m.endToEnd().accuracyBefore(), percent(row.get("acc.original")), 0.00005 + 1e-12);
    assertEquals((double) m.endToEnd().paramsAfter() / m.endToEnd().paramsBefore(),
        Double.parseDouble(row.get("params%").replace("%", "")) / 100, 0.0005 + 1e-12);
    assertEquals(m.endToEnd().paramsAfter() + "/" + m.endToEnd().paramsBefore(), row.get("params(after/before)"));
  }

  @Test
  void metricsJsonParsesIntoTheRecordsAndRoundTrips() throws Exception {
    assertEquals(0, code, stderr);
    byte[] json = Files.readAllBytes(Path.of(out, "metrics.json"));
    Metrics m = MetricsJson.read(json, "metrics.json");
    // write -> read -> write: the same JSON, to the byte
    assertEquals(new String(json, StandardCharsets.UTF_8), new String(MetricsJson.write(m), StandardCharsets.UTF_8));
    assertEquals(Metrics.SCHEMA_VERSION, m.schemaVersion());
    assertEquals("mlp", m.model());
    assertEquals("bottom-up", m.strategy());
    assertEquals(List.of("fc1", "fc2", "fc3"), m.layers().stream().map(Metrics.Layer::layer).toList());
    assertEquals(8, m.layers().get(0).inputsAfter());
    assertEquals(List.of("float32", "lnr", "kmeans(2)", "huffman"),
        m.stages().stream().map(Metrics.Stage::stage).toList());
    long sum = 0;
    for (Metrics.Layer l : m.layers()) {
      sum += l.bytesAfter();
    }
    assertEquals(m.endToEnd().bytesAfter(), sum);
    assertEquals(m.stages().get(3).layerBytes().values().stream().mapToLong(Long::longValue).sum(), sum);
    for (String layer : List.of("fc1", "fc2", "fc3")) {
      Metrics.Codebook cb = m.codebooks().get(layer);
      assertEquals(4, cb.centroids().length, layer); // kmeans(2): 2-bit codes, 4 shared values
      long weights = 0;
      for (long c : cb.counts()) {
        weights += c;
      }
      assertTrue(weights > 0, layer);
    }
    assertEquals(null, m.spectra(), "no low-rank stage: no spectra");
    // each phase once, then the total of the run
    assertEquals(List.of("lnr", "evaluation", "stages", "total"), new ArrayList<>(m.timings().keySet()));
    assertEquals(m.seconds(), m.timings().get("total"), 0.0);
    double phases = m.timings().get("lnr") + m.timings().get("evaluation") + m.timings().get("stages");
    assertTrue(phases <= m.seconds() + 1e-9, phases + " > " + m.seconds());
    // keys users read stay where they were
    String text = new String(json, StandardCharsets.UTF_8);
    for (String key : List.of("\"format_version\"", "\"end_to_end\"", "\"accuracy_after\"", "\"top1_agreement\"",
        "\"accuracy_lnr\"", "\"params_ratio\"", "\"lambda_path\"", "\"model_layers\"", "\"real_rate\"",
        "\"paper_rate\"", "\"layer_bytes\"", "\"passes_over_data\"")) {
      assertTrue(text.contains(key), key);
    }
  }

  @Test
  void theReportHasNoEmptySpectraSectionAndEachTimingOnce() throws Exception {
    assertEquals(0, code, stderr);
    String html = Files.readString(Path.of(out, "report.html"), StandardCharsets.UTF_8);
    assertFalse(html.contains("spectra"), "a run without a low-rank stage has no spectra section");
    assertTrue(html.contains("id=\"codebook-fc1\""), "kmeans: the codebooks are drawn");
    String table = html.substring(html.indexOf("<table class=\"timings\">"));
    table = table.substring(0, table.indexOf("</table>"));
    for (String phase : List.of("<td>lnr</td>", "<td>evaluation</td>", "<td>stages</td>", "<th>total</th>")) {
      assertEquals(1, table.split(phase, -1).length - 1, phase + " in " + table);
    }
    assertTrue(html.contains("after (the model written)"), "the end-to-end table says what after is");
  }
}
