package io.nncompress.progress;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One event of the progress and log stream: a time, a level, a kind ({@code event}) and named fields.
 * The field names are stable (they are the keys of the JSON Lines format); fields that do not apply
 * are absent, never null or NaN.
 */
public final class ProgressEvent {
  // the kinds of event
  /** A command starts. */
  public static final String COMMAND = "command";
  /** A phase of the work starts (statistics pass, solving a layer, a stage, evaluation, writing). */
  public static final String PHASE_START = "phase_start";
  /** A phase ends (with elapsed_s). */
  public static final String PHASE_END = "phase_end";
  /** Spark's task progress of one stage (done and total tasks). */
  public static final String TASKS = "tasks";
  /** An iteration of a solver (iteration, objective, kkt). */
  public static final String SOLVER = "solver";
  /** A point of the lambda search (lambda, kept, target). */
  public static final String LAMBDA = "lambda";
  /** An ordinary log message. */
  public static final String LOG = "log";
  /** The command failed (message, exit_code). */
  public static final String ERROR = "error";
  /** The command ended (exit_code, elapsed_s). */
  public static final String END = "end";

  // field names
  public static final String TS = "ts";
  public static final String LEVEL = "level";
  public static final String EVENT = "event";
  public static final String PHASE = "phase";
  public static final String LAYER = "layer";
  public static final String STAGE = "stage";
  public static final String STRATEGY = "strategy";
  public static final String DONE = "done";
  public static final String TOTAL = "total";
  public static final String ETA_S = "eta_s";
  public static final String ELAPSED_S = "elapsed_s";
  public static final String METHOD = "method";
  public static final String SOLVE = "solve";
  public static final String ITERATION = "iteration";
  public static final String OBJECTIVE = "objective";
  public static final String KKT = "kkt";
  public static final String TOLERANCE = "tolerance";
  public static final String LAMBDA_VALUE = "lambda";
  public static final String KEPT = "kept";
  public static final String TARGET = "target";
  public static final String RELATIVE_ERROR = "relative_error";
  public static final String CONVERGED = "converged";
  public static final String SPARK_JOB = "spark_job";
  public static final String SPARK_STAGE = "spark_stage";
  public static final String SPARK_ATTEMPT = "spark_attempt";
  public static final String FAILED = "failed";
  public static final String COMMAND_NAME = "command";
  public static final String EXIT_CODE = "exit_code";
  public static final String LOGGER = "logger";
  public static final String THREAD = "thread";
  public static final String MESSAGE = "message";
  public static final String EXCEPTION = "exception";

  private final long timeMillis;
  private final String level;
  private final String event;
  private final Map<String, Object> fields = new LinkedHashMap<>();

  public ProgressEvent(long timeMillis, String level, String event) {
    this.timeMillis = timeMillis;
    this.level = level;
    this.event = event;
  }

  /** An INFO event of this kind, now. */
  public static ProgressEvent info(String event) {
    return new ProgressEvent(System.currentTimeMillis(), "INFO", event);
  }

  public long timeMillis() {
    return timeMillis;
  }

  public String level() {
    return level;
  }

  public String event() {
    return event;
  }

  /** Sets a field; null, NaN and infinite values leave it absent. */
  public ProgressEvent put(String key, Object value) {
    if (value == null || (value instanceof Double && !Double.isFinite((Double) value))
        || (value instanceof Float && !Float.isFinite((Float) value))) {
      fields.remove(key);
    } else {
      fields.put(key, value);
    }
    return this;
  }

  /** A duration in seconds, to the millisecond; absent when NaN. */
  public ProgressEvent seconds(String key, double s) {
    return put(key, Double.isFinite(s) ? Math.round(s * 1000.0) / 1000.0 : null);
  }

  /** A count that is absent when negative. */
  public ProgressEvent count(String key, long value) {
    return put(key, value < 0 ? null : (Object) value);
  }

  /** Sets the fields the phase gives (phase, layer, stage, strategy) that are not set yet. */
  public ProgressEvent context(Phase p) {
    if (p != null) {
      putIfAbsent(PHASE, p.name());
      putIfAbsent(LAYER, p.layer());
      putIfAbsent(STAGE, p.stage());
      putIfAbsent(STRATEGY, p.strategy());
    }
    return this;
  }

  private void putIfAbsent(String key, Object value) {
    if (!fields.containsKey(key)) {
      put(key, value);
    }
  }

  public Object get(String key) {
    return fields.get(key);
  }

  public String string(String key) {
    Object v = fields.get(key);
    return v == null ? null : v.toString();
  }

  /** A numeric field as a double (NaN when absent). */
  public double number(String key) {
    Object v = fields.get(key);
    return v instanceof Number ? ((Number) v).doubleValue() : Double.NaN;
  }

  public boolean has(String key) {
    return fields.containsKey(key);
  }

  /** The fields other than ts, level and event, in the order they were set. */
  public Map<String, Object> fields() {
    return Collections.unmodifiableMap(fields);
  }
}
