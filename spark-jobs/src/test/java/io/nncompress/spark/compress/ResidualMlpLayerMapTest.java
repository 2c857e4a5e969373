package io.nncompress.spark.compress;

import io.nncompress.cli.CliRun;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nncompress.cli.Main;
import io.nncompress.compress.LayerMapCompressor;
import io.nncompress.data.LabeledImages;
import io.nncompress.format.safetensors.SafetensorsFile;
import io.nncompress.format.safetensors.SafetensorsReader;
import io.nncompress.spark.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The residual MLP of conf/examples/residual-mlp (LayerNorm, gated MLPs, a residual stream: nothing
 * nncompress's engine runs) compressed end to end through its layer inputs: Parquet -> autocorr ->
 * compress with the example's job.yaml -> model.safetensors, scored by an independent forward pass.
 */
class ResidualMlpLayerMapTest {
  static final Path EXAMPLE = Path.of("..", "conf", "examples", "residual-mlp");
  static final int CALIBRATION = 6000;
  @TempDir
  static Path dir;
  static SparkSession spark;
  static ResidualMlpReference original;
  static String stats;

  @BeforeAll
  static void setUp() throws Exception {
    spark = SparkTestSession.get();
    original = ResidualMlpReference.load(EXAMPLE.resolve("model.safetensors"));
    double[][] train = ResidualMlpReference.fashionMnist(true, CALIBRATION);
    Map<String, String> paths = original.writeLayerInputs(spark, dir.resolve("acts"), train, 4);
    List<String> args = new ArrayList<>(List.of("-q", "autocorr"));
    for (Map.Entry<String, String> e : paths.entrySet()) {
      args.add("--layer");
      args.add("name=" + e.getKey() + ",dataset=" + e.getValue() + ",column=" + ResidualMlpReference.INPUT_COLUMN);
    }
    stats = dir.resolve("stats").toString();
    args.addAll(List.of("--output", stats));
    assertEquals(0, Main.run(args.toArray(new String[0])));
  }

  // the example's job.yaml with this test's statistics and output
  static Path config(String output, String extra) throws Exception {
    String yaml = Files.readString(EXAMPLE.resolve("job.yaml"))
        .replace("model.safetensors", EXAMPLE.toAbsolutePath().resolve("model.safetensors").toString())
        .replaceAll("(?m)^  statistics: .*$", "  statistics: " + stats)
        .replaceAll("(?m)^output: .*$", "output: " + output) + extra;
    Path p = dir.resolve(output.hashCode() + ".yaml");
    Files.writeString(p, yaml);
    return p;
  }

  @Test
  void compressedModelLoadsWithTheNewWidthsAndKeepsItsAccuracy() throws Exception {
    String out = dir.resolve("compressed").toString();
    assertEquals(0, Main.run("-q", "compress", "-c", config(out, "").toString()));
    SafetensorsFile written = SafetensorsReader.read(Path.of(out, "model", "model.safetensors"));
    SafetensorsFile before = SafetensorsReader.read(EXAMPLE.resolve("model.safetensors"));
    assertEquals(before.names(), written.names(), "every tensor of the model, under the user's names");
    ResidualMlpReference compressed = ResidualMlpReference.load(Path.of(out, "model", "model.safetensors"));
    JsonNode metrics = new ObjectMapper().readTree(Path.of(out, "metrics.json").toFile());
    // d_ff of each block = the inputs down_proj kept; gate_proj and up_proj lost the same rows
    for (int b = 0; b < 2; b++) {
      JsonNode down = layer(metrics, "blocks." + b + ".mlp.down_proj");
      int kept = down.get("inputs_after").asInt();
      assertEquals(kept, compressed.dFf()[b], "block " + b);
      assertTrue(kept < 256, "block " + b + " lost hidden units: " + kept);
      assertArrayEquals(new long[] {kept, 128}, written.get("blocks." + b + ".mlp.gate_proj.weight").shape());
      assertArrayEquals(new long[] {kept}, written.get("blocks." + b + ".mlp.up_proj.bias").shape());
      assertArrayEquals(new long[] {128, kept}, written.get("blocks." + b + ".mlp.down_proj.weight").shape());
      assertEquals(before.get("blocks." + b + ".norm.weight"), written.get("blocks." + b + ".norm.weight"));
    }
    // layers without couples keep their shapes
    assertArrayEquals(new long[] {10, 128}, written.get("head.weight").shape());
    assertArrayEquals(new long[] {128, 784}, written.get("embed.weight").shape());
    LabeledImages test = LabeledImages.fashionMnist(LabeledImages.FASHION_MNIST_DIR, false);
    double[][] images = ResidualMlpReference.fashionMnist(false, test.size());
    int[] labels = new int[test.size()];
    for (int k = 0; k < labels.length; k++) {
      labels[k] = test.label(k);
    }
    double a0 = original.accuracy(images, labels);
    double a1 = compressed.accuracy(images, labels);
    long bytesBefore = metrics.get("end_to_end").get("bytes_before").asLong();
    long bytesAfter = metrics.get("end_to_end").get("bytes_after").asLong();
    System.out.printf("residual MLP: accuracy %.2f%% -> %.2f%%, params %d -> %d, bytes %d -> %d (%.1fx)%n",
        100 * a0, 100 * a1, metrics.get("end_to_end").get("params_before").asLong(),
        metrics.get("end_to_end").get("params_after").asLong(), bytesBefore, bytesAfter,
        (double) bytesBefore / bytesAfter);
    assertEquals(0.8764, a0, 1e-9);
    assertTrue(a1 > a0 - 0.005, "accuracy " + a1 + " after, " + a0 + " before");
    assertTrue(bytesAfter * 10 < bytesBefore, bytesAfter + " bytes after kmeans(4) -> huffman, " + bytesBefore);
  }

  @Test
  void badLayerMapsFailAtValidateOnlyNamingTheKeyAndTensor() throws Exception {
    String out = dir.resolve("never").toString();
    String missing = Files.readString(config(out, "")).replace("weight: head.weight", "weight: head.weights");
    assertBad(missing, "model.layers", "head.weights");
    String stat = Files.readString(config(out, "")).replace("    head:\n", "    head:\n      statistics: lm_head\n");
    assertBad(stat, "model.layers", "lm_head");
    // down_proj's R has d = 256; the embed weight reads 784
    String shape = Files.readString(config(out, "")).replace("    head:\n", "    head:\n      statistics: embed\n");
    assertBad(shape, "head.weight", "784");
    String couple = Files.readString(config(out, "")).replaceFirst("- blocks.0.mlp.up_proj.bias",
        "- blocks.0.norm.bias");
    assertBad(couple, "blocks.0.norm.bias", "256");
    // one tensor solved as two layers: both solutions were written to it, the last one kept
    String tied = Files.readString(config(out, "")).replace("      bias: head.bias\n",
        "      bias: head.bias\n    head2:\n      weight: head.weight\n      statistics: head\n");
    assertBad(tied, "tensor head.weight is both the weight of layer head and the weight of layer head2");
    String self = Files.readString(config(out, "")).replace("        - blocks.0.mlp.gate_proj.weight\n",
        "        - blocks.0.mlp.gate_proj.weight\n        - blocks.0.mlp.down_proj.bias\n");
    assertBad(self, "layer blocks.0.mlp.down_proj, couples: tensor blocks.0.mlp.down_proj.bias is the layer's own bias");
    // fine-tuning needs a network nncompress runs: the section was ignored without a word
    assertBad(Files.readString(config(out, "finetune: {epochs: 1}\n")), "key finetune: a layer map (model.layers)",
        "remove finetune");
    // a statistics folder that autocorr did not write is named under its own key
    String noStats = Files.readString(config(out, "")).replaceAll("(?m)^  statistics: .*$",
        "  statistics: " + dir.resolve("no-such-stats"));
    assertBad(noStats, "key data.statistics: Statistics " + dir.resolve("no-such-stats")
        + " is not the output of nncompress autocorr");
    assertTrue(!Files.exists(Path.of(out)));
  }

  static void assertBad(String yaml, String... fragments) throws Exception {
    Path p = dir.resolve("bad-" + Math.abs(yaml.hashCode()) + ".yaml");
    Files.writeString(p, yaml);
    CliRun r = CliRun.of("-q", "compress", "-c", p.toString(), "--validate-only");
    String said = r.err();
    assertEquals(2, r.code(), said);
    for (String f : fragments) {
      assertTrue(said.contains(f), "'" + f + "' in: " + said);
    }
  }

  static JsonNode layer(JsonNode metrics, String name) {
    for (JsonNode l : metrics.get("layers")) {
      if (l.get("layer").asText().equals(name)) {
        return l;
      }
    }
    throw new AssertionError("no layer " + name + " in metrics.json");
  }

  @Test
  void couplesDropTheSameRowsEverywhere() throws Exception {
    String out = dir.resolve("rows").toString();
    CompressionConfig c = CompressionConfig.read(config(out, ""));
    LayerMapCompression.Outcome o = new LayerMapCompression(spark, c).compute();
    for (LayerMapCompressor.Layer l : o.lnr.layers) {
      if (l.entry.name.endsWith("gate_proj") || l.entry.name.endsWith("up_proj")) {
        String block = l.entry.name.substring(0, l.entry.name.lastIndexOf('.'));
        int[] kept = o.lnr.layers.stream().filter(x -> x.entry.name.equals(block + ".down_proj")).findFirst()
            .orElseThrow().keptInputs;
        assertArrayEquals(kept, l.keptOutputs, l.entry.name);
      }
    }
  }
}
