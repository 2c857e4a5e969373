package io.nncompress.spark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.spark.SparkTestSession;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A subset of {@code nncompress bench faults}, through the same code: real CLI processes SIGKILLed while
 * autocorr commits, after compress's statistics checkpoint and after the first epoch of a fine-tuning's, and
 * two autocorr runs writing the same
 * output at once. Each must survive: the rerun succeeds (compress resuming from its checkpoints) with an
 * output byte for byte the undisturbed run's, nothing incomplete ever visible at the output path, the
 * loser of the two runs exits 2 with one clean line.
 */
class FaultInjectionTest {
  @TempDir
  Path dir;

  static final List<String> SUBSET = List.of("autocorr killed while it writes its output",
      "compress killed after its statistics checkpoint", "autocorr: two runs write the same output at once",
      FaultInjection.FINETUNE_KILLED);

  @Test
  void aSubsetOfTheFaultsIsSurvived() throws Exception {
    assertTrue(FaultInjection.names().containsAll(SUBSET), FaultInjection.names().toString());
    assertEquals(14, FaultInjection.names().size(), FaultInjection.names().toString());
    FaultInjection f = new FaultInjection(SparkTestSession.get(), dir, 1000).setUp();
    ByteArrayOutputStream table = new ByteArrayOutputStream();
    List<FaultInjection.Result> rs = f.runAll(new PrintStream(table, true, StandardCharsets.UTF_8), SUBSET, 4);
    String printed = table.toString(StandardCharsets.UTF_8);
    for (FaultInjection.Result r : rs) {
      assertEquals(FaultInjection.Verdict.SURVIVED, r.verdict(), () -> r.name() + ": " + r.detail());
    }
    assertTrue(rs.get(1).detail().contains("resumed from the checkpoints"), rs.get(1).detail());
    assertTrue(rs.get(2).detail().contains("exits 0 and 2") || rs.get(2).detail().contains("exits 2 and 0"),
        rs.get(2).detail());
    // the fine-tuning's rerun takes the statistics from their checkpoint and trains epochs 2 and 3 only
    assertTrue(rs.get(3).detail().startsWith("SIGKILL after its first epoch's checkpoint; rerun exit 0, resumed from "
        + "the checkpoints and after epoch 1"), rs.get(3).detail());
    assertTrue(printed.endsWith("faults tried 4 / survived 4 / lost data 0 / unclear 0" + System.lineSeparator()),
        printed);
  }

  @Test
  void snapshotsLeaveOutSparksJobIdAndCompareBytes() throws Exception {
    Path a = Files.createDirectories(dir.resolve("a/layers"));
    Files.writeString(a.resolve("part-00000-1b2c3d4e-0000-1111-2222-333344445555-c000.snappy.parquet"), "x");
    Path b = Files.createDirectories(dir.resolve("b/layers"));
    Files.writeString(b.resolve("part-00000-99999999-aaaa-bbbb-cccc-dddddddddddd-c000.snappy.parquet"), "x");
    Map<String, String> sa = OutputSnapshot.of(dir.resolve("a"));
    assertEquals(List.of("/", "layers/", "layers/part-00000-c000.snappy.parquet"), List.copyOf(sa.keySet()));
    assertEquals(null, OutputSnapshot.difference(sa, OutputSnapshot.of(dir.resolve("b"))));
    Files.writeString(b.resolve("part-00000-99999999-aaaa-bbbb-cccc-dddddddddddd-c000.snappy.parquet"), "y");
    assertEquals("different bytes in layers/part-00000-c000.snappy.parquet",
        OutputSnapshot.difference(sa, OutputSnapshot.of(dir.resolve("b"))));
    assertEquals("the output is missing", OutputSnapshot.difference(sa, OutputSnapshot.of(dir.resolve("c"))));
  }

  @Test
  void theMachinesBlasNoticeIsNotCountedAgainstAFault() {
    String err = "22:03:36 WARN Blas: OPENBLAS_CORETYPE=Haswell is set, but this CPU supports SkylakeX\n"
        + "nncompress: error: Output /o was written by another run while this one ran\n";
    assertEquals(HostileInputs.Verdict.UNCLEAR, HostileInputs.classify(2, err, "/o"));
    assertEquals(HostileInputs.Verdict.CLEAR, HostileInputs.classify(2, FaultOutputs.withoutMachineNotice(err), "/o"));
  }

  /** compress's metrics.json compares without its wall-clock seconds and passes; report.html by presence. */
  @Test
  void metricsCompareWithoutTheRunsTimingsAndPasses() throws Exception {
    Path a = Files.createDirectories(dir.resolve("ma"));
    Path b = Files.createDirectories(dir.resolve("mb"));
    Files.writeString(a.resolve("metrics.json"), "{\"seconds\":12.5,\"passes_over_data\":3,\"timings\":{\"total\":12.5},"
        + "\"end_to_end\":{\"accuracy_after\":0.75,\"layers\":[{\"seconds\":1}]}}");
    Files.writeString(b.resolve("metrics.json"), "{\"seconds\":99.0,\"passes_over_data\":1,\"timings\":{\"total\":99.0},"
        + "\"end_to_end\":{\"accuracy_after\":0.75,\"layers\":[{\"seconds\":7}]}}");
    Files.writeString(a.resolve("report.html"), "<p>12.5 s</p>");
    Files.writeString(b.resolve("report.html"), "<p>99.0 s</p>");
    assertEquals(null, OutputSnapshot.difference(OutputSnapshot.of(a), OutputSnapshot.of(b)));
    Files.writeString(b.resolve("metrics.json"), "{\"seconds\":99.0,\"end_to_end\":{\"accuracy_after\":0.74}}");
    assertEquals("different bytes in metrics.json", OutputSnapshot.difference(OutputSnapshot.of(a), OutputSnapshot.of(b)));
  }
}
