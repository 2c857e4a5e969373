package io.nncompress.spark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nncompress.cli.Main;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.autocorr.ColumnEncoding;
import io.nncompress.spark.data.ExampleActivations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The files of deploy/: the Airflow DAG parses, the command it builds passes {@code --validate-only}
 * on real data, the spark-operator manifest's arguments too, and the spark-submit wrapper passes
 * every argument on unchanged. Python 3 runs what is Python (Airflow itself is not needed); without
 * python3 those checks are skipped with a message.
 */
class DeployFilesTest {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path dir;
  static Path deploy;
  static String dataRoot;

  @BeforeAll
  static void data() {
    deploy = repoRoot().resolve("deploy");
    SparkSession spark = SparkTestSession.get();
    dataRoot = dir.resolve("data").toString();
    // what the example (nncompress_command.example_params) reads: acts[fc1] dense, maps[x] of 3 x 8 x 8
    ExampleActivations.write(spark, dataRoot + "/acts", 30, 16, List.of(ColumnEncoding.FLOAT_ARRAY), List.of("fc1"),
        1, 2);
    ExampleActivations.write(spark, dataRoot + "/maps", 20, 3 * 8 * 8, List.of(ColumnEncoding.BINARY_FLOAT32_LE),
        List.of("x"), 1, 3);
  }

  static Path repoRoot() {
    Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    while (p != null && !Files.isDirectory(p.resolve("deploy"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("deploy/ not found above " + System.getProperty("user.dir"));
    }
    return p;
  }

  /** The output of a finished command; fails with it when the exit code is not 0. */
  static String exec(List<String> cmd, Path workDir, String... env) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
    pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
    pb.environment().remove("OPENBLAS_CORETYPE");
    for (int k = 0; k + 1 < env.length; k += 2) {
      pb.environment().put(env[k], env[k + 1]);
    }
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timed out: " + cmd);
    String text = new String(out, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), () -> cmd + " failed:\n" + text);
    return text;
  }

  static void assumePython() {
    boolean ok;
    try {
      Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      ok = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      ok = false;
    }
    assumeTrue(ok, "python3 is not installed: skipping the checks of deploy/airflow (install python3 to run them)");
  }

  static int validate(List<String> args) {
    List<String> a = new ArrayList<>(args);
    a.add("--validate-only");
    return Main.run(a.toArray(new String[0]));
  }

  @Test
  void dagParsesAndSchedulesRetriedSparkSubmits() throws Exception {
    assumePython();
    String script = String.join("\n",
        "import ast, json, sys",
        "path = sys.argv[1]",
        "tree = ast.parse(open(path).read(), path)",
        "calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]",
        "ops = [n for n in calls if getattr(n.func, 'id', '') == 'SparkSubmitOperator']",
        "kw = lambda n: {k.arg: (k.value.value if isinstance(k.value, ast.Constant) else ast.dump(k.value)) "
            + "for k in n.keywords}",
        "dags = [n for n in calls if getattr(n.func, 'id', '') == 'DAG']",
        "defaults = [n for n in ast.walk(tree) if isinstance(n, ast.Assign) "
            + "and getattr(n.targets[0], 'id', '') == 'default_args']",
        "keys = [k.value for k in defaults[0].value.keys] if defaults else []",
        "imports = [a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) "
            + "and n.module == 'nncompress_command' for a in n.names]",
        "print(json.dumps({'operators': [kw(o) for o in ops], 'dag': kw(dags[0]) if dags else {}, "
            + "'default_args': keys, 'imports': imports}))");
    JsonNode r = JSON.readTree(exec(List.of("python3", "-c", script, deploy.resolve("airflow/nncompress_dag.py")
        .toString()), deploy));
    assertEquals(2, r.get("operators").size(), r.toString());
    for (JsonNode op : r.get("operators")) {
      assertEquals("MAIN_CLASS", op.get("java_class").asText().replaceAll(".*id='(\\w+)'.*", "$1"), op.toString());
      assertTrue(op.has("application_args") && op.has("application") && op.has("conn_id"), op.toString());
    }
    assertEquals("@daily", r.get("dag").get("schedule").asText(), r.toString());
    List<String> keys = new ArrayList<>();
    r.get("default_args").forEach(k -> keys.add(k.asText()));
    assertTrue(keys.containsAll(List.of("retries", "retry_delay")), keys.toString());
    assertTrue(r.get("imports").toString().contains("autocorr_args"), r.toString());
  }

