package io.nncompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.progress.LogFormat;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.progress.SparkProgress;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * The command's error line and the log file. A job fails on bad input in one task while another task of its stage still runs: Spark fails the
 * job at once and kills the other task afterwards, which then logs a multi-line "Lost task ...
 * TaskKilled" warning. The command's error line must be the last thing it prints: the warning goes
 * to the log file, not to the console after the line (it did, with {@code compress -q}, when a
 * layer's stage failed while the other layers' tasks ran).
 */
class KilledTasksOutputTest {
  static final Pattern LOG_FILE = Pattern.compile("see (\\S+\\.log)\\)$");

  @Test
  void theKilledTasksWarningsGoToTheLogFileBeforeTheErrorLine() throws Exception {
    SparkContext sc = SparkTestSession.get().sparkContext();
    SparkProgress tasks = SparkProgress.attach(sc); // as SparkRuntime.session does for the command line
    assertTrue(tasks.awaitNoRunningTasks(10_000), "no task of an earlier test runs");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    int code;
    int runningAfter;
    try (CliOutput out = CliOutput.open(LogFormat.HUMAN, true, false, 2.0, errStream, "killed-tasks-test")) {
      Exception failure = assertThrows(Exception.class, () -> new JavaSparkContext(sc)
          .parallelize(List.of(0, 1), 2).foreach(KilledTasksOutputTest::task));
      code = out.failure(failure);
      tasks.drain(10_000); // every start and end posted so far, delivered
      runningAfter = tasks.runningTasks();
    }
    assertEquals(2, code);
    assertEquals(0, runningAfter, "the killed task has ended when the command reports its failure");
    List<String> lines = err.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(1, lines.size(), "one line:\n" + err);
    assertTrue(lines.get(0).startsWith("nncompress: error: partition 0 is bad"), lines.get(0));
    Matcher m = LOG_FILE.matcher(lines.get(0));
    assertTrue(m.find(), lines.get(0));
    String log = Files.readString(Path.of(m.group(1)));
    assertTrue(log.contains("TaskKilled"), "the killed task's warning is in the log file:\n" + log);
  }

  /**
   * With {@code --quiet} a library's one-line warning goes to the log file too; an error line names
   * that file only when it holds a failure's details (an error or a stack trace), not for those
   * warnings alone (a config error used to send the user to a file holding only netlib's
   * "Failed to load implementation from: VectorBLAS").
   */
  @Test
  void theErrorLineNamesTheLogFileOnlyWhenItHoldsAFailure() throws Exception {
    assertTrue(SparkProgress.attach(SparkTestSession.get().sparkContext()).awaitNoRunningTasks(10_000),
        "no task of an earlier test runs (and logs into this test's file)");
    org.apache.logging.log4j.Logger lib = org.apache.logging.log4j.LogManager.getLogger("org.example.Library");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (CliOutput out = CliOutput.open(LogFormat.HUMAN, true, false, 2.0, new PrintStream(err, true,
        StandardCharsets.UTF_8), "log-note-test")) {
      lib.warn("a one-line warning of a library");
      out.failure(new BadInputException("Config x.yaml, key lnr.layers.fc7: no weighted layer 'fc7'"));
    }
    assertEquals("nncompress: error: Config x.yaml, key lnr.layers.fc7: no weighted layer 'fc7'\n",
        err.toString(StandardCharsets.UTF_8).replace("\r", ""));

    err.reset();
    try (CliOutput out = CliOutput.open(LogFormat.HUMAN, true, false, 2.0, new PrintStream(err, true,
        StandardCharsets.UTF_8), "log-note-test")) {
      lib.warn("a one-line warning of a library");
      lib.error("a task failed", new IllegalStateException("in the task"));
      out.failure(new BadInputException("Dataset d: bad row"));
    }
    String line = err.toString(StandardCharsets.UTF_8).trim();
    Matcher m = LOG_FILE.matcher(line);
    assertTrue(line.startsWith("nncompress: error: Dataset d: bad row (Spark's log and stack traces: see ")
        && m.find(), line);
    String log = Files.readString(Path.of(m.group(1)));
    assertTrue(log.contains("a one-line warning of a library") && log.contains("in the task"), log);
  }

  // partition 0 fails once both run; partition 1 runs until it is killed, and takes 1 s to end
  // (waits that an interrupted thread does not cut short)
  static void task(int partition) {
    TaskContext ctx = TaskContext.get();
    if (partition == 0) {
      spin(300);
      throw new BadInputException("partition 0 is bad");
    }
    long end = System.nanoTime() + 60_000_000_000L;
    while (!ctx.isInterrupted() && System.nanoTime() < end) {
      java.util.concurrent.locks.LockSupport.parkNanos(10_000_000L);
    }
    spin(1000);
    ctx.killTaskIfInterrupted();
  }

  static void spin(long millis) {
    long end = System.nanoTime() + millis * 1_000_000L;
    while (System.nanoTime() < end) {
      java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
    }
  }
}
