package io.nncompress.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The phase timer lists every kind of phase with its strategy, whether progress is shown or not. */
class PhaseTimerTest {
  // what the demo opens: a compression per strategy (statistics and solves inside LNR, stages with
  // their evaluations), a write per strategy, and phases of no strategy
  private static void demoLikePhases() {
    try (Phase p = Progress.phase("data").start()) {
      // nothing
    }
    for (String s : List.of("parallel", "top-down")) {
      try (Phase c = Progress.phase("compress").strategy(s).start()) {
        try (Phase l = Progress.phase("lnr").strategy(s).start()) {
          try (Phase st = Progress.phase("statistics").start()) {
            // nothing
          }
          for (String layer : List.of("fc1", "fc2")) {
            try (Phase v = Progress.phase("solve").layer(layer).start()) {
              // nothing
            }
          }
        }
        try (Phase e = Progress.phase("evaluation").start()) {
          // nothing
        }
        for (String stage : List.of("kmeans(4)", "huffman")) {
          try (Phase st = Progress.phase("stage").stage(stage).start()) {
            try (Phase e = Progress.phase("evaluation").start()) {
              // nothing
            }
          }
        }
      }
      try (Phase w = Progress.phase("write").strategy(s).start()) {
        // nothing
      }
    }
  }

  private static final List<String> LABELS = List.of("data", "statistics", "solve fc1", "solve fc2", "lnr",
      "evaluation", "evaluation kmeans(4)", "stage kmeans(4)", "evaluation huffman", "stage huffman", "compress",
      "write");

  private static void check(PhaseTimer t) {
    List<String> labels = new ArrayList<>();
    for (PhaseTimer.Row r : t.rows()) {
      labels.add(r.label);
    }
    assertEquals(LABELS, labels); // in the order they first ended
    for (PhaseTimer.Row r : t.rows()) {
      if (r.label.equals("data")) {
        assertEquals(1, r.count(""));
        assertEquals(0, r.count("parallel"));
      } else {
        // the strategy of the enclosing compress or write phase, once per strategy
        assertEquals(1, r.count("parallel"), r.label);
        assertEquals(1, r.count("top-down"), r.label);
        assertEquals(0, r.count(""), r.label);
      }
    }
    String table = t.table();
    String[] lines = table.split("\n");
    assertEquals(LABELS.size() + 3, lines.length, table); // header, rows, outside phases, total
    assertTrue(lines[0].startsWith("phase (own wall s)") && lines[0].contains("no strategy")
        && lines[0].indexOf("parallel") < lines[0].indexOf("top-down") && lines[0].contains("runs"), lines[0]);
    for (int i = 0; i < LABELS.size(); i++) {
      assertTrue(lines[i + 1].startsWith(LABELS.get(i) + " "), lines[i + 1]);
      assertEquals(LABELS.get(i).equals("data") ? "1" : "2", lines[i + 1].trim().replaceAll(".* ", ""), lines[i + 1]);
    }
    assertTrue(lines[0 + 1].contains(" - "), lines[1]); // data: no parallel column value
    assertTrue(lines[LABELS.size() + 1].startsWith("outside phases "), table);
    assertTrue(lines[LABELS.size() + 2].startsWith("total "), table);
    assertTrue(lines[LABELS.size() + 2].matches("total +\\d+\\.\\d"), lines[LABELS.size() + 2]);
  }

  @Test
  void listsEveryPhaseWithProgressOff() {
    ProgressSink before = Progress.install(null);
    PhaseTimer t = PhaseTimer.install();
    try {
      demoLikePhases();
    } finally {
      t.uninstall();
      Progress.install(before);
    }
    check(t);
  }

  @Test
  void listsEveryPhaseWithProgressShown() {
    PhaseTimer t;
    try (CapturedEvents events = new CapturedEvents(0)) {
      t = PhaseTimer.install();
      try {
        demoLikePhases();
      } finally {
        t.uninstall();
      }
      assertTrue(events.text().contains("\"phase\":\"solve\""), events.text()); // progress still reported
    }
    check(t);
  }

  @Test
  void uninstalledTimerRecordsNothingMore() {
    PhaseTimer t = PhaseTimer.install();
    t.uninstall();
    try (Phase p = Progress.phase("data").start()) {
      // nothing
    }
    assertEquals(0, t.rows().size());
  }
}
