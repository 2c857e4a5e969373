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
import org.apache.logging.log4j.core.config.DefaultConfiguration;
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
 *   <li>quiet: nncompress's loggers ({@code io.nncompress}) log warnings and errors only;</li>
 *   <li>levels, whatever the cluster's log4j2 configuration says (issue 19, item 6): the root logger
 *       (Spark, Hadoop, ...) logs warnings and errors only unless {@code verbose} (a stock Spark's
 *       {@code log4j2.properties.template} sets it to INFO); loggers the configuration names keep
 *       their levels. With no configuration (spark-submit of a stock Spark install, whose conf/ has
 *       only a template), Spark installs its own defaults (root at INFO, its console layout): those
 *       and log4j2's DefaultConfiguration are replaced by nncompress's ({@value #DEFAULTS}, as
 *       conf/log4j2.properties), which Spark then keeps;</li>
 *   <li>all of this again at once whenever log4j2 is reconfigured meanwhile (Spark re-initializes
 *       its logging while the SparkContext starts, a few hundred lines before the session exists).</li>
 * </ul>
 * Nothing happens when log4j2 is not the logging backend.
 */
public final class LogOutput implements AutoCloseable {
  private static final String NNCOMPRESS = "io.nncompress";
  /** The configuration installed when log4j2 found none. */
  static final String DEFAULTS = "/io/nncompress/log4j2-defaults.properties";
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
  private Level rootLevel;
  private boolean createdNncompress;
  private boolean changedNncompress;
  /** Applies the settings again as soon as log4j2 has a new configuration. */
  private final java.beans.PropertyChangeListener onReconfigure = e -> {
    if (LoggerContext.PROPERTY_CONFIG.equals(e.getPropertyName())) {
      reapplyNow();
    }
  };

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
    if (c instanceof LoggerContext) {
      installDefaultsIfUnconfigured((LoggerContext) c);
    }
    LogOutput out = new LogOutput(json, quiet, verbose, err, command,
        c instanceof LoggerContext ? (LoggerContext) c : null);
    out.apply();
    active = out;
    if (out.ctx != null) {
      out.ctx.addPropertyChangeListener(out.onReconfigure);
    }
    return out;
  }

  /**
   * Applies the active settings again if log4j2 was reconfigured since (Spark loads its default
   * configuration when it starts without one).
   */
  public static void reapply() {
    reapplyNow();
  }

  private static synchronized void reapplyNow() {
    LogOutput out = active;
    if (out != null && out.ctx != null && unconfigured(out.ctx.getConfiguration())) {
      installDefaultsIfUnconfigured(out.ctx); // fires onReconfigure again, with nncompress's configuration
      return;
    }
    if (out != null && out.ctx != null && out.ctx.getConfiguration() != out.config) {
      out.apply();
    }
  }

  /**
   * Whether {@code c} is no one's choice: log4j2's DefaultConfiguration (no file found) or the
   * defaults Spark installs over it ({@code org/apache/spark/log4j2-defaults.properties} and the
   * other {@code log4j2*} files of spark-core).
   */
  static boolean unconfigured(Configuration c) {
    if (c instanceof DefaultConfiguration) {
      return true;
    }
    String location = c.getConfigurationSource() == null ? null : c.getConfigurationSource().getLocation();
    return location != null && location.replace('\\', '/').contains("org/apache/spark/log4j2");
  }

  /**
   * Installs {@value #DEFAULTS} when log4j2 runs on a configuration that is no one's choice
   * ({@link #unconfigured}).
   */
  static void installDefaultsIfUnconfigured(LoggerContext ctx) {
    if (!unconfigured(ctx.getConfiguration())) {
      return;
    }
    java.net.URL url = LogOutput.class.getResource(DEFAULTS);
    if (url == null) {
      return; // not packed (cannot happen in the application jar)
    }
    try {
      ctx.setConfigLocation(url.toURI());
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(url + ": " + e.getMessage(), e);
    }
    releaseSparkDefaults();
  }

  /**
   * Tells Spark that its default profile is no longer in force. Spark 4.1 remembers having loaded it
   * (SparkSubmit does, before the application starts) and loads it again, printing "Using Spark's
   * default log4j profile" on stderr, whenever it initializes its logging anew, as the SparkContext
   * does. Through reflection, since the flag is Spark's internal state: with another Spark, where
   * it is absent, {@link #onReconfigure} still puts nncompress's configuration back at once.
   */
  private static void releaseSparkDefaults() {
    try {
      Class<?> logging = Class.forName("org.apache.spark.internal.Logging$", true, LogOutput.class.getClassLoader());
      Object module = logging.getField("MODULE$").get(null);
      logging.getMethod("org$apache$spark$internal$Logging$$defaultSparkLog4jConfig_$eq", boolean.class)
          .invoke(module, false);
    } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
      // not this Spark: see above
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
    LoggerConfig root = config.getRootLogger();
    rootLevel = root.getLevel();
    if (!verbose && rootLevel != null && rootLevel.isLessSpecificThan(Level.WARN)) {
      root.setLevel(Level.WARN); // Spark's INFO chatter (a few hundred lines per run)
    }
    // nncompress's own: WARN when quiet, else at least INFO unless the configuration names a level for it
    LoggerConfig lc = config.getLoggers().get(NNCOMPRESS);
    Level own = quiet ? Level.WARN
        : lc == null && root.getLevel() != null && root.getLevel().isMoreSpecificThan(Level.WARN) ? Level.INFO : null;
    changedNncompress = own != null;
    createdNncompress = lc == null && own != null;
    if (createdNncompress) {
      config.addLogger(NNCOMPRESS, new LoggerConfig(NNCOMPRESS, own, true));
    } else if (own != null) {
      nncompressLevel = lc.getLevel();
      lc.setLevel(own);
    }
    ctx.updateLoggers();
  }

  /** Puts the log4j2 configuration back as it was. */
  @Override
  public synchronized void close() {
    if (ctx != null) {
      ctx.removePropertyChangeListener(onReconfigure);
    }
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
    config.getRootLogger().setLevel(rootLevel);
    if (changedNncompress) {
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

  /**
   * {@link #logFile()} if it holds an error, a stack trace or a multi-line message (a failure's
   * details), else null: with {@code --quiet} libraries' one-line warnings go there too, and an
   * error line does not send the user to a file of those alone.
   */
  public Path failureLogFile() {
    return human == null ? null : human.failureFile();
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
