package io.nncompress.spark.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.stats.AutocorrelationStats;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobCheckpointsTest {
  @TempDir
  Path dir;

  /**
   * bench faults' "compress: output folder replaced by a file mid-run": the next checkpoint cannot be
   * written, and since the run could never commit, it ends there with one clean error naming the output
   * (it used to warn once per layer, compute everything else, and only then fail at the commit).
   */
  @Test
  void aCheckpointThatCannotBeWrittenBecauseTheOutputFolderIsGoneEndsTheRunNamingTheOutput() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path parent = Files.createDirectories(dir.resolve("p"));
    String out = parent.resolve("out").toString();
    JobCheckpoints cp = new JobCheckpoints(spark, out, "k");
    cp.stats(0, () -> new AutocorrelationStats[0]);
    assertTrue(Files.exists(parent.resolve(".out.work-k").resolve("stats-0.bin")));
    Files.move(parent, dir.resolve("p.moved"));
    Files.writeString(parent, "not a folder");
    BadInputException e = assertThrows(BadInputException.class, () -> cp.stats(1, () -> new AutocorrelationStats[0]));
    assertEquals("Output " + out + " could not be written: file:" + parent + " is a file, not a directory (since this "
        + "run started); nothing was written to it", e.getMessage());
  }

  /** A checkpoint that cannot be written while the output still can: a warning, the run goes on. */
  @Test
  void aCheckpointThatCannotBeWrittenWhileTheOutputCanOnlyWarns() throws Exception {
    SparkSession spark = SparkTestSession.get();
    String out = dir.resolve("out").toString();
    Files.writeString(dir.resolve(".out.work-k"), "a file where the checkpoints' folder goes");
    JobCheckpoints cp = new JobCheckpoints(spark, out, "k");
    assertEquals(0, cp.stats(0, () -> new AutocorrelationStats[0]).length);
    assertEquals(0, cp.reusedStatistics());
  }
}
