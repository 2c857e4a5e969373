package io.nncompress.spark.progress;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;
import org.apache.logging.log4j.core.layout.PatternLayout;

/**
 * The console appender of the human log format (issue 17, item 11): log lines on the command's
 * stderr (never stdout), as {@code HH:mm:ss LEVEL Logger: message}; Spark's, Hadoop's and other
 * libraries' errors, multi-line messages and stack traces (a failed task's 40-170 lines, logged
 * before the command's one clean error line) go to a log file instead, created at the first such
 * event, whose path the error line names. With {@code quiet} only nncompress's own warnings and
 * errors reach stderr, everything else goes to the file; with {@code verbose} everything reaches
 * stderr, traces included, and there is no file.
 *
 * <p>The file is {@code nncompress-COMMAND-yyyyMMdd-HHmmss-PID-N.log} in the folder given by the
 * system property {@code nncompress.log.dir}, the environment variable {@code NNCOMPRESS_LOG_DIR},
 * or {@code $TMPDIR/nncompress-logs}.
 */
final class HumanLogAppender extends AbstractAppender {
  static final String NAME = "nncompress-human";
  private static final String PATTERN = "%d{HH:mm:ss} %p %c{1}: %m%n";
  private static final AtomicInteger SEQ = new AtomicInteger();

  private final PrintStream err;
  private final boolean quiet;
  private final boolean verbose;
  private final String command;
  private final PatternLayout console;
  private final PatternLayout full;
  private Path file;
  private Writer writer;
  private boolean failed;
  /** Whether the file got an error, a stack trace or a multi-line message (not only library warnings). */
  private boolean failures;

  HumanLogAppender(Configuration config, PrintStream err, boolean quiet, boolean verbose, String command) {
    super(NAME, null, null, true, Property.EMPTY_ARRAY);
    this.err = err;
    this.quiet = quiet;
    this.verbose = verbose;
    this.command = command == null || command.isBlank() ? "run" : command.trim().replaceAll("[^A-Za-z0-9]+", "-");
    this.console = PatternLayout.newBuilder().withPattern(PATTERN).withConfiguration(config)
        .withAlwaysWriteExceptions(verbose).build();
    this.full = PatternLayout.newBuilder().withPattern(PATTERN).withConfiguration(config)
        .withAlwaysWriteExceptions(true).build();
  }

  /** Whether the event goes to stderr (else to the log file). */
  boolean onConsole(LogEvent e) {
    if (verbose) {
      return true;
    }
    String logger = e.getLoggerName() == null ? "" : e.getLoggerName();
    if (logger.startsWith("io.nncompress")) {
      return !hasTrace(e); // nncompress's own message quoting a Spark failure, traces and all
    }
    return !quiet && !failure(e);
  }

  // what a failure leaves in the log: an error, a stack trace, a multi-line message (Spark's task failures)
  private static boolean failure(LogEvent e) {
    return e.getThrown() != null || e.getLevel().isMoreSpecificThan(Level.ERROR) || hasNewline(e);
  }

  private static boolean hasNewline(LogEvent e) {
    String m = e.getMessage() == null ? null : e.getMessage().getFormattedMessage();
    return m != null && m.indexOf('\n') >= 0;
  }

  private static boolean hasTrace(LogEvent e) {
    String m = e.getMessage() == null ? null : e.getMessage().getFormattedMessage();
    return m != null && m.contains("\n\tat ");
  }

  @Override
  public void append(LogEvent e) {
    if (onConsole(e)) {
      err.print(console.toSerializable(e));
      if (!verbose && e.getThrown() != null) {
        toFile(e); // nncompress's own message stays on stderr, its trace goes to the file
      }
      err.flush();
    } else {
      toFile(e);
    }
  }

  private synchronized void toFile(LogEvent e) {
    if (failed) {
      return;
    }
    try {
      if (writer == null) {
        file = directory().resolve("nncompress-" + command + "-"
            + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-"
            + ProcessHandle.current().pid() + "-" + SEQ.incrementAndGet() + ".log");
        Files.createDirectories(file.getParent());
        writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
      }
      writer.write(full.toSerializable(e));
      writer.flush();
      failures |= failure(e);
    } catch (IOException | UncheckedIOException ex) {
      failed = true; // the log file cannot be written: say so once, on stderr, without the event
      err.println("nncompress: cannot write the log file " + file + ": " + ex.getMessage());
    }
  }

  static Path directory() {
    String dir = System.getProperty("nncompress.log.dir");
    if (dir == null || dir.isBlank()) {
      dir = System.getenv("NNCOMPRESS_LOG_DIR");
    }
    if (dir == null || dir.isBlank()) {
      return Path.of(System.getProperty("java.io.tmpdir"), "nncompress-logs");
    }
    return Path.of(dir);
  }

  /** The log file, or null when nothing was written to one. */
  synchronized Path file() {
    return writer == null ? null : file;
  }

  /** The log file if it holds an error, a stack trace or a multi-line message, else null. */
  synchronized Path failureFile() {
    return failures ? file() : null;
  }

  @Override
  public synchronized boolean stop(long timeout, java.util.concurrent.TimeUnit unit) {
    if (writer != null) {
      try {
        writer.close();
      } catch (IOException ignored) {
        // the events are flushed one by one; a failing close loses nothing
      }
    }
    return super.stop(timeout, unit);
  }
}
