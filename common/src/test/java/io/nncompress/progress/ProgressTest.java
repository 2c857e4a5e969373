package io.nncompress.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressTest {
  @Test
  void phasesNestAndInnerEventsCarryTheOuterContext() {
    List<String> seen = new ArrayList<>();
    Progress.PhaseListener l = p -> seen.add(p == null ? "-" : p.name());
    try (CapturedEvents c = new CapturedEvents(1.0)) {
      Progress.addListener(l);
      try (Phase outer = Progress.phase("lnr").strategy("top-down").start()) {
        try (Phase inner = Progress.phase("solve").layer("fc2").step(1, 3).message("target keep 6").start()) {
          assertSame(inner, Progress.current());
          assertEquals("top-down", inner.strategy());
          assertTrue(Progress.report("spark", Edge.START, ProgressEvent.info(ProgressEvent.TASKS)
              .put(ProgressEvent.DONE, 0).put(ProgressEvent.TOTAL, 4)));
          inner.result("6 of 10 inputs kept");
        }
        assertSame(outer, Progress.current());
      }
      assertNull(Progress.current());
      List<JsonNode> ev = c.events();
      assertEquals(5, ev.size(), c.text());
      assertEquals(List.of("phase_start", "phase_start", "tasks", "phase_end", "phase_end"),
          ev.stream().map(n -> n.get("event").asText()).toList());
      JsonNode start = ev.get(1);
      assertEquals("solve", start.get("phase").asText());
      assertEquals("fc2", start.get("layer").asText());
      assertEquals("top-down", start.get("strategy").asText());
      assertEquals(1, start.get("done").asInt());
      assertEquals(3, start.get("total").asInt());
      assertEquals("target keep 6", start.get("message").asText());
      JsonNode tasks = ev.get(2);
      assertEquals("solve", tasks.get("phase").asText(), "the current phase's context");
      assertEquals("fc2", tasks.get("layer").asText());
      JsonNode end = ev.get(3);
      assertEquals(2, end.get("done").asInt(), "one more done at the end");
      assertEquals("6 of 10 inputs kept", end.get("message").asText());
      assertTrue(end.get("elapsed_s").asDouble() >= 0);
      assertFalse(ev.get(4).has("layer"), "the outer phase has no layer");
      assertEquals(List.of("lnr", "solve", "lnr", "-"), seen);
    } finally {
      Progress.removeListener(l);
    }
  }

  @Test
  void quietWritesNoProgressButStillLogsAndErrors() {
    try (CapturedEvents c = new CapturedEvents(LogFormat.JSON, false, 0.0)) {
      assertFalse(Progress.enabled());
      try (Phase p = Progress.phase("statistics").start()) {
        assertNull(Progress.current(), "no context is kept when quiet");
        assertFalse(Progress.report("spark", Edge.START, ProgressEvent.info(ProgressEvent.TASKS)));
        assertFalse(Progress.solver("fista", 1.0, 1e-6).active());
      }
      Progress.write(new ProgressEvent(0L, "ERROR", ProgressEvent.ERROR).put(ProgressEvent.MESSAGE, "bad input"));
      List<JsonNode> ev = c.events();
      assertEquals(1, ev.size(), c.text());
      assertEquals("1970-01-01T00:00:00.000Z", ev.get(0).get("ts").asText());
      assertEquals("ERROR", ev.get(0).get("level").asText());
      assertEquals("bad input", ev.get(0).get("message").asText());
    }
  }

  @Test
  void withoutASinkNothingHappens() {
    ProgressSink before = Progress.install(null);
    try {
      assertFalse(Progress.enabled());
      assertFalse(Progress.solver("bcd", 1.0, 1e-6).due(0, 1.0, false));
      try (Phase p = Progress.phase("write").start()) {
        assertNull(Progress.current());
      }
    } finally {
      Progress.install(before);
    }
  }

  @Test
  void humanLines() {
    long t = 0L;
    String clock = StreamSink.human(new ProgressEvent(t, "INFO", ProgressEvent.PHASE_END)
        .put(ProgressEvent.PHASE, "x").put(ProgressEvent.ELAPSED_S, 1.0)).substring(0, 9);
    assertTrue(clock.matches("\\d\\d:\\d\\d:\\d\\d "), clock);
    assertEquals(clock + "[solve fc1] (2/3) target keep 8, 12 inputs, ~12 s left", StreamSink.human(
        new ProgressEvent(t, "INFO", ProgressEvent.PHASE_START).put(ProgressEvent.PHASE, "solve")
            .put(ProgressEvent.LAYER, "fc1").put(ProgressEvent.DONE, 1L).put(ProgressEvent.TOTAL, 3L)
            .put(ProgressEvent.MESSAGE, "target keep 8, 12 inputs").put(ProgressEvent.ETA_S, 12.4)));
    assertEquals(clock + "[statistics] Spark stage 7 (treeReduce at X.java:3): 2/3 tasks, ~4.5 s left",
        StreamSink.human(new ProgressEvent(t, "INFO", ProgressEvent.TASKS).put(ProgressEvent.PHASE, "statistics")
            .put(ProgressEvent.SPARK_STAGE, 7).put(ProgressEvent.MESSAGE, "treeReduce at X.java:3")
            .put(ProgressEvent.DONE, 2L).put(ProgressEvent.TOTAL, 3L).put(ProgressEvent.ETA_S, 4.5)));
    // a failed stage: Spark's reason (exception classes, executors) stays out of the human line
    assertEquals(clock + "[autocorr] Spark stage 221 (treeReduce at A.java:22): 0/2 tasks, failed",
        StreamSink.human(new ProgressEvent(t, "INFO", ProgressEvent.TASKS).put(ProgressEvent.PHASE, "autocorr")
            .put(ProgressEvent.SPARK_STAGE, 221).put(ProgressEvent.MESSAGE, "treeReduce at A.java:22")
            .put(ProgressEvent.DONE, 0L).put(ProgressEvent.TOTAL, 2L).put(ProgressEvent.FAILED, "Job aborted due to "
                + "stage failure: Task 1 in stage 221.0 failed 1 times: io.nncompress.BadInputException: row 5")));
    assertEquals(clock + "[solve fc1] fista iteration 340 at lambda 0.01230: objective 1.235, KKT 3.200e-05 "
        + "(tolerance 1.000e-06), ~3 min 05 s left", StreamSink.human(new ProgressEvent(t, "INFO", ProgressEvent.SOLVER)
            .put(ProgressEvent.PHASE, "solve").put(ProgressEvent.LAYER, "fc1").put(ProgressEvent.METHOD, "fista")
            .put(ProgressEvent.ITERATION, 340).put(ProgressEvent.LAMBDA_VALUE, 0.0123)
            .put(ProgressEvent.OBJECTIVE, 1.23456).put(ProgressEvent.KKT, 3.2e-5).put(ProgressEvent.TOLERANCE, 1e-6)
            .put(ProgressEvent.ETA_S, 185.0)));
    assertEquals(clock + "[stage kmeans(4)] done in 1 h 02 min", StreamSink.human(new ProgressEvent(t, "INFO",
        ProgressEvent.PHASE_END).put(ProgressEvent.PHASE, "stage").put(ProgressEvent.STAGE, "kmeans(4)")
            .put(ProgressEvent.ELAPSED_S, 3725.0)));
    assertNull(StreamSink.human(new ProgressEvent(t, "INFO", ProgressEvent.END)));
  }

  @Test
  void jsonLineHasStableNamesAndLeavesOutWhatDoesNotApply() {
    String line = StreamSink.json(new ProgressEvent(1_700_000_000_123L, "INFO", ProgressEvent.SOLVER)
        .put(ProgressEvent.PHASE, "solve").put(ProgressEvent.ITERATION, 3).put(ProgressEvent.OBJECTIVE, 0.5)
        .put(ProgressEvent.ETA_S, Double.NaN).put(ProgressEvent.LAYER, null));
    assertEquals("{\"ts\":\"2023-11-14T22:13:20.123Z\",\"level\":\"INFO\",\"event\":\"solver\",\"phase\":\"solve\","
        + "\"iteration\":3,\"objective\":0.5}", line);
  }
}
