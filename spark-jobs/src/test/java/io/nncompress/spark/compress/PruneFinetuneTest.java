package io.nncompress.spark.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nncompress.compress.StagePlan;
import org.junit.jupiter.api.Test;

/** The prune stage of each round of iterative pruning (finetune.prune.rounds). */
class PruneFinetuneTest {
  private static String round(String plan, int r, int rounds) {
    return PruneFinetune.roundPlan(StagePlan.parse(plan), r, rounds).toString();
  }

  @Test
  void roundsPruneToGeometricDensitiesEndingAtThePlansOwnPrune() {
    // density 0.25 in 2 rounds: 0.5 then 0.25; in 3 rounds: 0.25^(1/3) = 0.629961, 0.25^(2/3) = 0.396850, 0.25
    assertEquals("prune(0.500000)", round("prune(0.75) -> kmeans(4) -> huffman", 1, 2));
    assertEquals("prune(0.75)", round("prune(0.75) -> kmeans(4) -> huffman", 2, 2));
    assertEquals("prune(0.370039)", round("prune(0.75)", 1, 3));
    assertEquals("prune(0.603150)", round("prune(0.75)", 2, 3));
    assertEquals("prune(0.75)", round("prune(0.75)", 1, 1));
    assertEquals("prune_obd(0.500000)", round("prune_obd(0.75) -> kmeans(4)", 1, 2));
  }

  @Test
  void aDataAwareKmeansMakesEveryRoundPruneBySaliencyAsTheWholePlanWould() {
    assertEquals("prune_obd(0.500000)", round("prune(0.75) -> kmeans_aware(4) -> huffman", 1, 2));
    assertEquals("prune_obd(0.75)", round("prune(0.75) -> kmeans_aware(4) -> huffman", 2, 2));
  }
}
