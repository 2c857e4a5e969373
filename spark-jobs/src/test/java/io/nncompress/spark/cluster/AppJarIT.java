package io.nncompress.spark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nncompress.cli.Main;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Network;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.autocorr.ColumnEncoding;
import io.nncompress.spark.cluster.StandaloneCluster.DriverRun;
import io.nncompress.spark.data.ExampleActivations;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded application jar ({@code target/nncompress-spark-jobs-VERSION-app.jar}) as users run it,
 * with only Spark's jars beside it (none of nncompress's, no picocli): through Spark's own
 * SparkSubmit in local mode, with no log4j2 configuration at all (a stock Spark install: issue 19,
 * item 6), and on a standalone cluster (item 8).
 *
 * <p>An integration test: failsafe runs it at {@code integration-test}, after {@code package} built
 * the jar in the same invocation, and passes its path as {@code nncompress.app.jar}. Run alone with
 * {@code mvn -B -o -pl spark-jobs -am verify -Dtest=None -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=AppJarIT}.
 */
class AppJarIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);

  /** Kept when a test fails: the drivers' output, and the cluster's logs under cluster/. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path dir;
  static Path appJar;
  static SparkSession spark;
  static String acts;

  @BeforeAll
  static void jarAndData() {
    String jar = System.getProperty("nncompress.app.jar");
    assertTrue(jar != null && Files.isRegularFile(Path.of(jar)),
        "nncompress.app.jar must name the shaded jar built by `mvn verify` (failsafe sets it), is: " + jar);
    appJar = Path.of(jar);
    for (String j : SparkDistribution.jars(true)) {
      assertFalse(j.contains("nncompress"), "the distribution must not hold nncompress's classes: " + j);
    }
    spark = SparkTestSession.get();
    acts = dir.resolve("acts").toString();
    ExampleActivations.write(spark, acts, 200, 8, List.of(ColumnEncoding.FLOAT_ARRAY), List.of("f"), 2, 3);
  }

  /** {@code java -cp SPARK_JARS SparkSubmit --master local[1] --class Main APP_JAR ARGS}: stdout and stderr. */
  static String[] sparkSubmitLocal(String name, List<String> args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    cmd.addAll(SparkDistribution.moduleOptions()); // what spark-submit's launcher adds on Java 17
    cmd.addAll(List.of("-cp", String.join(File.pathSeparator, SparkDistribution.jars(true)),
        "org.apache.spark.deploy.SparkSubmit", "--master", "local[1]", "--class", "io.nncompress.cli.Main",
        "--name", "nncompress " + name, "--conf", "spark.ui.enabled=false", appJar.toString()));
    cmd.addAll(args);
    Path out = dir.resolve(name + ".stdout");
    Path err = dir.resolve(name + ".stderr");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
        .redirectError(err.toFile());
    for (String k : List.of("SPARK_HOME", "SPARK_CONF_DIR", "SPARK_DIST_CLASSPATH", "HADOOP_CONF_DIR",
        "OPENBLAS_CORETYPE", "_JAVA_OPTIONS", "JAVA_TOOL_OPTIONS")) {
      pb.environment().remove(k);
    }
    // else SparkSubmit itself (before the application starts) warns that the hostname is a loopback address
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("NNCOMPRESS_LOG_DIR", dir.resolve("logs").toString());
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(name + " did not finish in " + RUN_TIMEOUT + "; stderr:\n" + Files.readString(err));
    }
    String[] r = {Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8)};
    assertEquals(0, p.exitValue(), () -> name + " failed; stderr:\n" + r[1]);
    return r;
  }

  /**
   * What SparkSubmit itself prints (System.err) on a stock install when it loads Spark's default log4j2
   * profile, before the application's main method runs: the application cannot change it (a
   * log4j2.properties in the cluster's conf/ does).
   */
  static final String SPARK_NOTICE = "Using Spark's default log4j profile: org/apache/spark/log4j2-defaults.properties";

  /** The lines of stderr, without SparkSubmit's notice when it is the first one. */
  static List<String> afterSparkSubmit(String stderr) {
    List<String> lines = new ArrayList<>(List.of(stderr.split("\n")));
    if (!lines.isEmpty() && lines.get(0).equals(SPARK_NOTICE)) {
      lines.remove(0);
    }
    lines.removeIf(String::isEmpty);
    return lines;
  }

  static List<String> autocorr(String output) {
    return List.of("autocorr", "--layer", "name=f,dataset=" + acts + ",column=f", "--output", output);
  }

  @Test
  void quietUnderAStockSparkSubmitPrintsNoInfoLine() throws Exception {
    String output = dir.resolve("quiet").toString();
    List<String> args = new ArrayList<>(List.of("--quiet"));
    args.addAll(autocorr(output));
    String[] r = sparkSubmitLocal("quiet", args);
    List<String> info = new ArrayList<>();
    for (String line : afterSparkSubmit(r[1])) {
      if (line.matches(".*\\b(INFO|DEBUG)\\b.*") || line.startsWith(SPARK_NOTICE)) {
        info.add(line);
      }
    }
    assertEquals(List.of(), info, "stderr of --quiet:\n" + r[1]);
    assertTrue(r[0].contains("Wrote " + output), "the command's result on stdout:\n" + r[0]);
    assertTrue(Files.isDirectory(Path.of(output)), output);
  }

  @Test
  void jsonUnderAStockSparkSubmitIsJsonOnly() throws Exception {
    String[] r = sparkSubmitLocal("json", List.of("--log-format", "json",
        "autocorr", "--layer", "name=f,dataset=" + acts + ",column=f", "--output", dir.resolve("json").toString()));
    List<JsonNode> events = new ArrayList<>();
    for (String line : afterSparkSubmit(r[1])) {
      try {
        events.add(JSON.readTree(line));
      } catch (IOException e) {
        throw new AssertionError("not JSON: '" + line + "' in stderr:\n" + r[1], e);
      }
    }
    assertEquals("command", events.get(0).get("event").asText(), r[1]);
    JsonNode end = events.get(events.size() - 1);
    assertEquals("end", end.get("event").asText(), r[1]);
    assertEquals(0, end.get("exit_code").asInt(), r[1]);
    boolean nncompressInfo = false;
    for (JsonNode e : events) {
      String logger = e.path("logger").asText("");
      assertFalse("log".equals(e.get("event").asText()) && "INFO".equals(e.get("level").asText())
          && !logger.startsWith("io.nncompress"), "Spark's INFO logs are off: " + e);
      nncompressInfo |= logger.startsWith("io.nncompress") && "INFO".equals(e.get("level").asText());
    }
    assertTrue(nncompressInfo, "nncompress's own INFO logs are kept:\n" + r[1]);
  }

  /**
   * The compression job (YAML config, relocated snakeyaml, nncompress-common, picocli: everything the
   * shade plugin puts in the jar) submitted with the app jar to a standalone cluster, as in the
   * README's spark-submit example; it gives the model of the same job run in this JVM.
   */
  @Test
  void compressionJobFromTheAppJarOnAStandaloneCluster() throws Exception {
    Path model = dir.resolve("mlp");
    Network net = CompressionFixture.network(11);
    Files.createDirectories(model);
    net.save(model.resolve("mlp.safetensors"), model.resolve("mlp.yaml"), Map.of());
    String data = dir.resolve("mlp-data").toString();
    DenseMatrix x = CompressionFixture.inputs(600, 12);
    CompressionFixture.write(spark, data, x, 4);
    String local = dir.resolve("mlp-local").toString();
    assertEquals(0, Main.run("compress", "-c",
        CompressionFixture.config(dir.resolve("local.yaml"), model, data, local).toString()));

    String out = dir.resolve("mlp-cluster").toString();
    Path cfg = CompressionFixture.config(dir.resolve("cluster.yaml"), model, data, out);
    try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"), 1, 1, "1g", appJar)) {
      DriverRun d = cluster.submit("compress-app-jar", Map.of(), List.of("compress", "-c", cfg.toString()));
      assertEquals(0, d.await(RUN_TIMEOUT), d::logTail);
      assertTrue(d.logText().contains("master " + cluster.masterUrl()), "ran on the cluster:\n" + d.logTail());
    }
    CompressionFixture.assertSameModel(spark, local, out, x);
  }
}
