package io.nncompress.spark.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The nncompress CLI run as a separate JVM, as {@code bin/nncompress} runs it (this JVM's java, classpath,
 * module options and log configuration; {@code io.nncompress.cli.Main}), so that {@link #kill} is a real
 * SIGKILL of the driver: no shutdown hooks, no cleanup. stdout and stderr go to files.
 */
public final class CliProcess {
  private static final String HEAP = "1g";
  private final Process process;
  private final Path err;
  private final String name;

  private CliProcess(String name, Process process, Path err) {
    this.name = name;
    this.process = process;
    this.err = err;
  }

  /** Starts {@code nncompress ARGS}; its stdout and stderr go to {@code logs/NAME.out} and {@code .err}. */
  public static CliProcess start(Path logs, String name, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx" + HEAP);
    // short runs: the C1 compiler alone and one GC thread spend far less CPU starting the JVM and Spark
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-XX:+UseSerialGC");
    cmd.addAll(jvmOptions());
    cmd.add("-cp");
    cmd.add(classPath());
    cmd.add("io.nncompress.cli.Main");
    cmd.addAll(args);
    try {
      Files.createDirectories(logs);
      Path out = logs.resolve(name + ".out");
      Path err = logs.resolve(name + ".err");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
      pb.environment().put("OPENBLAS_NUM_THREADS", "1");
      return new CliProcess(name, pb.start(), err);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start " + cmd, e);
    }
  }

  /**
   * The classpath of this JVM: {@code bin/nncompress}'s jar and its dependencies, or in a test, the one
   * surefire puts in {@code surefire.test.class.path} (its own java.class.path is a manifest-only jar).
   */
  static String classPath() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
  }

  /** The --add-opens, Spark-on-Java-17 properties, log configuration and nncompress properties of this JVM. */
  static List<String> jvmOptions() {
    List<String> out = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("-Djdk.reflect.")
          || a.startsWith("-Dio.netty.") || a.startsWith("-Dnncompress.") || a.startsWith("-Dlog4j2.")
          || a.startsWith("-Ddev.ludovic.netlib.")) {
        out.add(a);
      }
    }
    return out;
  }

  public String name() {
    return name;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** stderr so far. */
  public String stderr() {
    try {
      return Files.exists(err) ? Files.readString(err, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** The last lines of stderr, for a report. */
  public String stderrTail(int lines) {
    List<String> all = stderr().lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /** SIGKILL, as when a machine or a scheduler kills the driver; waits until it is gone. */
  public void kill() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits for the exit code; past the timeout kills the process and returns -1. */
  public int await(Duration timeout) {
    try {
      if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        return process.exitValue();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    kill();
    return -1;
  }

  /**
   * Kills the process as soon as {@code condition} holds (polled every 20 ms). Returns true if it was
   * killed while it held, false if the process ended first (or the timeout passed: then it is killed too).
   */
  public boolean killWhen(BooleanSupplier condition, Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    while (process.isAlive() && System.nanoTime() < end) {
      if (condition.getAsBoolean()) {
        process.destroyForcibly(); // SIGKILL at once, before anything else can move on
        kill();
        return true;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (process.isAlive()) {
      kill(); // past the timeout: not where it was meant to be killed
    }
    return false;
  }
}
