package io.nncompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nncompress.model.DenseLayer;
import io.nncompress.model.Layer;
import io.nncompress.model.Network;
import io.nncompress.spark.compress.CompressedModelStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code finetune.after: [prune]} through {@link Main#run} on real Parquet and a local Spark: the
 * network after the layers' prune stage trained with its pruned zeros frozen, then the rest of the plan
 * on the trained weights.
 */
class FinetunePruneCommandTest {
  @TempDir
  static Path dir;

  @BeforeAll
  static void setUp() throws Exception {
    CompressInputErrorsTest.dir = dir;
    CompressInputErrorsTest.setUp();
  }

  private static Path config(String name, String stages, String finetune) throws Exception {
    Path cfg = CompressInputErrorsTest.config(name, CompressInputErrorsTest.spec.toString(),
        CompressInputErrorsTest.weights.toString(), CompressInputErrorsTest.train, CompressInputErrorsTest.test,
        "{keep: 6}", stages, dir.resolve("out-" + name).toString());
    Files.writeString(cfg, Files.readString(cfg) + finetune);
    return cfg;
  }

  private static Network model(String name) throws Exception {
    return CompressedModelStore.load(CompressInputErrorsTest.spark, dir.resolve("out-" + name).toString());
  }

  private static JsonNode metrics(String name) throws Exception {
    return new ObjectMapper().readTree(dir.resolve("out-" + name + "/metrics.json").toFile());
  }

  @Test
  void maskedFinetuningAfterPruneKeepsEveryPrunedZeroAndTrainsTheSurvivors() throws Exception {
    CliRun plain = CompressInputErrorsTest.run("compress", "--config", config("pr-plain", "prune(0.5)", "")
        .toString());
    assertEquals(0, plain.code(), plain.err());
    CliRun tuned = CompressInputErrorsTest.run("compress", "--config", config("pr-tuned", "prune(0.5)",
        "finetune: {epochs: 2, batch_size: 50, learning_rate: 0.01, after: [prune]}\n").toString());
    assertEquals(0, tuned.code(), tuned.err());
    Network before = model("pr-plain");
    Network after = model("pr-tuned");
    long nonzero = 0;
    long all = 0;
    int changed = 0;
    int survivors = 0;
    for (int i = 0; i < before.layers().size(); i++) {
      Layer l = before.layer(i);
      if (!(l instanceof DenseLayer)) {
        continue;
      }
      double[] w0 = ((DenseLayer) l).weight().data;
      double[] w1 = ((DenseLayer) after.layer(i)).weight().data;
      double[] b1 = ((DenseLayer) after.layer(i)).bias();
      assertEquals(w0.length, w1.length, l.name());
      int zeros = 0;
      for (int e = 0; e < w0.length; e++) {
        if (w0[e] == 0.0) {
          zeros++;
          assertEquals(0.0, w1[e], 0.0, l.name() + ": pruned weight " + e + " must stay exactly 0");
        } else {
          survivors++;
          changed += Math.abs(w1[e] - w0[e]) > 1e-6 ? 1 : 0;
          nonzero += w1[e] != 0.0 ? 1 : 0;
        }
      }
      assertEquals(Math.round(0.5 * w0.length), zeros, l.name() + ": prune(0.5) pruned half its weights");
      for (double b : b1) {
        nonzero += b != 0.0 ? 1 : 0;
      }
      all += w1.length + b1.length;
    }
    assertTrue(changed > survivors / 2, changed + " of " + survivors + " surviving weights changed by training");
    JsonNode m = metrics("pr-tuned");
    assertEquals(3, m.get("finetune").get("after_prune").size(), m.get("finetune").toString());
    assertEquals("prune(0.5)", m.get("stages").get(2).get("stage").asText(), "float32, lnr, then the trained prune");
    assertTrue(!m.get("finetune").has("after_lnr"), "after: [prune] alone");
    // epoch 0: the pruned network before training, what the plain run wrote
    assertEquals(metrics("pr-plain").get("end_to_end").get("accuracy_after").asDouble(),
        m.get("finetune").get("after_prune").get(0).get("held_out_accuracy").asDouble(), 1e-12);
    JsonNode e2e = m.get("end_to_end");
    assertEquals(all, e2e.get("model_params").asLong());
    assertEquals(nonzero, e2e.get("model_nonzero_params").asLong(), "a pruned weight is a removed parameter");
    assertTrue(nonzero < all);
    // the summary table prints it as a share of the original's parameters; without pruning no such column
    assertEquals(String.format("%.1f%%", 100.0 * nonzero / e2e.get("params_before").asLong()),
        summaryCell(tuned.out(), "nonzero%"));
    String unpruned = CompressInputErrorsTest.run("compress", "--config", config("pr-none", "kmeans(2)", "").toString())
        .out();
    assertEquals(null, summaryCell(unpruned, "nonzero%"));
    assertEquals("bytes.written", unpruned.lines().filter(l -> l.startsWith("strategy ")).findFirst().orElseThrow()
        .trim().split("\\s+")[3], "the column after params% without pruning");
    assertTrue(metrics("pr-none").get("end_to_end").get("model_nonzero_params") == null, "absent without prune");
  }

  // the summary row's cell under {@code column}
  private static String summaryCell(String out, String column) {
    String[] lines = out.split("\n");
    for (int i = 0; i + 1 < lines.length; i++) {
      if (lines[i].startsWith("strategy ")) {
        java.util.List<String> head = java.util.List.of(lines[i].trim().split("\\s+"));
        String[] cells = lines[i + 1].trim().split("\\s+");
        assertEquals(head.size(), cells.length, lines[i] + "\n" + lines[i + 1]);
        return head.contains(column) ? cells[head.indexOf(column)] : null;
      }
    }
    throw new AssertionError("no summary in:\n" + out);
  }

  @Test
  void kmeansAndHuffmanRunOnTheTrainedWeightsWithTheSameZeros() throws Exception {
    Path cfg = config("pr-km", "prune(0.5) -> kmeans(2) -> huffman",
        "finetune: {epochs: 1, batch_size: 50, learning_rate: 0.01, after: [prune, kmeans], prune: {epochs: 2}}\n");
    // the last layer prunes less: the first stage's label is then the stages' kind
    Files.writeString(cfg, Files.readString(cfg).replace("  plan: prune(0.5) -> kmeans(2) -> huffman\n",
        "  plan: prune(0.5) -> kmeans(2) -> huffman\n  layers: {\"4\": prune(0.25) -> kmeans(2) -> huffman}\n"));
    CliRun r = CompressInputErrorsTest.run("compress", "--config", cfg.toString());
    assertEquals(0, r.code(), r.err());
    JsonNode m = metrics("pr-km");
    assertEquals(java.util.List.of("float32", "lnr", "prune", "kmeans(2)", "huffman"),
        java.util.stream.StreamSupport.stream(m.get("stages").spliterator(), false).map(x -> x.get("stage").asText())
            .toList());
    assertEquals(3, m.get("finetune").get("after_prune").size(), "finetune.prune.epochs: 2");
    assertEquals(2, m.get("finetune").get("after_kmeans").size(), "finetune.epochs: 1");
    for (Layer l : model("pr-km").layers()) {
      if (l instanceof DenseLayer) {
        Set<Double> values = new TreeSet<>();
        int zeros = 0;
        for (double w : ((DenseLayer) l).weight().data) {
          values.add(w);
          zeros += w == 0.0 ? 1 : 0;
        }
        assertTrue(values.size() <= 5, l.name() + ": 4 shared values and the pruned 0: " + values);
        assertEquals(Math.round((l.name().equals("4") ? 0.25 : 0.5) * ((DenseLayer) l).weight().data.length), zeros,
            l.name());
      }
    }
  }

  @Test
  void iterativePruningTrainsAfterEachRoundAndEndsAtThePlansSparsity() throws Exception {
    CliRun r = CompressInputErrorsTest.run("compress", "--config", config("pr-rounds", "prune(0.75)",
        "finetune: {epochs: 1, batch_size: 50, learning_rate: 0.01, after: [prune], prune: {rounds: 2, "
            + "final_epochs: 3}}\n").toString());
    assertEquals(0, r.code(), r.err());
    JsonNode f = metrics("pr-rounds").get("finetune");
    assertEquals(java.util.List.of("after_prune_round1", "after_prune"), iterator(f.fieldNames()));
    assertEquals(2, f.get("after_prune_round1").size(), "epoch 0 and finetune.epochs: 1");
    assertEquals(4, f.get("after_prune").size(), "epoch 0 and finetune.prune.final_epochs: 3 after the last round");
    for (Layer l : model("pr-rounds").layers()) {
      if (l instanceof DenseLayer) {
        int zeros = 0;
        double[] w = ((DenseLayer) l).weight().data;
        for (double v : w) {
          zeros += v == 0.0 ? 1 : 0;
        }
        assertEquals(Math.round(0.75 * w.length), zeros, l.name());
      }
    }
  }

  private static java.util.List<String> iterator(java.util.Iterator<String> it) {
    java.util.List<String> out = new java.util.ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }

  @Test
  void badPruneFinetuneSettingsExitTwoNamingTheKey() throws Exception {
    CompressInputErrorsTest.assertBadInput(CompressInputErrorsTest.run("compress", "--config",
        config("pr-bad1", "prune(0.5)", "finetune: {prune: {epochs: 2}}\n").toString()),
        "key finetune.prune: fine-tuning does not run after prune (finetune.after is [lnr])");
    CompressInputErrorsTest.assertBadInput(CompressInputErrorsTest.run("compress", "--config",
        config("pr-bad2", "kmeans(2)", "finetune: {after: [prune]}\n").toString()),
        "key finetune.after: prune: no layer's stages prune (stages.plan has no prune(s) or prune_obd(s))");
    CliRun r = CompressInputErrorsTest.run("compress", "--config",
        config("pr-bad3", "svd(rank=2) -> prune(0.5)", "finetune: {after: [prune]}\n").toString());
    CompressInputErrorsTest.assertBadInput(r, "key finetune.after: prune: layer ", "prune after svd(rank=2); "
        + "fine-tuning after prune needs prune first");
    assertEquals(1, r.err().lines().filter(l -> l.startsWith("nncompress: error: ")).count(), r.err());
    assertTrue(r.err().lines().noneMatch(l -> l.startsWith("\tat ") || l.contains("[lnr]")),
        "one clean line, before any LNR work:\n" + r.err());
    CompressInputErrorsTest.assertBadInput(CompressInputErrorsTest.run("compress", "--config",
        config("pr-bad4", "prune(0.5)", "finetune: {after: [lnr, pruning]}\n").toString()),
        "key finetune.after: must be one or a list of [kmeans, lnr, prune], cannot be: \"pruning\"");
    CompressInputErrorsTest.assertBadInput(CompressInputErrorsTest.run("compress", "--config",
        config("pr-bad6", "prune(0.5)", "finetune: {after: [prune], prune: {rounds: 0}}\n").toString()),
        "key finetune.prune.rounds: must be an integer in 1..100, cannot be: 0");
    CompressInputErrorsTest.assertBadInput(CompressInputErrorsTest.run("compress", "--config",
        config("pr-bad7", "prune(0.5)", "finetune: {after: [lnr, prune], lnr: {rounds: 2}}\n").toString()),
        "unknown key 'finetune.lnr.rounds'; allowed here: [epochs, learning_rate]");
    CompressInputErrorsTest.assertBadInput(CompressInputErrorsTest.run("compress", "--config",
        config("pr-bad5", "prune(0.5)", "finetune: {after: [prune], prune: {epoch: 2}}\n").toString()),
        "unknown key 'finetune.prune.epoch'; allowed here: [epochs, final_epochs, learning_rate, rounds]");
    CompressInputErrorsTest.assertBadInput(CompressInputErrorsTest.run("compress", "--config",
        config("pr-bad8", "prune(0.5)", "finetune: {after: [prune], prune: {final_epochs: 0}}\n").toString()),
        "key finetune.prune.final_epochs: must be an integer in 1..100000, cannot be: 0");
  }
}
