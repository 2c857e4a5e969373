package io.nncompress.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nncompress.spark.compress.CompressedModelStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code compress} with a {@code finetune} section, through {@link Main#run}, on real Parquet and a local Spark. */
class FinetuneCommandTest {
  @TempDir
  static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    CompressInputErrorsTest.dir = dir;
    CompressInputErrorsTest.setUp();
  }

  static Path withFinetune(String name, String section) throws Exception {
    Path cfg = CompressInputErrorsTest.config(name, "{keep: 6}");
    Files.writeString(cfg, Files.readString(cfg) + section);
    return cfg;
  }

  @Test
  void finetuningAfterLnrTrainsTheReducedShapesAndWritesTheCurve() throws Exception {
    Path cfg = withFinetune("ft", "finetune: {epochs: 2, batch_size: 50, learning_rate: 0.01, seed: 3}\n");
    CliRun r = CompressInputErrorsTest.run("compress", "--config", cfg.toString());
    assertEquals(0, r.code(), r.err());
    Path out = dir.resolve("out-ft");
    JsonNode m = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
    JsonNode curve = m.get("finetune").get("after_lnr");
    assertEquals(3, curve.size(), curve.toString()); // epoch 0 (before) and the two epochs
    assertEquals(0, curve.get(0).get("epoch").asInt());
    assertFalse(curve.get(0).has("loss"), curve.get(0).toString()); // absent before training
    assertTrue(curve.get(2).get("loss").asDouble() > 0 && curve.get(2).get("samples_per_second").asDouble() > 0);
    // the model written is the fine-tuned one: its held-out accuracy is the last epoch's
    assertEquals(curve.get(2).get("held_out_accuracy").asDouble(),
        m.get("end_to_end").get("accuracy_after").asDouble(), 1e-12);
    // the reduced shapes were trained (every layer keeps 6 inputs, fc1 all 12: target keep 6 of the hidden)
    List<CompressedModelStore.StoredLayer> layers = CompressedModelStore.readLayers(CompressInputErrorsTest.spark,
        out.toString());
    Path plain = withFinetune("plain", "");
    assertEquals(0, CompressInputErrorsTest.run("compress", "--config", plain.toString()).code());
    List<CompressedModelStore.StoredLayer> untuned = CompressedModelStore.readLayers(CompressInputErrorsTest.spark,
        dir.resolve("out-plain").toString());
    for (int k = 0; k < layers.size(); k++) {
      assertArrayEquals(untuned.get(k).shape, layers.get(k).shape, layers.get(k).layer);
      assertArrayEquals(untuned.get(k).keptInputs, layers.get(k).keptInputs, layers.get(k).layer);
    }
    JsonNode before = new ObjectMapper().readTree(dir.resolve("out-plain/metrics.json").toFile());
    assertEquals(before.get("end_to_end").get("accuracy_after").asDouble(), curve.get(0).get("held_out_accuracy")
        .asDouble(), 1e-12, "epoch 0 is the LNR network before fine-tuning");
    assertEquals(before.get("end_to_end").get("params_after").asLong(), m.get("end_to_end").get("params_after")
        .asLong());
  }

  @Test
  void centroidFineTuningAfterKmeansKeepsTheSharedValuesAndRedoesHuffman() throws Exception {
    Path cfg = CompressInputErrorsTest.config("ftk", CompressInputErrorsTest.spec.toString(),
        CompressInputErrorsTest.weights.toString(), CompressInputErrorsTest.train, CompressInputErrorsTest.test,
        "{keep: 6}", "kmeans(2) -> huffman", dir.resolve("out-ftk").toString());
    Files.writeString(cfg, Files.readString(cfg)
        + "finetune: {epochs: 2, batch_size: 50, learning_rate: 0.01, after: [lnr, kmeans]}\n");
    CliRun r = CompressInputErrorsTest.run("compress", "--config", cfg.toString());
    assertEquals(0, r.code(), r.err());
    Path out = dir.resolve("out-ftk");
    JsonNode m = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
    assertEquals(3, m.get("finetune").get("after_lnr").size());
    JsonNode curve = m.get("finetune").get("after_kmeans");
    assertEquals(3, curve.size(), m.get("finetune").toString());
    assertEquals(curve.get(2).get("held_out_accuracy").asDouble(),
        m.get("end_to_end").get("accuracy_after").asDouble(), 1e-12, "the model written is the tuned one");
    // every weight matrix written still has at most 4 distinct values (2 bits)
    io.nncompress.model.Network model = CompressedModelStore.load(CompressInputErrorsTest.spark, out.toString());
    for (io.nncompress.model.Layer l : model.layers()) {
      if (l instanceof io.nncompress.model.DenseLayer) {
        java.util.Set<Double> values = new java.util.TreeSet<>();
        for (double w : ((io.nncompress.model.DenseLayer) l).weight().data) {
          values.add(w);
        }
        assertTrue(values.size() <= 4, l.name() + ": " + values);
      }
    }
  }

  @Test
  void badFinetuneKeysExitTwoNamingTheKey() throws Exception {
    CliRun r = CompressInputErrorsTest.run("compress", "--config",
        withFinetune("ft-bad", "finetune: {epoch: 2}\n").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().strip().startsWith("nncompress: error: Config ")
        && r.err().contains("unknown key 'finetune.epoch'; allowed here: [after, batch_size, distill, epochs, "
        + "kmeans, learning_rate, lnr, prune, seed]"), r.err());
    r = CompressInputErrorsTest.run("compress", "--config",
        withFinetune("ft-bad3", "finetune: {after: [stages]}\n").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("key finetune.after: must be one or a list of [kmeans, lnr, prune], cannot be: \"stages\""),
        r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    r = CompressInputErrorsTest.run("compress", "--config",
        withFinetune("ft-bad2", "finetune: {distill: {temperature: 0}}\n").toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("key finetune.distill.temperature: must be a number in [0.001, 1000.0], cannot be: 0"),
        r.err());
  }
}
