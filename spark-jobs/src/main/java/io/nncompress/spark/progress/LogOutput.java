package io.nncompress.spark.progress;

import io.nncompress.progress.Progress;
import io.nncompress.progress.ProgressEvent;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.appender.ConsoleAppender;
import org.apache.logging.log4j.core.config.AppenderRef;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * What the CLI does to log4j2 (nncompress's and Spark's logging) for {@code --quiet} and
 * {@code --log-format json}, undone by {@link #close}:
 * <ul>
 *   <li>json: every console appender is replaced by one that writes each log event as a JSON
 *       object ({@code event: "log"}, with level, logger, thread, message and exception) through the
 *       installed progress sink, so that stderr holds nothing but JSON Lines; other appenders (files)
 *       stay as they are;</li>
 *   <li>human (the other format): every console appender is replaced by a {@link HumanLogAppender}
 *       writing on the command's stderr, which sends libraries' errors and stack traces (Spark's
 *       failed tasks) to a log file ({@link #logFile}) unless {@code verbose};</li>
 *   <li>quiet: nncompress's loggers ({@code io.nncompress}) log warnings and errors only.</li>
 * </ul>
 * Nothing happens when log4j2 is not the logging backend.
 */
public final class LogOutput implements AutoCloseable {
  private static final String NNCOMPRESS = "io.nncompress";
  private static volatile LogOutput active;

  private final boolean json;
  private final boolean quiet;
  private final boolean verbose;
  private final PrintStream err;
  private final String command;
  private final LoggerContext ctx;
  private Configuration config;
  private final List<Object[]> removed = new ArrayList<>(); // {LoggerConfig, Appender, AppenderRef}
  private final List<LoggerConfig> added = new ArrayList<>();
  private AbstractAppender appender;
  private HumanLogAppender human;
  private Level nncompressLevel;
  private boolean createdNncompress;

  private LogOutput(boolean json, boolean quiet, boolean verbose, PrintStream err, String command,
      LoggerContext ctx) {
    this.json = json;
    this.quiet = quiet;
    this.verbose = verbose;
    this.err = err;
    this.command = command;
    this.ctx = ctx;
  }

  /**
   * Applies json (else human lines on {@code err}, libraries' traces in a log file unless
   * {@code verbose}) and quiet to the current log4j2 configuration.
   */
  public static synchronized LogOutput configure(boolean json, boolean quiet, boolean verbose, PrintStream err,
      String command) {
    Object c = LogManager.getContext(false);
    LogOutput out = new LogOutput(json, quiet, verbose, err, command,
        c instanceof LoggerContext ? (LoggerContext) c : null);
    out.apply();
    active = out;
    return out;
  }

  /**
   * Applies the active settings again if log4j2 was reconfigured since (Spark loads its default
   * configuration when it starts without one).
   */
  public static synchronized void reapply() {
    LogOutput out = active;
    if (out != null && out.ctx != null && out.ctx.getConfiguration() != out.config) {
      out.apply();
    }
  }

  private void apply() {
    if (ctx == null) {
      return;
    }
    config = ctx.getConfiguration();
    removed.clear();
    added.clear();
    {
      if (json) {
        appender = new JsonAppender();
      } else {
        if (human == null) { // one across reconfigurations: one log file
          human = new HumanLogAppender(config, err, quiet, verbose, command);
        }
        appender = human;
      }
      if (!appender.isStarted()) {
        appender.start();
      }
      config.addAppender(appender);
      List<LoggerConfig> all = new ArrayList<>(config.getLoggers().values());
      if (!all.contains(config.getRootLogger())) {
        all.add(config.getRootLogger());
      }
      for (LoggerConfig lc : all) {
        boolean hadConsole = false;
        for (AppenderRef ref : lc.getAppenderRefs()) {
          Appender a = config.getAppender(ref.getRef());
          if (a instanceof ConsoleAppender) {
            lc.removeAppender(a.getName());
            removed.add(new Object[] {lc, a, ref});
            hadConsole = true;
          }
        }
        if (hadConsole) {
          lc.addAppender(appender, null, null);
          added.add(lc);
        }
      }
    }
    if (quiet) {
      LoggerConfig lc = config.getLoggers().get(NNCOMPRESS);
      createdNncompress = lc == null;
      if (lc == null) {
        lc = new LoggerConfig(NNCOMPRESS, Level.WARN, true);
        config.addLogger(NNCOMPRESS, lc);
      } else {
        nncompressLevel = lc.getLevel();
        lc.setLevel(Level.WARN);
      }
    }
    ctx.updateLoggers();
  }

  /** Puts the log4j2 configuration back as it was. */
  @Override
  public synchronized void close() {
    if (active == this) {
      active = null;
    }
    if (appender != null) {
      appender.stop();
    }
    if (ctx == null || ctx.getConfiguration() != config) {
      return; // reconfigured meanwhile: nothing of ours is left in it
    }
    for (LoggerConfig lc : added) {
      lc.removeAppender(appender.getName());
    }
    for (Object[] r : removed) {
      AppenderRef ref = (AppenderRef) r[2];
      ((LoggerConfig) r[0]).addAppender((Appender) r[1], ref.getLevel(), ref.getFilter());
    }
    if (appender != null) {
      config.getAppenders().remove(appender.getName());
    }
    if (quiet) {
      if (createdNncompress) {
        config.removeLogger(NNCOMPRESS);
      } else if (config.getLoggers().get(NNCOMPRESS) != null) {
        config.getLoggers().get(NNCOMPRESS).setLevel(nncompressLevel);
      }
    }
    ctx.updateLoggers();
  }

  /** The file that holds the log events not shown on stderr, or null when there was none. */
  public Path logFile() {
    return human == null ? null : human.file();
  }

  /** A log event as a JSON Lines event through the installed progress sink. */
  static ProgressEvent event(LogEvent e) {
    ProgressEvent ev = new ProgressEvent(e.getTimeMillis(), e.getLevel().name(), ProgressEvent.LOG);
    ev.put(ProgressEvent.LOGGER, e.getLoggerName()).put(ProgressEvent.THREAD, e.getThreadName())
        .put(ProgressEvent.MESSAGE, e.getMessage() == null ? null : e.getMessage().getFormattedMessage());
    if (e.getThrown() != null) {
      StringWriter w = new StringWriter();
      e.getThrown().printStackTrace(new PrintWriter(w));
      ev.put(ProgressEvent.EXCEPTION, w.toString());
    }
    return ev.context(Progress.current());
  }

  private static final class JsonAppender extends AbstractAppender {
    JsonAppender() {
      super("nncompress-json-lines", null, null, true, Property.EMPTY_ARRAY);
    }

    @Override
    public void append(LogEvent e) {
      Progress.write(event(e));
    }
  }
}
