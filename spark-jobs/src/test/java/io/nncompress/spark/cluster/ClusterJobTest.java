package io.nncompress.spark.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.cli.Main;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.autocorr.AutocorrelationStore;
import io.nncompress.spark.autocorr.ColumnEncoding;
import io.nncompress.spark.bench.SlowTasksPlugin;
import io.nncompress.spark.cluster.StandaloneCluster.DriverRun;
import io.nncompress.spark.cluster.StandaloneCluster.Worker;
import io.nncompress.spark.data.ExampleActivations;
import io.nncompress.stats.AutocorrelationStats;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The autocorr job on a real standalone cluster (a Master and two Workers as separate JVMs, the
 * driver a separate JVM running the CLI), against the same command in local mode: plain, with a
 * Worker lost mid-job, and with the driver killed mid-run and the command run again.
 *
 * <p>Run alone with {@code mvn -B -o -pl spark-jobs -am test -Dgroups=cluster
 * -Dsurefire.failIfNoSpecifiedTests=false}; skip with {@code -DexcludedGroups=cluster}.
 * The logs of every process are under the test's temporary directory ({@code cluster/}).
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterJobTest {
  /**
   * Cluster and local results may differ only in the order partial sums are added (the tree reduce
   * merges task results as they arrive): max |R_ij - S_ij| / max |R_ij| below this.
   */
  static final double TOLERANCE = 1e-12;
  static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);

  /** Kept when a test fails: the logs of the Master, the Workers, their executors and the drivers are in cluster/. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path dir;
  static StandaloneCluster cluster;
  static SparkSession spark;
  static String acts8;
  static String acts24;
  static String slow;

  @BeforeAll
  static void start() throws Exception {
    // the cluster comes up while this JVM's Spark generates the data
    java.util.concurrent.CompletableFuture<StandaloneCluster> starting = java.util.concurrent.CompletableFuture
        .supplyAsync(() -> {
          try {
            return StandaloneCluster.start(dir.resolve("cluster"), 2, 1, "1g");
          } catch (java.io.IOException | InterruptedException e) {
            throw new java.util.concurrent.CompletionException(e);
          }
        });
    try {
      generate();
    } finally {
      cluster = starting.join();
    }
  }

  static void generate() {
    spark = SparkTestSession.get();
    acts8 = dir.resolve("acts8").toString();
    acts24 = dir.resolve("acts24").toString();
    slow = dir.resolve("slow").toString();
    ExampleActivations.write(spark, acts8, 600, 8,
        List.of(ColumnEncoding.BINARY_FLOAT32_LE, ColumnEncoding.FLOAT_ARRAY), List.of("b", "f"), 4, 3);
    ExampleActivations.write(spark, acts24, 500, 24, List.of(ColumnEncoding.FLOAT_ARRAY), List.of("f"), 3, 5);
    ExampleActivations.write(spark, slow, 800, 8,
        List.of(ColumnEncoding.BINARY_FLOAT32_LE, ColumnEncoding.ML_VECTOR), List.of("b", "v"), 8, 7);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void twoWorkers() throws Exception {
    cluster.ensureWorkers(2);
  }

  /** A dense layer in two encodings, a tiled layer (p = 25 >= 16, tiles of 8) and a conv layer. */
  static List<String> mixedArgs(String output) {
    return List.of("autocorr",
        "--layer", "name=fc_b,dataset=" + acts8 + ",column=b",
        "--layer", "name=fc_f,dataset=" + acts8 + ",column=f",
        "--layer", "name=wide,dataset=" + acts24 + ",column=f",
        "--layer", "name=conv,dataset=" + acts24 + ",column=f,shape=1x4x6,kernel=3,stride=1,padding=1",
        "--tile-threshold", "16", "--tile-size", "8",
        "--output", output);
  }

  /**
   * Two dense layers of the 8-file dataset. dim is given, so the first Spark job is the computation
   * itself (no job reads a first row to find the length), and --overwrite makes a rerun idempotent.
   */
  // --verbose: the driver's stderr keeps Spark's warnings and errors ("Lost executor"), which the
  // human log format otherwise sends to its log file
  static List<String> slowArgs(String output) {
    return List.of("--verbose", "autocorr", "--layer", "name=b,dataset=" + slow + ",column=b,dim=8",
        "--layer", "name=v,dataset=" + slow + ",column=v,dim=8", "--output", output, "--overwrite");
  }

  /**
   * Each task sleeps {@code ms} first, and each of the 8 files of about 12 KB is a partition of its own
   * (by default Spark packs small files into as few partitions as there are cores).
   */
  static Map<String, String> slowConf(long ms) {
    Map<String, String> c = new java.util.HashMap<>(SlowTasksPlugin.conf(ms));
    c.put("spark.sql.files.maxPartitionBytes", "16k");
    return c;
  }

  private static String slowLocal;

  /** The slow dataset's result in local mode, computed once. */
  static synchronized String slowReference() {
    if (slowLocal == null) {
      slowLocal = localRun(slowArgs(dir.resolve("slow-local").toString()));
    }
    return slowLocal;
  }

  @Test
  @Order(1)
  void clusterGivesTheLocalResult() throws Exception {
    String local = localRun(mixedArgs(dir.resolve("mixed-local").toString()));
    String out = dir.resolve("mixed-cluster").toString();
    // as bin/nncompress runs it (java ... Main --master URL): the CLI ships its jar itself
    DriverRun d = cluster.runCli("mixed", Map.of(), mixedArgs(out));
    assertEquals(0, d.await(RUN_TIMEOUT), d::logTail);
    assertTrue(d.logText().contains("master " + cluster.masterUrl()), "the driver ran on the cluster:\n" + d.logTail());
    assertTrue(d.logText().contains("Shipping file:"), "the CLI shipped its jar:\n" + d.logTail());
    assertSameResult(local, out, List.of("fc_b", "fc_f", "wide", "conv"));
  }

  @Test
  @Order(2)
  void survivesLosingAWorkerMidJob() throws Exception {
    String local = slowReference();
    String out = dir.resolve("slow-worker-lost").toString();
    DriverRun d = cluster.submit("worker-lost", slowConf(700), slowArgs(out));
    // once an executor has finished a task (its shuffle output now lives only there), its machine goes
    Worker[] victim = new Worker[1];
    StandaloneCluster.await(() -> {
      String app = d.appId();
      for (Worker w : cluster.aliveWorkers()) {
        if (app != null && w.executorLogContains(app, "Finished task")) {
          victim[0] = w;
          return true;
        }
      }
      return !d.isAlive();
    }, RUN_TIMEOUT, "an executor to finish a task");
    assertTrue(d.isAlive() && victim[0] != null, "the job ended before a Worker could be killed:\n" + d.logTail());
    cluster.killWorker(victim[0]);
    assertTrue(d.isAlive(), "the job must still be running when the Worker is lost, so that it has to recover");

    assertEquals(0, d.await(RUN_TIMEOUT), d::logTail);
    assertTrue(d.logText().contains("Lost executor"), "the driver saw the executor go:\n" + d.logTail());
    assertSameResult(local, out, List.of("b", "v"));
  }

  @Test
  @Order(3)
  void driverKilledMidRunLeavesNoPartialOutputAndTheRerunSucceeds() throws Exception {
    String local = slowReference();
    Path outPath = dir.resolve("slow-driver-killed");
    String out = outPath.toString();
    DriverRun d = cluster.submit("driver-killed", slowConf(500), slowArgs(out));
    // kill it in the worst place: while it writes the output (each write task sleeps 0.5 s first)
    d.killWhen(() -> !inProgress(outPath).isEmpty(), RUN_TIMEOUT, "the driver starts writing " + out);

    // atomic: the output is absent, or (had the rename come first) whole
    if (Files.exists(outPath)) {
      assertSameResult(local, out, List.of("b", "v"));
    } else {
      assertFalse(inProgress(outPath).isEmpty(), "the killed run leaves its hidden temporary directory only");
    }

    DriverRun rerun = cluster.submit("rerun", Map.of(), slowArgs(out));
    assertEquals(0, rerun.await(RUN_TIMEOUT), rerun::logTail);
    assertSameResult(local, out, List.of("b", "v"));
  }

  /**
   * The compression job on the cluster: a Worker lost mid-job, then the driver killed once a layer is
   * solved and checkpointed; the rerun of the same command resumes from the checkpoints, and both
   * give the local-mode result (the same layers kept, outputs within 1e-9).
   */
  @Test
  @Order(4)
  void compressionJobSurvivesAWorkerAndResumesAfterTheDriverIsKilled() throws Exception {
    Path model = dir.resolve("mlp");
    io.nncompress.model.Network net = CompressionFixture.network(11);
    Files.createDirectories(model);
    net.save(model.resolve("mlp.safetensors"), model.resolve("mlp.yaml"), Map.of());
    String data = dir.resolve("mlp-data").toString();
    io.nncompress.linalg.DenseMatrix x = CompressionFixture.inputs(1200, 12);
    CompressionFixture.write(spark, data, x, 8);
    String local = dir.resolve("mlp-local").toString();
    Path cfgLocal = CompressionFixture.config(dir.resolve("local.yaml"), model, data, local);
    assertEquals(0, Main.run("compress", "-c", cfgLocal.toString()));

    // 1. a Worker lost while the first statistics pass runs
    String out1 = dir.resolve("mlp-worker-lost").toString();
    Path cfg1 = CompressionFixture.config(dir.resolve("c1.yaml"), model, data, out1);
    DriverRun d = cluster.submit("compress-worker-lost", slowConf(700), List.of("compress", "-c", cfg1.toString()));
    Worker[] victim = new Worker[1];
    StandaloneCluster.await(() -> {
      String app = d.appId();
      for (Worker w : cluster.aliveWorkers()) {
        if (app != null && w.executorLogContains(app, "Finished task")) {
          victim[0] = w;
          return true;
        }
      }
      return !d.isAlive();
    }, RUN_TIMEOUT, "an executor to finish a task");
    assertTrue(d.isAlive() && victim[0] != null, "the job ended before a Worker could be killed:\n" + d.logTail());
    cluster.killWorker(victim[0]);
    assertEquals(0, d.await(RUN_TIMEOUT), d::logTail);
    CompressionFixture.assertSameModel(spark, local, out1, x);
    cluster.ensureWorkers(2);

    // 2. the driver killed once the first layer is checkpointed; the same command again resumes
    Path out2 = dir.resolve("mlp-driver-killed");
    Path cfg2 = CompressionFixture.config(dir.resolve("c2.yaml"), model, data, out2.toString());
    DriverRun k = cluster.submit("compress-driver-killed", slowConf(300), List.of("compress", "-c", cfg2.toString()));
    k.killWhen(() -> CompressionFixture.checkpointed(out2, "fc1"), RUN_TIMEOUT, "layer fc1 to be checkpointed");
    assertFalse(Files.exists(out2), "no output after the driver was killed");
    DriverRun rerun = cluster.submit("compress-rerun", Map.of(), List.of("compress", "-c", cfg2.toString()));
    assertEquals(0, rerun.await(RUN_TIMEOUT), rerun::logTail);
    assertTrue(rerun.logText().contains("taken from the checkpoint"), "the rerun resumed:\n" + rerun.logTail());
    CompressionFixture.assertSameModel(spark, local, out2.toString(), x);
  }

  /** The hidden temporary directories of an output being written (see AtomicOutput). */
  static List<String> inProgress(Path output) {
    List<String> out = new ArrayList<>();
    File[] siblings = output.getParent().toFile().listFiles();
    for (File f : siblings == null ? new File[0] : siblings) {
      if (f.getName().startsWith("." + output.getFileName() + ".inprogress-")) {
        out.add(f.getName());
      }
    }
    return out;
  }

  /** Runs the command in this JVM on its local Spark; returns the output. */
  static String localRun(List<String> args) {
    assertEquals(0, Main.run(args.toArray(new String[0])));
    return args.get(args.indexOf("--output") + 1);
  }

  /** Both outputs hold the same layers, with equal N, rows, min and max, and R and mean within TOLERANCE. */
  static void assertSameResult(String expectedOutput, String actualOutput, List<String> layers) {
    Map<String, AutocorrelationStore.StoredLayer> expected = AutocorrelationStore.read(spark, expectedOutput);
    Map<String, AutocorrelationStore.StoredLayer> actual = AutocorrelationStore.read(spark, actualOutput);
    assertEquals(layers, new ArrayList<>(expected.keySet()));
    assertEquals(layers, new ArrayList<>(actual.keySet()));
    for (String l : layers) {
      AutocorrelationStats e = expected.get(l).stats;
      AutocorrelationStats a = actual.get(l).stats;
      assertEquals(e.samples(), a.samples(), l);
      assertEquals(e.rows(), a.rows(), l);
      assertEquals(e.dim(), a.dim(), l);
      assertArrayEquals(e.min(), a.min(), 0, l);
      assertArrayEquals(e.max(), a.max(), 0, l);
      double rel = e.relativeDifference(a);
      assertTrue(rel <= TOLERANCE, l + ": R differs by " + rel + " relative, more than " + TOLERANCE);
      for (int k = 0; k < e.dim(); k++) {
        assertEquals(e.mean()[k], a.mean()[k], TOLERANCE * (Math.abs(e.mean()[k]) + 1), l + " mean " + k);
      }
    }
  }
}
