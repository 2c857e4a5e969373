package io.nncompress.spark.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.cli.Main;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Network;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.cluster.StandaloneCluster.DriverRun;
import io.nncompress.spark.compress.CompressedModelStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fine-tuning (distilling, after LNR) on a real standalone cluster: a driver JVM and two executor JVMs
 * of one core each, so each epoch runs as one job whose two tasks, in the executors' JVMs, exchange
 * values and gradients with the driver over its socket; the model written is the one local mode writes.
 * Run alone with {@code mvn -B -o -pl spark-jobs -am test -Dtest=FinetuneClusterTest
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("cluster")
class FinetuneClusterTest {
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  static Path dir;

  static Path config(Path file, Path model, String data, String output) throws java.io.IOException {
    CompressionFixture.config(file, model, data, output);
    Files.writeString(file, Files.readString(file) + "finetune: {epochs: 2, batch_size: 100, learning_rate: 0.01, "
        + "distill: {temperature: 2.0, alpha: 0.0}}\n");
    return file;
  }

  @Test
  void exchangedEpochsOnTwoExecutorJvmsGiveTheLocalModel() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path model = dir.resolve("mlp");
    Network net = CompressionFixture.network(11);
    Files.createDirectories(model);
    net.save(model.resolve("mlp.safetensors"), model.resolve("mlp.yaml"), Map.of());
    String data = dir.resolve("mlp-data").toString();
    DenseMatrix x = CompressionFixture.inputs(1200, 12);
    CompressionFixture.write(spark, data, x, 2); // 2 files: 2 partitions, one per executor core
    String local = dir.resolve("local").toString();
    assertEquals(0, Main.run("compress", "-c", config(dir.resolve("local.yaml"), model, data, local).toString()));
    String out = dir.resolve("cluster-out").toString();
    try (StandaloneCluster cluster = StandaloneCluster.start(dir.resolve("cluster"), 2, 1, "1g")) {
      DriverRun d = cluster.submit("finetune", Map.of(), List.of("compress", "-c",
          config(dir.resolve("cluster.yaml"), model, data, out).toString()));
      assertEquals(0, d.await(Duration.ofMinutes(6)), d::logTail);
      assertTrue(d.logText().contains("master " + cluster.masterUrl()), d.logTail());
      for (int e = 1; e <= 2; e++) {
        assertTrue(d.logText().contains("epoch " + e + ": ") && d.logText().contains("(one job, its 2 tasks "
            + "exchanging values and gradients with the driver)"), "epoch " + e + " was exchanged:\n" + d.logTail());
      }
    }
    Network a = CompressedModelStore.load(spark, local);
    Network b = CompressedModelStore.load(spark, out);
    assertArrayEquals(a.inputSelect(), b.inputSelect());
    double diff = a.forward(x).maxAbsDiff(b.forward(x));
    assertTrue(diff < 1e-9, "the fine-tuned models differ by " + diff);
    // and fine-tuning did train: the model is not the one LNR alone writes
    String plain = dir.resolve("plain").toString();
    assertEquals(0, Main.run("compress", "-c", CompressionFixture.config(dir.resolve("plain.yaml"), model, data,
        plain).toString()));
    assertTrue(CompressedModelStore.load(spark, plain).forward(x).maxAbsDiff(a.forward(x)) > 1e-6);
  }
}