  @Test
  void commandBuiltForTheExampleValidates() throws Exception {
    assumePython();
    String out = dir.resolve("stats").toString();
    JsonNode args = JSON.readTree(exec(List.of("python3", "nncompress_command.py", dataRoot, out),
        deploy.resolve("airflow")));
    List<String> a = new ArrayList<>();
    args.forEach(n -> a.add(n.asText()));
    assertEquals("autocorr", a.get(0));
    assertTrue(a.contains("--overwrite"), a.toString());
    assertEquals(0, validate(a), a.toString());
    // and a wrong column is caught the same way, before any work
    List<String> bad = new ArrayList<>(a);
    bad.replaceAll(s -> s.replace("column=fc1", "column=fc2"));
    assertEquals(2, validate(bad));
  }

  @Test
  void pythonUnitTestsOfTheCommandBuilder() throws Exception {
    assumePython();
    String text = exec(List.of("python3", "-m", "unittest", "discover", "-s", ".", "-p", "test_*.py"),
        deploy.resolve("airflow"));
    assertTrue(text.contains("OK"), text);
  }

  @Test
  void sparkOperatorManifestArgumentsValidate() throws Exception {
    assumePython();
    String script = String.join("\n",
        "import json, sys",
        "try:",
        "    import yaml",
        "except ImportError:",
        "    print('null'); sys.exit(0)",
        "print(json.dumps(yaml.safe_load(open(sys.argv[1]))))");
    JsonNode app = JSON.readTree(exec(List.of("python3", "-c", script,
        deploy.resolve("kubernetes/sparkapplication.yaml").toString()), deploy));
    assumeTrue(!app.isNull(), "python3 has no yaml module (PyYAML): skipping the spark-operator manifest check");
    assertEquals("SparkApplication", app.get("kind").asText());
    JsonNode spec = app.get("spec");
    assertEquals("io.nncompress.cli.Main", spec.get("mainClass").asText());
    assertEquals("local:///opt/nncompress/nncompress-app.jar", spec.get("mainApplicationFile").asText());
    assertEquals("4.1.0", spec.get("sparkVersion").asText());
    List<String> a = new ArrayList<>();
    // the manifest reads /data (a mounted volume): here, the generated data
    spec.get("arguments").forEach(n -> a.add(n.asText().replace("/data/stats/", dir + "/k8s-stats/")
        .replace("/data/", dataRoot + "/")));
    assertEquals(0, validate(a), a.toString());
    String dockerfile = Files.readString(deploy.resolve("docker/Dockerfile"));
    assertTrue(dockerfile.contains("apache/spark:4.1.0") && dockerfile.contains("/opt/nncompress/nncompress-app.jar")
        && dockerfile.contains("libopenblas0-pthread"), dockerfile);
  }

