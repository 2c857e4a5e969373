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
 * The files of deploy/: the Airflow DAG, executed by Python against a stand-in of Airflow's API (Airflow
 * cannot be installed here), has its four tasks in order, and every operator's arguments pass
 * {@code --validate-only} on real data, the spark-operator manifest's arguments too, and the spark-submit wrapper passes
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

  /**
   * A stand-in for the two modules of Airflow the DAG imports (Airflow is on PyPI only, not in Debian,
   * so it cannot be installed here): DAG as a context manager, SparkSubmitOperator recording its
   * arguments (default_args applied as Airflow applies them, explicit arguments first) and its
   * downstream tasks, refusing arguments the real operator does not take.
   */
  static final String AIRFLOW_STUB = String.join("\n",
      "class DAG:",
      "    current = None",
      "    def __init__(self, dag_id, **kw):",
      "        self.dag_id, self.kw, self.tasks = dag_id, kw, []",
      "    def __enter__(self):",
      "        DAG.current = self",
      "        return self",
      "    def __exit__(self, *a):",
      "        DAG.current = None",
      "");
  static final String OPERATOR_STUB = String.join("\n",
      "from airflow import DAG",
      // the parameters of apache-airflow-providers-apache-spark's SparkSubmitOperator and of BaseOperator
      "ARGS = {'application', 'conf', 'conn_id', 'files', 'py_files', 'archives', 'driver_class_path', 'jars',",
      "        'java_class', 'packages', 'exclude_packages', 'repositories', 'total_executor_cores', 'executor_cores',",
      "        'executor_memory', 'driver_memory', 'keytab', 'principal', 'proxy_user', 'name', 'num_executors',",
      "        'status_poll_interval', 'application_args', 'env_vars', 'verbose', 'spark_binary', 'properties_file',",
      "        'yarn_queue', 'deploy_mode', 'use_krb5ccache', 'task_id', 'owner', 'retries', 'retry_delay',",
      "        'retry_exponential_backoff', 'max_retry_delay', 'execution_timeout', 'pool', 'queue', 'priority_weight'}",
      "class SparkSubmitOperator:",
      "    def __init__(self, task_id, **kw):",
      "        unknown = sorted(set(kw) - ARGS)",
      "        if unknown:",
      "            raise TypeError(f'SparkSubmitOperator got unexpected arguments {unknown}')",
      "        self.task_id, self.kw, self.downstream = task_id, dict(kw), []",
      "        for k, v in DAG.current.kw.get('default_args', {}).items():",
      "            self.kw.setdefault(k, v)",
      "        DAG.current.tasks.append(self)",
      "    def __rshift__(self, other):",
      "        self.downstream.append(other.task_id)",
      "        return other",
      "");
  static final String RUN_DAG = String.join("\n",
      "import json, runpy, sys",
      "ns = runpy.run_path(sys.argv[1])",
      "dag = ns['dag']",
      "print(json.dumps({'dag_id': dag.dag_id, 'schedule': dag.kw.get('schedule'), 'tasks': [dict(task_id=t.task_id,",
      "    java_class=t.kw.get('java_class'), application=t.kw.get('application'), conn_id=t.kw.get('conn_id'),",
      "    retries=t.kw.get('retries'), args=t.kw.get('application_args'), downstream=t.downstream)",
      "    for t in dag.tasks]}))",
      "");

  /**
   * The DAG file executed by Python, against a stand-in of Airflow's two classes, with the paths of
   * this test's data: the tasks, their order and retries, and every operator's arguments, run
   * through the real CLI with --validate-only (the autocorr job also for real, since the
   * compression reads its output), with the run date rendered as Airflow renders {{ ds_nodash }}.
   */
  @Test
  void everyTaskOfTheDagValidatesThroughTheCli() throws Exception {
    assumePython();
    Path stub = dir.resolve("airflow-stub");
    Path op = Files.createDirectories(stub.resolve("airflow/providers/apache/spark/operators"));
    Files.writeString(stub.resolve("airflow/__init__.py"), AIRFLOW_STUB);
    for (Path p = op; !p.equals(stub.resolve("airflow")); p = p.getParent()) {
      Files.writeString(p.resolve("__init__.py"), "");
    }
    Files.writeString(op.resolve("spark_submit.py"), OPERATOR_STUB);
    Path config = compressConfig();
    String outputRoot = dir.resolve("dag-out").toString();
    JsonNode dag = JSON.readTree(exec(List.of("python3", "-c", RUN_DAG,
        deploy.resolve("airflow/nncompress_dag.py").toString()), dir, "PYTHONPATH", stub.toString(),
        "NNCOMPRESS_DATA_ROOT", dataRoot, "NNCOMPRESS_OUTPUT_ROOT", outputRoot,
        "NNCOMPRESS_COMPRESS_CONFIG", config.toString(), "NNCOMPRESS_APP_JAR", "/opt/app.jar"));
    assertEquals("@daily", dag.get("schedule").asText(), dag.toString());
    List<String> ids = new ArrayList<>();
    dag.get("tasks").forEach(t -> ids.add(t.get("task_id").asText()));
    assertEquals(List.of("validate", "autocorr", "validate_compress", "compress"), ids);
    for (int k = 0; k < ids.size(); k++) {
      JsonNode t = dag.get("tasks").get(k);
      assertEquals("io.nncompress.cli.Main", t.get("java_class").asText(), t.toString());
      assertEquals("/opt/app.jar", t.get("application").asText(), t.toString());
      assertEquals("spark_default", t.get("conn_id").asText(), t.toString());
      // the validations are not retried (a bad config does not heal), the jobs are (default_args)
      assertEquals(ids.get(k).startsWith("validate") ? 0 : 3, t.get("retries").asInt(), t.toString());
      assertEquals(k + 1 < ids.size() ? "[\"" + ids.get(k + 1) + "\"]" : "[]", t.get("downstream").toString());
    }
    String statistics = outputRoot + "/autocorr/20260102";
    for (JsonNode t : dag.get("tasks")) {
      List<String> a = new ArrayList<>();
      t.get("args").forEach(n -> a.add(n.asText().replace("{{ ds_nodash }}", "20260102")));
      String id = t.get("task_id").asText();
      assertEquals(id.startsWith("validate"), a.contains("--validate-only"), a.toString());
      assertEquals(0, id.startsWith("validate") ? Main.run(a.toArray(new String[0])) : validate(a), id + ": " + a);
      if (id.equals("autocorr")) {
        assertTrue(a.containsAll(List.of("--output", statistics, "--overwrite")), a.toString());
        assertEquals(0, Main.run(a.toArray(new String[0])), "the autocorr task, run: " + a);
      }
      if (id.contains("compress")) {
        assertEquals(List.of("compress", "--config", config.toString(), "--output", outputRoot + "/compressed/20260102",
            "--statistics", statistics, "--overwrite"), a.subList(0, 8));
      }
    }
  }

  /** A layer map of fc1 (16 inputs, as the example's acts) whose statistics and output the DAG sets. */
  static Path compressConfig() throws IOException {
    java.util.Random rnd = new java.util.Random(5);
    double[] w = new double[4 * 16];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) rnd.nextGaussian();
    }
    Path weights = dir.resolve("dag-model.safetensors");
    io.nncompress.format.safetensors.SafetensorsWriter.write(weights, java.util.Map.of(
        "fc1.weight", io.nncompress.format.safetensors.Tensor.f32(w, 4, 16),
        "fc1.bias", io.nncompress.format.safetensors.Tensor.f32(new double[] {0.1, -0.2, 0.3, 0}, 4)), java.util.Map.of());
    return Files.writeString(dir.resolve("dag-job.yaml"), "model:\n  weights: " + weights + "\n  layers:\n"
        + "    fc1: {weight: fc1.weight, bias: fc1.bias}\n"
        + "data:\n  statistics: " + dir.resolve("replaced-by-the-dag") + "\n"
        + "lnr:\n  strategy: parallel\n  target: {keep: 8}\n"
        + "output: " + dir.resolve("replaced-by-the-dag-too") + "\n");
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
