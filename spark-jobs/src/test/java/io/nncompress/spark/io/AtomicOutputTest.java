package io.nncompress.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.autocorr.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicOutputTest {
  @TempDir
  Path dir;

  // writes two files naming the writer, then waits until the other writer has written too
  static AtomicOutput.Body body(String who, CountDownLatch bothWritten) {
    return tmp -> {
      Path t = Path.of(new org.apache.hadoop.fs.Path(tmp).toUri().getPath());
      Files.createDirectories(t);
      Files.writeString(t.resolve("a.txt"), who);
      Files.writeString(t.resolve("b.txt"), who);
      bothWritten.countDown();
      try {
        if (!bothWritten.await(60, TimeUnit.SECONDS)) {
          throw new IOException("the other writer never wrote");
        }
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
    };
  }

  @Test
  void twoRunsCommittingTheSameOutputAtOnceOneFailsWithExitTwo() throws Exception {
    SparkSession spark = SparkTestSession.get();
    String out = dir.resolve("out").toString();
    CountDownLatch latch = new CountDownLatch(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<?>> runs = new ArrayList<>();
    for (String who : List.of("first", "second")) {
      runs.add(pool.submit(() -> AtomicOutput.commit(spark, out, false, body(who, latch))));
    }
    List<Throwable> failures = new ArrayList<>();
    for (Future<?> f : runs) {
      try {
        f.get(120, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException e) {
        failures.add(e.getCause());
      }
    }
    pool.shutdown();
    assertEquals(1, failures.size(), "exactly one of the two commits fails: " + failures);
    assertTrue(failures.get(0) instanceof BadInputException, failures.get(0).toString());
    assertEquals("Output " + out + " was written by another run while this one ran; pass --overwrite to replace it",
        failures.get(0).getMessage());
    // the survivor is whole: both files from the same writer, and nothing else left beside it
    String a = Files.readString(Path.of(out, "a.txt"), StandardCharsets.UTF_8);
    assertEquals(a, Files.readString(Path.of(out, "b.txt"), StandardCharsets.UTF_8));
    assertTrue(a.equals("first") || a.equals("second"), a);
    try (Stream<Path> s = Files.list(Path.of(out))) {
      assertEquals(List.of("a.txt", "b.txt"), s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("."))
          .sorted().toList());
    }
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of("out"), s.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void outputsThatCannotBeCreatedAreRefusedBeforeAnyWork() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path file = Files.writeString(dir.resolve("plain.txt"), "x");
    BadInputException e = assertThrows(BadInputException.class,
        () -> AtomicOutput.checkWritable(spark, file.resolve("sub/out").toString(), false));
    assertEquals("Output " + file.resolve("sub/out") + " cannot be created: file:" + file + " is a file, not a "
        + "directory", e.getMessage());
    e = assertThrows(BadInputException.class, () -> AtomicOutput.checkWritable(spark, "/proc/nncompress/out", false));
    assertTrue(e.getMessage().startsWith("Output /proc/nncompress/out cannot be created: a directory cannot be made "
        + "in file:/proc"), e.getMessage());
    e = assertThrows(BadInputException.class,
        () -> AtomicOutput.checkWritable(spark, dir.resolve("a:b").toString(), false));
    assertTrue(e.getMessage().startsWith("Output " + dir.resolve("a:b") + " is not a valid path"), e.getMessage());
    // a fine output leaves nothing behind
    AtomicOutput.checkWritable(spark, dir.resolve("new/deeper/out").toString(), false);
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of("plain.txt"), s.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void outputsThatAreContainOrLieInsideAnInputAreRefused() {
    SparkSession spark = SparkTestSession.get();
    String data = dir.resolve("data").toString();
    Map<String, String> in = Map.of(data, "dataset");
    assertEquals("Output " + data + " is the input dataset " + data + ": writing it would replace the input; choose "
        + "another output", assertThrows(BadInputException.class,
            () -> AtomicOutput.checkNotInput(spark, data, in)).getMessage());
    assertTrue(assertThrows(BadInputException.class, () -> AtomicOutput.checkNotInput(spark, data + "/stats", in))
        .getMessage().startsWith("Output " + data + "/stats is inside the input dataset " + data));
    assertTrue(assertThrows(BadInputException.class, () -> AtomicOutput.checkNotInput(spark, dir.toString(), in))
        .getMessage().startsWith("Output " + dir + " contains the input dataset " + data));
    assertTrue(assertThrows(BadInputException.class,
        () -> AtomicOutput.checkNotInput(spark, "file://" + data + "/", in)).getMessage().contains(" is the input "));
    AtomicOutput.checkNotInput(spark, data + "2", in); // a common prefix is not containment
  }

  @Test
  void aFailingBodyLeavesNothingAndKeepsTheEarlierOutput() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path out = Files.createDirectories(dir.resolve("out"));
    Files.writeString(out.resolve("old.txt"), "old");
    IOException e = assertThrows(IOException.class, () -> {
      try {
        AtomicOutput.commit(spark, out.toString(), true, tmp -> {
          Path t = Files.createDirectories(Path.of(new org.apache.hadoop.fs.Path(tmp).toUri().getPath(), "_temporary"));
          Files.writeString(t.resolve("half.txt"), "half");
          throw new IOException("disk full");
        });
      } catch (java.io.UncheckedIOException u) {
        throw u.getCause();
      }
    });
    assertEquals("disk full", e.getMessage());
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of("out"), s.map(p -> p.getFileName().toString()).toList());
    }
    assertEquals("old", Files.readString(out.resolve("old.txt")));
  }

  /**
   * The output's folder replaced by a file while the run writes (bench faults' "output folder replaced by
   * a file mid-run"): bad input naming the output and the file (exit 2), not an I/O crash.
   */
  @Test
  void anOutputFolderThatStopsBeingWritableMidWriteIsBadInputNamingIt() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path parent = Files.createDirectories(dir.resolve("p"));
    String out = parent.resolve("out").toString();
    BadInputException e = assertThrows(BadInputException.class, () -> AtomicOutput.commit(spark, out, false, tmp -> {
      Files.move(parent, dir.resolve("p.moved"));
      Files.writeString(parent, "not a folder");
      throw new IOException("Mkdirs failed to create " + tmp + "/layers/_temporary");
    }));
    assertEquals("Output " + out + " could not be written: file:" + parent + " is a file, not a directory (since this "
        + "run started); nothing was written to it", e.getMessage());
    assertEquals("Mkdirs failed to create", e.getCause().getMessage().substring(0, 23));
  }

  /**
   * The same when the write that fails is a Spark task's (the job aborted: Spark's SparkException, a checked
   * exception no Java signature declares): bench faults' autocorr run exited 1 with Spark's trace.
   */
  @Test
  void aSparkTaskFailingInAReplacedOutputFolderIsBadInputNamingIt() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path parent = Files.createDirectories(dir.resolve("q"));
    String out = parent.resolve("out").toString();
    BadInputException e = assertThrows(BadInputException.class, () -> AtomicOutput.commit(spark, out, false, tmp -> {
      Files.move(parent, dir.resolve("q.moved"));
      Files.writeString(parent, "not a folder");
      spark.range(0, 1, 1, 1).foreachPartition((org.apache.spark.api.java.function.ForeachPartitionFunction<Long>)
          it -> Files.writeString(Path.of(tmp.replaceFirst("^file:", "")).resolve("part-0"), "x"));
    }));
    assertEquals("Output " + out + " could not be written: file:" + parent + " is a file, not a directory (since this "
        + "run started); nothing was written to it", e.getMessage());
    assertEquals("org.apache.spark.SparkException", e.getCause().getClass().getName());
  }

  @Test
  void aFullDiskIsBadInputNamingTheOutput() throws Exception {
    SparkSession spark = SparkTestSession.get();
    String out = dir.resolve("full").toString();
    BadInputException e = assertThrows(BadInputException.class, () -> AtomicOutput.commit(spark, out, false, tmp -> {
      throw new RuntimeException("Job aborted", new IOException("No space left on device"));
    }));
    assertEquals("Output " + out + " could not be written: no space left on device; nothing was written to it",
        e.getMessage());
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(), s.map(p -> p.getFileName().toString()).toList());
    }
  }
}