  @Test
  void sparkSubmitWrapperPassesArgumentsUnchanged() throws Exception {
    Path fakeHome = dir.resolve("fake-spark");
    Path bin = Files.createDirectories(fakeHome.resolve("bin"));
    Path submit = bin.resolve("spark-submit");
    // prints each argument on a line of its own, between brackets
    Files.writeString(submit, "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\n");
    Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path jar = Files.writeString(dir.resolve("app.jar"), "not really a jar");
    String hostile = "/data/$(touch " + dir.resolve("pwned") + "); `id` 'q\" *";
    String text = exec(List.of("bash", deploy.resolve("spark-submit.sh").toString(), "--master", "spark://h:7077",
        "--deploy-mode", "client", "--conf", "spark.executor.memory=2g", "--conf=spark.x=a b", "--verbose",
        "autocorr", "--layer", "name=fc1,dataset=" + hostile + ",column=c", "--output", "*"), dir,
        "SPARK_HOME", fakeHome.toString(), "NNCOMPRESS_APP_JAR", jar.toString());
    List<String> expected = List.of("--class", "io.nncompress.cli.Main", "--master", "spark://h:7077",
        "--deploy-mode", "client", "--conf", "spark.executor.memory=2g", "--conf=spark.x=a b", "--verbose",
        "--name", "nncompress autocorr", jar.toString(), "autocorr", "--layer",
        "name=fc1,dataset=" + hostile + ",column=c", "--output", "*");
    List<String> actual = new ArrayList<>();
    for (String line : text.split("\n")) {
      actual.add(line.substring(1, line.length() - 1));
    }
    assertEquals(expected, actual);
    assertTrue(!Files.exists(dir.resolve("pwned")), "nothing of the arguments was executed");

    // `--` ends the spark-submit options; an unknown command is refused with exit 2
    String help = exec(List.of("bash", deploy.resolve("spark-submit.sh").toString(), "--name", "n", "--", "help"),
        dir, "SPARK_HOME", fakeHome.toString(), "NNCOMPRESS_APP_JAR", jar.toString());
    assertEquals("[--class]\n[io.nncompress.cli.Main]\n[--name]\n[n]\n[" + jar + "]\n[help]\n", help);
    Process p = new ProcessBuilder("bash", deploy.resolve("spark-submit.sh").toString(), "--master", "local",
        "frobnicate").redirectErrorStream(true).start();
    p.getOutputStream().close();
    String err = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(2, p.exitValue(), err);
    assertTrue(err.contains("unknown command 'frobnicate'"), err);
  }

  @Test
  void sparkSubmitWrapperPassesTheOpenBlasCoreTypeToDriverAndExecutors() throws Exception {
    Path fakeHome = dir.resolve("fake-spark-coretype");
    Path bin = Files.createDirectories(fakeHome.resolve("bin"));
    Path submit = bin.resolve("spark-submit");
    Files.writeString(submit, "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]\\n' \"$a\"; done\n");
    Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path jar = Files.writeString(dir.resolve("app-coretype.jar"), "not really a jar");
    String script = deploy.resolve("spark-submit.sh").toString();
    String set = exec(List.of("bash", script, "--master", "yarn", "autocorr", "--help"), dir,
        "SPARK_HOME", fakeHome.toString(), "NNCOMPRESS_APP_JAR", jar.toString(), "OPENBLAS_CORETYPE", "SkylakeX");
    assertEquals("[--class]\n[io.nncompress.cli.Main]\n[--master]\n[yarn]\n[--name]\n[nncompress autocorr]\n"
        + "[--conf]\n[spark.executorEnv.OPENBLAS_CORETYPE=SkylakeX]\n"
        + "[--conf]\n[spark.yarn.appMasterEnv.OPENBLAS_CORETYPE=SkylakeX]\n"
        + "[--conf]\n[spark.kubernetes.driverEnv.OPENBLAS_CORETYPE=SkylakeX]\n"
        + "[" + jar + "]\n[autocorr]\n[--help]\n", set);
    // a value the user gives for the executors is kept; without the variable nothing is added
    String given = exec(List.of("bash", script, "--conf", "spark.executorEnv.OPENBLAS_CORETYPE=Haswell", "--name", "n",
        "--", "help"), dir, "SPARK_HOME", fakeHome.toString(), "NNCOMPRESS_APP_JAR", jar.toString(),
        "OPENBLAS_CORETYPE", "SkylakeX");
    assertEquals("[--class]\n[io.nncompress.cli.Main]\n[--conf]\n[spark.executorEnv.OPENBLAS_CORETYPE=Haswell]\n"
        + "[--name]\n[n]\n[--conf]\n[spark.yarn.appMasterEnv.OPENBLAS_CORETYPE=SkylakeX]\n"
        + "[--conf]\n[spark.kubernetes.driverEnv.OPENBLAS_CORETYPE=SkylakeX]\n[" + jar + "]\n[help]\n", given);
  }
}
