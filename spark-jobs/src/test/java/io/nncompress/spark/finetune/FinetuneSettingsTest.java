package io.nncompress.spark.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.nncompress.spark.autocorr.BadInputException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** finetune.lnr and finetune.kmeans: each place's own epochs and learning rate. */
class FinetuneSettingsTest {
  private static FinetuneSettings parse(String yaml) throws Exception {
    JsonNode n = new ObjectMapper(new YAMLFactory()).readTree(yaml);
    return FinetuneSettings.parse("job.yaml", n);
  }

  @Test
  void eachPlaceHasItsOwnEpochsAndLearningRateElseTheSectionsOwn() throws Exception {
    FinetuneSettings s = parse("{epochs: 3, learning_rate: 2.0e-4, batch_size: 128, seed: 7, after: [lnr, kmeans], "
        + "distill: {temperature: 2, alpha: 0.3}, lnr: {epochs: 6, learning_rate: 1.0e-3}, kmeans: {epochs: 1}}");
    FinetuneSettings lnr = s.at("lnr");
    assertEquals(6, lnr.epochs);
    assertEquals(1e-3, lnr.learningRate);
    FinetuneSettings km = s.at("kmeans");
    assertEquals(1, km.epochs);
    assertEquals(2e-4, km.learningRate);
    for (FinetuneSettings p : List.of(lnr, km)) {
      assertEquals(128, p.batchSize);
      assertEquals(7, p.seed);
      assertEquals(2.0, p.distill.temperature);
      assertEquals(0.3, p.distill.alpha);
      assertEquals(List.of("lnr", "kmeans"), p.after);
    }
    // the checkpoint key (toString) of the section names the places' own settings; a place's doesn't repeat them
    assertEquals("epochs=3, batch_size=128, learning_rate=2.0E-4, seed=7, distill={temperature=2.0, alpha=0.3}, "
        + "kmeans={epochs=1}, lnr={epochs=6, learning_rate=0.001}", s.toString());
    assertEquals("epochs=6, batch_size=128, learning_rate=0.001, seed=7, distill={temperature=2.0, alpha=0.3}",
        lnr.toString());
    FinetuneSettings plain = parse("{epochs: 2, learning_rate: 5.0e-4}");
    assertEquals(2, plain.at("lnr").epochs);
    assertEquals(5e-4, plain.at("kmeans").learningRate);
  }

  @Test
  void badPlaceSettingsNameTheKey() {
    BadInputException e = assertThrows(BadInputException.class, () -> parse("{after: [lnr, kmeans], lnr: {epoch: 2}}"));
    assertEquals("Config job.yaml: unknown key 'finetune.lnr.epoch'; allowed here: [epochs, learning_rate]",
        e.getMessage());
    e = assertThrows(BadInputException.class, () -> parse("{after: [lnr, kmeans], kmeans: {learning_rate: 0}}"));
    assertEquals("Config job.yaml, key finetune.kmeans.learning_rate: must be a number in (0, 10], cannot be: 0",
        e.getMessage());
    e = assertThrows(BadInputException.class, () -> parse("{after: [lnr, kmeans], lnr: {epochs: 0}}"));
    assertEquals("Config job.yaml, key finetune.lnr.epochs: must be an integer in 1..100000, cannot be: 0",
        e.getMessage());
    e = assertThrows(BadInputException.class, () -> parse("{after: [lnr, kmeans], lnr: 5}"));
    assertEquals("Config job.yaml, key finetune.lnr: must be a mapping of [epochs, learning_rate], cannot be: 5",
        e.getMessage());
    e = assertThrows(BadInputException.class, () -> parse("{kmeans: {epochs: 2}}"));
    assertTrue(e.getMessage().contains("key finetune.kmeans: fine-tuning does not run after kmeans (finetune.after "
        + "is [lnr])"), e.getMessage());
  }

  @Test
  void finalEpochsAreTheLastRoundOfPruningsEveryEarlierRoundTrainsThePlacesEpochs() throws Exception {
    FinetuneSettings s = parse("{epochs: 3, after: [lnr, prune], lnr: {epochs: 5}, "
        + "prune: {epochs: 2, rounds: 6, final_epochs: 7}}");
    assertEquals(2, s.at("prune", "prune_round1").epochs);
    assertEquals(2, s.at("prune", "prune_round5").epochs);
    assertEquals(7, s.at("prune", "prune").epochs, "the last round, at the plans' own sparsity");
    assertEquals(5, s.at("lnr", "lnr").epochs);
    assertEquals("epochs=3, batch_size=256, learning_rate=1.0E-4, seed=1, lnr={epochs=5}, "
        + "prune={epochs=2, rounds=6, final_epochs=7}", s.toString());
    FinetuneSettings plain = parse("{epochs: 3, after: [prune], prune: {rounds: 2}}");
    assertEquals(3, plain.at("prune", "prune").epochs, "without final_epochs the last round trains as every round");
  }
}
