package io.nncompress.spark.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The README's config reference names every key the config parser accepts. */
class ReadmeConfigKeysTest {
  @Test
  void readmeDocumentsEveryConfigKey() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    List<String> missing = new ArrayList<>();
    for (String k : CompressionConfig.TOP) {
      if (!readme.contains("`" + k)) {
        missing.add(k);
      }
    }
    Map<String, Set<String>> sections = Map.of("model.", CompressionConfig.MODEL, "data.", CompressionConfig.DATA,
        "lnr.", CompressionConfig.LNR, "stages.", CompressionConfig.STAGES,
        "finetune.", io.nncompress.spark.finetune.FinetuneSettings.KEYS);
    for (Map.Entry<String, Set<String>> s : sections.entrySet()) {
      for (String k : s.getValue()) {
        if (!readme.contains("`" + s.getKey() + k)) {
          missing.add(s.getKey() + k);
        }
      }
    }
    // the layer map's entries, data.activations' entries and the targets appear as YAML keys
    for (Set<String> inner : List.of(CompressionConfig.MAPPED, CompressionConfig.ACTIVATION, CompressionConfig.TARGET,
        io.nncompress.spark.finetune.FinetuneSettings.DISTILL)) {
      for (String k : inner) {
        if (!readme.contains(k + ":") && !readme.contains("`" + k + "`") && !readme.contains("{" + k)) {
          missing.add(k);
        }
      }
    }
    assertEquals(new TreeSet<String>(), new TreeSet<>(missing), "config keys missing from README.md");
  }
}
