package io.nncompress.progress;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Writes events to a stream (stderr) as human lines or JSON Lines, whole lines at a time, throttled
 * by a {@link Throttle} (JSON Lines: {@link Throttle.Policy#EDGES_ALWAYS}, human lines:
 * {@link Throttle.Policy#ALL_THROTTLED}, and the end of a phase only when it took at least one
 * interval).
 */
public final class StreamSink implements ProgressSink {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
      .withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

  private final PrintStream out;
  private final LogFormat format;
  private final boolean progress;
  private final Throttle throttle;

  /**
   * @param progress false for quiet: only what is written without asking {@link #due} (logs, errors)
   * @param intervalSeconds the least time between two events of one key (0: every event)
   */
  public StreamSink(PrintStream out, LogFormat format, boolean progress, double intervalSeconds) {
    this(out, format, progress, new Throttle(Math.round(intervalSeconds * 1e9),
        format == LogFormat.JSON ? Throttle.Policy.EDGES_ALWAYS : Throttle.Policy.ALL_THROTTLED, System::nanoTime));
  }

  public StreamSink(PrintStream out, LogFormat format, boolean progress, Throttle throttle) {
    if (!(throttle.intervalNanos() >= 0)) {
      throw new IllegalArgumentException("the progress interval must be non-negative");
    }
    this.out = out;
    this.format = format;
    this.progress = progress;
    this.throttle = throttle;
  }

  public LogFormat format() {
    return format;
  }

  @Override
  public boolean progress() {
    return progress;
  }

  @Override
  public boolean due(String key, Edge edge) {
    return progress && throttle.due(key, edge);
  }

  @Override
  public boolean showPhaseEnd(double elapsedSeconds) {
    return progress && (format == LogFormat.JSON || elapsedSeconds * 1e9 >= throttle.intervalNanos());
  }

  @Override
  public void write(ProgressEvent e) {
    String line = format == LogFormat.JSON ? json(e) : human(e);
    if (line == null) {
      return;
    }
    synchronized (out) {
      out.println(line);
      out.flush();
    }
  }

  /** One JSON object: ts (ISO-8601 UTC), level, event, then the event's fields. */
  public static String json(ProgressEvent e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put(ProgressEvent.TS, ISO.format(Instant.ofEpochMilli(e.timeMillis())));
    m.put(ProgressEvent.LEVEL, e.level());
    m.put(ProgressEvent.EVENT, e.event());
    m.putAll(e.fields());
    try {
      return JSON.writeValueAsString(m);
    } catch (JsonProcessingException ex) {
      throw new IllegalStateException("Cannot write a progress event as JSON: " + ex.getMessage(), ex);
    }
  }

  /** One readable line, or null for events that human output leaves out (the command's start and end). */
  public static String human(ProgressEvent e) {
    String time = CLOCK.format(Instant.ofEpochMilli(e.timeMillis()));
    StringBuilder b = new StringBuilder(time).append(' ');
    switch (e.event()) {
      case ProgressEvent.COMMAND:
      case ProgressEvent.END:
        return null;
      case ProgressEvent.LOG:
        b.append(e.level()).append(' ').append(shortLogger(e.string(ProgressEvent.LOGGER))).append(": ")
            .append(e.string(ProgressEvent.MESSAGE));
        appendException(b, e);
        return b.toString();
      case ProgressEvent.ERROR:
        b.setLength(0);
        b.append("nncompress: error: ").append(e.string(ProgressEvent.MESSAGE));
        appendException(b, e);
        return b.toString();
      default:
        break;
    }
    String tag = tag(e);
    if (!tag.isEmpty()) {
      b.append(tag).append(' ');
    }
    switch (e.event()) {
      case ProgressEvent.PHASE_START:
        if (e.has(ProgressEvent.TOTAL)) {
          b.append('(').append(((Number) e.get(ProgressEvent.DONE)).longValue() + 1).append('/')
              .append(e.get(ProgressEvent.TOTAL)).append(") ");
        }
        b.append(e.has(ProgressEvent.MESSAGE) ? e.string(ProgressEvent.MESSAGE) : "started");
        appendEta(b, e, ", ");
        break;
      case ProgressEvent.PHASE_END:
        b.append("done in ").append(duration(e.number(ProgressEvent.ELAPSED_S)));
        if (e.has(ProgressEvent.MESSAGE)) {
          b.append(": ").append(e.string(ProgressEvent.MESSAGE));
        }
        break;
      case ProgressEvent.TASKS:
        b.append("Spark stage ").append(e.get(ProgressEvent.SPARK_STAGE));
        if (e.has(ProgressEvent.MESSAGE)) {
          b.append(" (").append(e.string(ProgressEvent.MESSAGE)).append(')');
        }
        b.append(": ").append(e.get(ProgressEvent.DONE)).append('/').append(e.get(ProgressEvent.TOTAL))
            .append(" tasks");
        if (e.has(ProgressEvent.FAILED)) {
          // Spark's reason names exception classes and executors: the clean error line that follows says
          // what went wrong, the log file (and the JSON event's "failed") keeps the reason
          b.append(", failed");
        }
        appendEta(b, e, ", ");
        break;
      case ProgressEvent.SOLVER:
        b.append(e.string(ProgressEvent.METHOD)).append(" iteration ").append(e.get(ProgressEvent.ITERATION))
            .append(" at lambda ").append(num(e.number(ProgressEvent.LAMBDA_VALUE))).append(": objective ")
            .append(num(e.number(ProgressEvent.OBJECTIVE))).append(", KKT ").append(num(e.number(ProgressEvent.KKT)))
            .append(" (tolerance ").append(num(e.number(ProgressEvent.TOLERANCE))).append(')');
        if (e.has(ProgressEvent.CONVERGED)) {
          b.append(Boolean.TRUE.equals(e.get(ProgressEvent.CONVERGED)) ? ", converged" : ", not converged");
        } else {
          appendEta(b, e, ", ");
        }
        break;
      case ProgressEvent.LAMBDA:
        b.append("lambda ").append(num(e.number(ProgressEvent.LAMBDA_VALUE)));
        if (e.has(ProgressEvent.MESSAGE)) {
          b.append(" (").append(e.string(ProgressEvent.MESSAGE)).append(')');
        }
        b.append(": ").append(e.get(ProgressEvent.KEPT));
        if (e.has(ProgressEvent.TOTAL)) {
          b.append(" of ").append(e.get(ProgressEvent.TOTAL));
        }
        b.append(" kept");
        if (e.has(ProgressEvent.TARGET)) {
          b.append(", target ").append(e.get(ProgressEvent.TARGET));
        }
        break;
      default:
        b.append(e.event());
        if (e.has(ProgressEvent.MESSAGE)) {
          b.append(": ").append(e.string(ProgressEvent.MESSAGE));
        }
        break;
    }
    return b.toString();
  }

  private static String tag(ProgressEvent e) {
    if (!e.has(ProgressEvent.PHASE)) {
      return "";
    }
    StringBuilder t = new StringBuilder("[").append(e.string(ProgressEvent.PHASE));
    for (String k : new String[] {ProgressEvent.LAYER, ProgressEvent.STAGE}) {
      if (e.has(k)) {
        t.append(' ').append(e.string(k));
      }
    }
    return t.append(']').toString();
  }

  /** The time left, when it is at least half a second (less is noise in a human line). */
  private static void appendEta(StringBuilder b, ProgressEvent e, String sep) {
    if (e.has(ProgressEvent.ETA_S) && e.number(ProgressEvent.ETA_S) >= 0.5) {
      b.append(sep).append('~').append(duration(e.number(ProgressEvent.ETA_S))).append(" left");
    }
  }

  private static void appendException(StringBuilder b, ProgressEvent e) {
    if (e.has(ProgressEvent.EXCEPTION)) {
      b.append(System.lineSeparator()).append(e.string(ProgressEvent.EXCEPTION));
    }
  }

  private static String shortLogger(String logger) {
    if (logger == null) {
      return "-";
    }
    int dot = logger.lastIndexOf('.');
    return dot < 0 ? logger : logger.substring(dot + 1);
  }

  static String num(double v) {
    return String.format(Locale.ROOT, "%.4g", v);
  }

  /** 0.4 s, 12 s, 3 min 05 s, 1 h 02 min. */
  static String duration(double seconds) {
    if (!(seconds >= 0)) {
      return "?";
    }
    if (seconds < 10) {
      return String.format(Locale.ROOT, "%.1f s", seconds);
    }
    long s = Math.round(seconds);
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
    }
    return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
  }
}
