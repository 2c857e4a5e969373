package io.nncompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nncompress.codec.lowrank.RankBudget;
import io.nncompress.codec.lowrank.RankSelector;
import io.nncompress.codec.lowrank.Spectrum;
import io.nncompress.codec.lowrank.TruncatedSvd;
import io.nncompress.compress.StagePlan;
import io.nncompress.linalg.DenseMatrix;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The demo's codec table puts every budgeted plan at the group's budget. */
class DemoCodecTableTest {
  @Test
  void budgetTokensBecomeTheBitsAndTheErrorBoundThatFit() {
    // 4 x 4 with singular values 4, 3, 2, 1: relative errors 14/30, 5/30, 1/30; rank 1 is stored in 48 bytes,
    // every other rank as float32 (76 bytes)
    DenseMatrix w = DenseMatrix.fromRows(new double[][] {{0, 3, 0, 0}, {4, 0, 0, 0}, {0, 0, 0, 1}, {0, 0, 2, 0}});
    Spectrum s = TruncatedSvd.factor(w, RankSelector.fixed(1)).spectrum;
    Map<String, List<Spectrum>> spectra = Map.of("svd", List.of(s), "svd_aware", List.of(s));
    assertEquals("hashed(bits=3.51)", DemoCommand.atBudget("hashed(bits={B})", 3.5197, 50, spectra));
    // pq of the 4 x 4 layer, one block of 4: 28 + 16 k + 1 bytes (4 codes of at most 2 bits)
    assertEquals("pq(4,1)", DemoCommand.atBudget("pq(4,{K})", 3.5, 60, spectra));
    assertEquals("pq(4,2)", DemoCommand.atBudget("pq(4,{K})", 3.5, 61, spectra));
    assertEquals("pq(4,4)", DemoCommand.atBudget("pq(4,{K})", 3.5, 10000, spectra)); // at most its 4 rows
    // rq in 2 stages: 28 + 32 k + 1 (k = 1: 61 bytes, k = 2: 93)
    assertEquals("rq(4,1,2)", DemoCommand.atBudget("rq(4,{K},2)", 3.5, 92, spectra));
    assertEquals("svd(error=0.4667)", DemoCommand.atBudget("svd(error={E})", 3.5, 50, spectra));
    assertEquals(0.4667, RankBudget.errorWithin(List.of(s), 50), 0.0);
    assertEquals("svd_aware(error=0) -> kmeans(4)", DemoCommand.atBudget("svd_aware(error={2E}) -> kmeans(4)", 3.5,
        50, spectra)); // 100 bytes hold the whole matrix
    for (String p : DemoCommand.CODEC_GROUPS.get(0)) {
      StagePlan.parse(DemoCommand.atBudget(p, 3.5, 50, spectra)); // every plan of the table parses
    }
  }
}
