package io.nncompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Network;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.cluster.CompressionFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progress and logs of the real compression job run through the CLI in-process, stderr captured:
 * JSON Lines (every line parsed), human lines, and {@code --quiet}.
 */
class ProgressOutputTest {
  @TempDir
  static Path dir;
  static Path config;
  static final ObjectMapper JSON = new ObjectMapper();
  static final Pattern HUMAN_PROGRESS = Pattern.compile("(?m)^\\d\\d:\\d\\d:\\d\\d ");

  /** A 12-10-8-3 MLP, labelled Parquet data (3 files each), LNR in parallel, then kmeans(3) and Huffman. */
  @BeforeAll
  static void setUp() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Network net = CompressionFixture.network(5);
    Path spec = dir.resolve("mlp.yaml");
    Path weights = dir.resolve("mlp.safetensors");
    net.save(weights, spec, Map.of());
    DenseMatrix x = CompressionFixture.inputs(900, 6);
    int[] labels = Network.argmaxColumns(net.forward(x));
    String train = write(spark, "train", x, labels, 0, 600);
    String test = write(spark, "test", x, labels, 600, 900);
    config = dir.resolve("job.yaml");
    Files.writeString(config, "model:\n  spec: " + spec + "\n  weights: " + weights + "\n"
        + "data:\n  calibration: " + train + "\n  evaluation: " + test + "\n  input_column: x\n  label_column: label\n"
        + "  batch_size: 64\n"
        + "lnr:\n  strategy: parallel\n  target: {keep: 6}\n  layers:\n    fc1: {keep: 8}\n  tolerance: 1.0e-6\n"
        + "stages:\n  plan: kmeans(3) -> huffman\n"
        + "output: " + dir.resolve("out") + "\n");
  }

  static String write(SparkSession spark, String name, DenseMatrix x, int[] labels, int from, int to) {
    List<Row> rows = new ArrayList<>();
    for (int s = from; s < to; s++) {
      Double[] v = new Double[x.rows];
      for (int i = 0; i < v.length; i++) {
        v[i] = x.get(i, s);
      }
      rows.add(RowFactory.create(v, labels[s]));
    }
    String path = dir.resolve(name).toString();
    spark.createDataFrame(rows, new StructType().add("x", "array<double>").add("label", "int")).repartition(3)
        .write().parquet(path);
    return path;
  }

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  /** Every line of stderr as a JSON object with ts, level and event (fails on any other line). */
  static List<JsonNode> jsonLines(String err) {
    List<JsonNode> out = new ArrayList<>();
    for (String line : err.split("\n")) {
      try {
        JsonNode n = JSON.readTree(line);
        assertTrue(n != null && n.isObject() && n.has("ts") && n.has("level") && n.has("event"), "line: " + line);
        out.add(n);
      } catch (IOException e) {
        throw new UncheckedIOException("stderr line is not JSON: " + line, e);
      }
    }
    return out;
  }

  static List<JsonNode> of(List<JsonNode> ev, String kind) {
    return ev.stream().filter(n -> n.get("event").asText().equals(kind)).toList();
  }

  static String output(String name) {
    return dir.resolve(name).toString();
  }

  @Test
  void jsonLinesHaveEveryPhaseLayerSparkStageAndSolverIteration() {
    // the options are global: given after the subcommand here
    CliRun r = run("compress", "--config", config.toString(), "--output", output("json"),
        "--log-format", "json", "--progress-interval", "0");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("Wrote " + output("json")), "the result stays on stdout: " + r.out());
    List<JsonNode> ev = jsonLines(r.err());
    assertEquals("command", ev.get(0).get("event").asText());
    assertEquals("compress", ev.get(0).get("command").asText());
    JsonNode end = ev.get(ev.size() - 1);
    assertEquals("end", end.get("event").asText());
    assertEquals(0, end.get("exit_code").asInt());

    // phases: each one that starts ends
    Map<String, Integer> started = new LinkedHashMap<>();
    Map<String, Integer> ended = new LinkedHashMap<>();
    for (JsonNode n : of(ev, "phase_start")) {
      started.merge(n.get("phase").asText() + "/" + n.path("layer").asText("") + "/" + n.path("stage").asText(""), 1,
          Integer::sum);
    }
    for (JsonNode n : of(ev, "phase_end")) {
      ended.merge(n.get("phase").asText() + "/" + n.path("layer").asText("") + "/" + n.path("stage").asText(""), 1,
          Integer::sum);
      assertTrue(n.get("elapsed_s").asDouble() >= 0);
    }
    assertEquals(started, ended);
    for (String p : List.of("compress//", "statistics//", "lnr//", "solve/fc1/", "solve/fc2/", "solve/fc3/",
        "evaluation//", "stage//kmeans(3)", "evaluation//kmeans(3)", "stage//huffman", "write//")) {
      assertTrue(started.containsKey(p), p + " in " + started.keySet());
    }
    // huffman decodes to kmeans' weights: its accuracy is kmeans', no evaluation pass (EvaluationReuse)
    assertFalse(started.containsKey("evaluation//huffman"), started.keySet().toString());
    JsonNode fc2 = of(ev, "phase_start").stream().filter(n -> n.path("layer").asText().equals("fc2")).findFirst()
        .orElseThrow();
    assertEquals(1, fc2.get("done").asInt());
    assertEquals(3, fc2.get("total").asInt());
    assertTrue(fc2.has("eta_s"), "time left for LNR once fc1 is done: " + fc2);
    assertEquals("parallel", fc2.get("strategy").asText());

    // Spark's task progress: per stage, done <= total, never going back, ending at total
    Map<Integer, List<JsonNode>> byStage = new LinkedHashMap<>();
    for (JsonNode n : of(ev, "tasks")) {
      byStage.computeIfAbsent(n.get("spark_stage").asInt(), k -> new ArrayList<>()).add(n);
    }
    assertTrue(byStage.size() >= 4, "stages " + byStage.keySet());
    Set<String> taskPhases = new TreeSet<>();
    int withEta = 0;
    for (List<JsonNode> s : byStage.values()) {
      int total = s.get(0).get("total").asInt();
      assertEquals(0, s.get(0).get("done").asInt(), "a stage starts at 0: " + s.get(0));
      int prev = 0;
      for (JsonNode n : s) {
        int done = n.get("done").asInt();
        assertEquals(total, n.get("total").asInt());
        assertTrue(done >= prev && done <= total, n.toString());
        prev = done;
        withEta += done > 0 && done < total && n.has("eta_s") ? 1 : 0;
      }
      assertEquals(total, prev, "the last event of a stage has every task done: " + s);
      taskPhases.add(s.get(0).path("phase").asText());
    }
    assertTrue(withEta > 0, "time left of a stage under way");
    assertTrue(taskPhases.containsAll(List.of("statistics", "evaluation", "stage")), "" + taskPhases);
    assertTrue(of(ev, "tasks").stream().anyMatch(n -> n.path("stage").asText().equals("kmeans(3)")),
        "tasks of the kmeans stage are tagged with it");

    // the solver: every layer, iterations going up, the objective going down, the time left
    List<JsonNode> solver = of(ev, "solver");
    Map<Long, List<JsonNode>> bySolve = new LinkedHashMap<>();
    for (JsonNode n : solver) {
      assertEquals("solve", n.get("phase").asText());
      bySolve.computeIfAbsent(n.get("solve").asLong(), k -> new ArrayList<>()).add(n);
    }
    assertEquals(Set.of("fc1", "fc2", "fc3"), new TreeSet<>(solver.stream().map(n -> n.get("layer").asText()).toList()));
    int middleWithEta = 0;
    int middle = 0;
    for (List<JsonNode> s : bySolve.values()) {
      JsonNode first = s.get(0);
      JsonNode last = s.get(s.size() - 1);
      assertTrue(last.has("converged"), "the last event of a solve says whether it converged: " + last);
      if (last.get("converged").asBoolean()) {
        assertTrue(last.get("kkt").asDouble() <= last.get("tolerance").asDouble());
      }
      if (s.size() > 1) {
        double f0 = first.get("objective").asDouble();
        assertTrue(last.get("objective").asDouble() <= f0 + 1e-12 * Math.abs(f0),
            "the objective decreases over a solve: " + first + " -> " + last);
      }
      for (int k = 1; k < s.size(); k++) {
        assertTrue(s.get(k).get("iteration").asInt() > s.get(k - 1).get("iteration").asInt()
            || k == s.size() - 1, s.get(k).toString());
        if (k < s.size() - 1) {
          middle++;
          middleWithEta += s.get(k).has("eta_s") ? 1 : 0;
        }
      }
    }
    assertTrue(middle > 0 && middleWithEta > middle / 2, middleWithEta + " of " + middle + " with a time left");
    assertFalse(of(ev, "lambda").isEmpty());

    // ordinary log messages are JSON too
    assertTrue(of(ev, "log").stream().anyMatch(n -> n.get("level").asText().equals("INFO")
        && n.get("logger").asText().equals("io.nncompress.compress.LnrCompressor")
        && n.get("message").asText().startsWith("Layer fc1: 8 of 12 inputs kept")), "LNR's log line as JSON");
  }

  @Test
  void quietJsonHasNoProgressNorInfoButTheEnd() {
    CliRun r = run("--quiet", "--log-format", "json", "compress", "--config", config.toString(),
        "--output", output("quiet-json"));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("Wrote " + output("quiet-json")), r.out());
    List<JsonNode> ev = jsonLines(r.err());
    for (JsonNode n : ev) {
      String kind = n.get("event").asText();
      assertTrue(Set.of("command", "log", "end").contains(kind), "no progress when quiet: " + n);
      if (kind.equals("log")) {
        assertFalse(n.get("level").asText().equals("INFO") && n.get("logger").asText().startsWith("io.nncompress"),
            n.toString());
      }
    }
    assertEquals(0, ev.get(ev.size() - 1).get("exit_code").asInt());
  }

  @Test
  void humanLinesByDefaultAndNoneWhenQuiet() {
    CliRun r = run("compress", "--config", config.toString(), "--output", output("human"));
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("[solve fc1] (1/3) target keep 8, 12 inputs"), r.err());
    assertTrue(r.err().contains("[statistics] pass 1: layer inputs of mlp over " + dir.resolve("train")), r.err());
    assertTrue(r.err().contains("[stage kmeans(3)] (1/2) encode 3 layers"), r.err());
    assertFalse(r.err().contains("{\""), "no JSON in human output");
    CliRun q = run("compress", "--config", config.toString(), "--output", output("human-quiet"), "-q");
    assertEquals(0, q.code(), q.err());
    assertFalse(HUMAN_PROGRESS.matcher(q.err()).find(), "no progress when quiet:\n" + q.err());
    assertTrue(q.out().contains("Wrote " + output("human-quiet")), q.out());
  }

  @Test
  void errorsStillAppearWhenQuietAsJson() {
    Path missing = dir.resolve("missing.yaml");
    CliRun r = run("--log-format", "json", "--quiet", "compress", "--config", missing.toString());
    assertEquals(2, r.code(), r.err());
    List<JsonNode> ev = jsonLines(r.err());
    JsonNode error = of(ev, "error").get(0);
    assertEquals("ERROR", error.get("level").asText());
    assertEquals(2, error.get("exit_code").asInt());
    assertTrue(error.get("message").asText().contains(missing.toString()), error.toString());
    assertEquals(2, ev.get(ev.size() - 1).get("exit_code").asInt());
    CliRun h = run("--quiet", "compress", "--config", missing.toString());
    assertEquals(2, h.code());
    assertTrue(h.err().startsWith("nncompress: error: ") && h.err().contains(missing.toString()), h.err());
  }

  @Test
  void usageErrorsAreJsonToo() {
    CliRun r = run("--log-format", "json", "compress", "--config", config.toString(), "--bogus");
    assertEquals(2, r.code(), r.err());
    List<JsonNode> ev = jsonLines(r.err());
    assertEquals(List.of("error", "end"), ev.stream().map(n -> n.get("event").asText()).toList());
    assertTrue(ev.get(0).get("message").asText().contains("--bogus"), ev.get(0).toString());
    assertEquals(2, ev.get(1).get("exit_code").asInt());
    CliRun neg = run("compress", "--config", config.toString(), "--log-format=JSON",
        "--progress-interval", "-1");
    assertEquals(2, neg.code(), neg.err());
    assertTrue(jsonLines(neg.err()).get(0).get("message").asText().contains("--progress-interval"), neg.err());
    CliRun human = run("compress", "--config", config.toString(), "--bogus");
    assertEquals(2, human.code());
    assertTrue(human.err().contains("Unknown option: '--bogus'") && human.err().contains("Usage:"), human.err());
  }

  @Test
  void logConfigurationIsPutBackAfterACommand() {
    run("--log-format", "json", "-q", "compress", "--config", dir.resolve("missing.yaml").toString());
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    assertTrue(ctx.getConfiguration().getRootLogger().getAppenders().values().stream()
        .anyMatch(a -> a instanceof ConsoleAppender), "the console appender is back");
    assertFalse(ctx.getConfiguration().getAppenders().containsKey("nncompress-json-lines"));
    assertTrue(LogManager.getLogger("io.nncompress.x").isInfoEnabled(), "nncompress logs INFO again");
    assertFalse(io.nncompress.progress.Progress.enabled(), "no progress sink left installed");
  }
}
