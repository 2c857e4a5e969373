package io.nncompress.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Issue 18, item 1: the load the solver grid prints. */
class SolverGridTest {
  @Test
  void theLoadIsReadFromProcLoadavg() throws Exception {
    java.nio.file.Path p = java.nio.file.Path.of("/proc/loadavg");
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(p), "no /proc/loadavg here");
    String[] fields = SolverGrid.loadAverages().split(" ");
    assertEquals(3, fields.length);
    for (String f : fields) {
      assertTrue(Double.parseDouble(f) >= 0, f);
    }
  }
}
