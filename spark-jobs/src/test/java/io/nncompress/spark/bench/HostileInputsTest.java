package io.nncompress.spark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.spark.SparkTestSession;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A subset of {@code nncompress bench hostile}'s bad inputs, each run through Main.run: every one
 * ends clear (exit 2, one line naming the file, key or layer).
 */
class HostileInputsTest {
  @TempDir
  Path dir;

  static final Set<String> SUBSET = Set.of("unknown lnr key", "tolerance not a number", "YAML syntax error",
      "stage plan kmeans(0)", "weights file missing", "weights path a directory", "NaN weight", "empty calibration dataset", "calibration dataset a safetensors file", "files of different vector lengths",
      "label out of range, run", "bigint label beyond int, run", "output parent is a file", "--strategy typo", "autocorr NaN in a later file",
      "autocorr missing column", "generate-example --dim 0");

  @Test
  void aSubsetOfTheBadInputsIsClear() throws Exception {
    io.nncompress.linalg.Blas.blas(); // its one-time warning about this machine's OPENBLAS_CORETYPE, said here
    HostileInputs h = new HostileInputs(SparkTestSession.get(), dir).setUp();
    List<HostileInputs.Case> all = h.cases();
    assertTrue(all.size() >= 30, "at least 30 bad inputs: " + all.size());
    Map<String, HostileInputs.Case> byName = all.stream()
        .collect(Collectors.toMap(HostileInputs.Case::name, Function.identity()));
    assertTrue(byName.keySet().containsAll(SUBSET), byName.keySet().toString());
    for (String name : SUBSET) {
      HostileInputs.Result r = HostileInputs.run(byName.get(name));
      assertEquals(HostileInputs.Verdict.CLEAR, r.verdict(), () -> name + ": exit " + r.code() + ", stderr:\n" + r.err());
      assertTrue(r.err().startsWith("nncompress: error: ") && r.err().contains(r.c().names()), r.err());
    }
  }

  @Test
  void classification() {
    assertEquals(HostileInputs.Verdict.SILENT, HostileInputs.classify(0, "", "x"));
    assertEquals(HostileInputs.Verdict.CRASHED, HostileInputs.classify(1, "nncompress: failed: boom\n", "x"));
    assertEquals(HostileInputs.Verdict.CRASHED, HostileInputs.classify(2, "nncompress: error: x\n\tat a.b(C.java)\n",
        "x"));
    assertEquals(HostileInputs.Verdict.UNCLEAR, HostileInputs.classify(2, "WARN y\nnncompress: error: x\n", "x"));
    assertEquals(HostileInputs.Verdict.UNCLEAR, HostileInputs.classify(2, "nncompress: error: bad\n", "key k"));
    assertEquals(HostileInputs.Verdict.CLEAR, HostileInputs.classify(2, "nncompress: error: bad key k\n", "key k"));
  }
}
