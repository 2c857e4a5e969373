package io.nncompress.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.lnr.LambdaSearch;
import io.nncompress.progress.CapturedEvents;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The phases LNR of a whole network reports: one per layer, in the strategy's order, with results. */
class LnrCompressorProgressTest {
  @Test
  void bottomUpReportsEveryLayerFromTheLastWithItsResult() {
    LnrCompressor.Result r;
    List<JsonNode> ev;
    try (CapturedEvents c = new CapturedEvents(1.0)) {
      r = new LnrCompressor(ChainingStrategy.BOTTOM_UP, name -> name.equals("fc1") ? LambdaSearch.Target.keepCount(9)
          : LambdaSearch.Target.keepCount(6), GroupLassoSolver.defaults())
          .compress(LnrCompressorTest.mlp(1), new InMemoryStatistics(LnrCompressorTest.data(500, 2), 128));
      ev = c.events();
    }
    List<JsonNode> starts = ev.stream().filter(n -> n.get("event").asText().equals("phase_start")
        && n.get("phase").asText().equals("solve")).toList();
    List<JsonNode> ends = ev.stream().filter(n -> n.get("event").asText().equals("phase_end")
        && n.get("phase").asText().equals("solve")).toList();
    assertEquals(List.of("fc3", "fc2", "fc1"), starts.stream().map(n -> n.get("layer").asText()).toList());
    assertEquals(List.of("fc3", "fc2", "fc1"), ends.stream().map(n -> n.get("layer").asText()).toList());
    int[] inputs = {12, 10, 8};
    for (int k = 0; k < 3; k++) {
      JsonNode s = starts.get(k);
      assertEquals(k, s.get("done").asInt());
      assertEquals(3, s.get("total").asInt());
      assertEquals("bottom-up", s.get("strategy").asText());
      assertEquals(k > 0, s.has("eta_s"), "time left known once a layer is done: " + s);
      LayerReport rep = r.layers.get(2 - k);
      assertEquals(rep.inputsAfter + " of " + inputs[2 - k] + " inputs kept, relative error "
          + String.format(java.util.Locale.ROOT, "%.4g", rep.relativeErrorDebiased), ends.get(k).get("message").asText());
      assertEquals(k + 1, ends.get(k).get("done").asInt());
    }
    // the lnr phase around them, and solver events inside the layers
    assertEquals("lnr", ev.get(0).get("phase").asText());
    assertEquals("phase_end", ev.get(ev.size() - 1).get("event").asText());
    assertEquals("lnr", ev.get(ev.size() - 1).get("phase").asText());
    List<JsonNode> solver = ev.stream().filter(n -> n.get("event").asText().equals("solver")).toList();
    assertFalse(solver.isEmpty());
    for (JsonNode n : solver) {
      assertEquals("solve", n.get("phase").asText());
      assertTrue(n.has("layer") && n.has("objective") && n.has("kkt") && n.has("iteration"), n.toString());
    }
    for (String layer : List.of("fc1", "fc2", "fc3")) {
      assertTrue(solver.stream().anyMatch(n -> n.get("layer").asText().equals(layer)), layer);
    }
  }
}
