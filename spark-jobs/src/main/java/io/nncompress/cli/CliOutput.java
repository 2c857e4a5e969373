package io.nncompress.cli;

import io.nncompress.progress.LogFormat;
import io.nncompress.progress.Progress;
import io.nncompress.progress.ProgressEvent;
import io.nncompress.progress.ProgressSink;
import io.nncompress.progress.StreamSink;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.progress.LogOutput;
import io.nncompress.spark.progress.SparkProgress;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;

/**
 * What one command writes on stderr, set up from the global options and undone when it ends:
 * progress (human lines or JSON Lines, throttled), log4j2's output (JSON Lines too with
 * {@code --log-format json}; warnings and errors only of nncompress with {@code --quiet}; libraries'
 * stack traces in a log file named in the error line unless {@code --verbose}), the
 * error that ends a failed command, and in JSON Lines the command's start and end.
 */
final class CliOutput implements AutoCloseable {
  /** How long a failed command waits for its job's killed tasks to end. */
  static final long KILLED_TASKS_WAIT_MILLIS = 10_000;
  private final LogFormat format;
  private final PrintStream err;
  private final String command;
  private final ProgressSink previous;
  private final LogOutput logs;
  private final long t0 = System.nanoTime();

  private CliOutput(LogFormat format, boolean quiet, boolean verbose, double interval, PrintStream err,
      String command) {
    this.format = format;
    this.err = err;
    this.command = command;
    this.previous = Progress.install(new StreamSink(err, format, !quiet, interval));
    this.logs = LogOutput.configure(format == LogFormat.JSON, quiet, verbose, err, command);
    if (format == LogFormat.JSON) {
      Progress.write(ProgressEvent.info(ProgressEvent.COMMAND).put(ProgressEvent.COMMAND_NAME, command));
    }
  }

  static CliOutput open(LogFormat format, boolean quiet, boolean verbose, double interval, PrintStream err,
      String command) {
    return new CliOutput(format, quiet, verbose, interval, err, command);
  }

  /** The command ended with {@code code}. */
  void end(int code) {
    if (format == LogFormat.JSON) {
      Progress.write(new ProgressEvent(System.currentTimeMillis(), code == 0 ? "INFO" : "ERROR", ProgressEvent.END)
          .put(ProgressEvent.COMMAND_NAME, command).put(ProgressEvent.EXIT_CODE, code)
          .seconds(ProgressEvent.ELAPSED_S, (System.nanoTime() - t0) / 1e9));
    }
  }

  /**
   * Reports the exception that ended the command and returns the exit code: 2 for bad input (the
   * message names the file, column, layer or key), 1 for anything else (with the stack trace).
   */
  int failure(Throwable ex) {
    // the failed job's other tasks are still being killed: their warnings go where Spark's failure
    // went (the log file), before the error line and before the logging is put back
    SparkProgress.awaitNoRunningTasksOfDefaultSession(KILLED_TASKS_WAIT_MILLIS);
    BadInputException bad = BadInputException.find(ex);
    int code = bad != null ? 2 : 1;
    if (format == LogFormat.JSON) {
      ProgressEvent e = new ProgressEvent(System.currentTimeMillis(), "ERROR", ProgressEvent.ERROR)
          .context(Progress.current()).put(ProgressEvent.EXIT_CODE, code)
          .put(ProgressEvent.MESSAGE, bad != null ? bad.getMessage() : String.valueOf(ex));
      if (bad == null) {
        StringWriter w = new StringWriter();
        ex.printStackTrace(new PrintWriter(w));
        e.put(ProgressEvent.EXCEPTION, w.toString());
      }
      Progress.write(e);
    } else if (bad != null) {
      err.println("nncompress: error: " + bad.getMessage() + logNote());
    } else {
      err.println("nncompress: failed: " + ex + logNote());
      ex.printStackTrace(err);
    }
    end(code);
    return code;
  }

  /** Where the log events not shown on stderr (libraries' stack traces) went, if anywhere. */
  private String logNote() {
    java.nio.file.Path f = logs.failureLogFile();
    return f == null ? "" : " (Spark's log and stack traces: see " + f + ")";
  }

  @Override
  public void close() {
    logs.close();
    Progress.install(previous);
    err.flush();
  }
}
