package io.nncompress.progress;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Wall time per phase: once {@link #install installed}, every {@link Phase} opened through
 * {@link Progress#phase} (whether progress is shown or not, e.g. with {@code -q}) is timed, and
 * {@link #table} prints each kind of phase's own time (its time less that of the phases inside it,
 * so that the rows add up to the time covered), one column per chaining strategy. A phase is named
 * by its name, plus its layer for {@code solve} and its stage for {@code stage} and
 * {@code evaluation} (e.g. "solve fc1", "stage kmeans(4)", "evaluation huffman"). Phases are timed on
 * the thread that opens them one inside another, as {@link Progress} keeps them (one at a time on the
 * driver).
 */
public final class PhaseTimer {
  /** One row of the table: a kind of phase, its own seconds and count per strategy ("" without one). */
  public static final class Row {
    public final String label;
    final Map<String, double[]> byStrategy = new LinkedHashMap<>();

    Row(String label) {
      this.label = label;
    }

    /** Own seconds of this kind of phase under {@code strategy} ("" for none), 0 if none ran. */
    public double seconds(String strategy) {
      double[] v = byStrategy.get(strategy);
      return v == null ? 0 : v[0];
    }

    /** How many phases of this kind ran under {@code strategy}. */
    public int count(String strategy) {
      double[] v = byStrategy.get(strategy);
      return v == null ? 0 : (int) v[1];
    }

    public double total() {
      return byStrategy.values().stream().mapToDouble(v -> v[0]).sum();
    }
  }

  // an open phase; its strategy, layer and stage as the enclosing phases give them (Progress leaves a
  // phase's parent unset when progress is off)
  private static final class Open {
    final Phase phase;
    final String strategy;
    final String layer;
    final String stage;
    double inner;

    Open(Phase phase, Open outer) {
      this.phase = phase;
      this.strategy = phase.strategy() != null || outer == null ? phase.strategy() : outer.strategy;
      this.layer = phase.layer() != null || outer == null ? phase.layer() : outer.layer;
      this.stage = phase.stage() != null || outer == null ? phase.stage() : outer.stage;
    }
  }

  private final Map<String, Row> rows = new LinkedHashMap<>();
  private final List<String> strategies = new ArrayList<>();
  private final Deque<Open> open = new ArrayDeque<>();
  private final long startNanos = System.nanoTime();

  private PhaseTimer() {}

  /** Starts timing every phase from now on (replacing a timer installed before) and returns the timer. */
  public static PhaseTimer install() {
    PhaseTimer t = new PhaseTimer();
    Progress.timer(t);
    return t;
  }

  /** Stops timing (the rows stay). */
  public void uninstall() {
    Progress.untimer(this);
  }

  /** Seconds since the timer was installed. */
  public double elapsedSeconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  synchronized void started(Phase p) {
    open.push(new Open(p, open.peek()));
  }

  synchronized void ended(Phase p) {
    boolean found = false;
    for (Open o : open) {
      found |= o.phase == p;
    }
    if (!found) {
      return; // opened before the timer was installed
    }
    while (!open.isEmpty()) {
      Open o = open.pop();
      double seconds = o.phase.elapsedSeconds();
      add(label(o.phase.name(), o.layer, o.stage), o.strategy, Math.max(0, seconds - o.inner));
      if (!open.isEmpty()) {
        open.peek().inner += seconds;
      }
      if (o.phase == p) {
        return;
      }
    }
  }

  /** Adds {@code seconds} to a row of its own (e.g. a step outside any phase). */
  public synchronized void add(String label, String strategy, double seconds) {
    String s = strategy == null ? "" : strategy;
    if (!strategies.contains(s)) {
      strategies.add(s);
    }
    double[] v = rows.computeIfAbsent(label, Row::new).byStrategy.computeIfAbsent(s, x -> new double[2]);
    v[0] += seconds;
    v[1]++;
  }

  static String label(String name, String layer, String stage) {
    switch (name) {
      case "solve":
        return layer == null ? name : name + " " + layer;
      case "stage":
      case "evaluation":
        return stage == null ? name : name + " " + stage;
      default:
        return name;
    }
  }

  /** The rows in the order their phases first ended. */
  public synchronized List<Row> rows() {
    return new ArrayList<>(rows.values());
  }

  /**
   * The table: one row per kind of phase with its own seconds under each strategy, the total and
   * how many ran; then the time outside every phase and the total since the timer was installed.
   */
  public synchronized String table() {
    double wall = elapsedSeconds();
    List<String> cols = new ArrayList<>();
    for (String s : strategies) {
      if (!s.isEmpty()) {
        cols.add(s);
      }
    }
    int width = "outside phases".length();
    for (Row r : rows.values()) {
      width = Math.max(width, r.label.length());
    }
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-" + width + "s", "phase (own wall s)"));
    sb.append(String.format(Locale.ROOT, " %10s", "no strategy"));
    for (String c : cols) {
      sb.append(String.format(Locale.ROOT, " %10s", c));
    }
    sb.append(String.format(Locale.ROOT, " %9s %6s %5s%n", "total", "share", "runs"));
    double covered = 0;
    for (Row r : rows.values()) {
      sb.append(String.format(Locale.ROOT, "%-" + width + "s", r.label));
      sb.append(cell(r, ""));
      int runs = r.count("");
      for (String c : cols) {
        sb.append(cell(r, c));
        runs += r.count(c);
      }
      double t = r.total();
      covered += t;
      sb.append(String.format(Locale.ROOT, " %9.1f %5.1f%% %5d%n", t, wall > 0 ? 100 * t / wall : 0, runs));
    }
    double outside = Math.max(0, wall - covered);
    sb.append(String.format(Locale.ROOT, "%-" + width + "s %10s", "outside phases", ""));
    for (int i = 0; i < cols.size(); i++) {
      sb.append(String.format(Locale.ROOT, " %10s", ""));
    }
    sb.append(String.format(Locale.ROOT, " %9.1f %5.1f%%%n", outside, wall > 0 ? 100 * outside / wall : 0));
    sb.append(String.format(Locale.ROOT, "%-" + width + "s %10s", "total", ""));
    for (int i = 0; i < cols.size(); i++) {
      sb.append(String.format(Locale.ROOT, " %10s", ""));
    }
    sb.append(String.format(Locale.ROOT, " %9.1f%n", wall));
    return sb.toString();
  }

  private static String cell(Row r, String strategy) {
    return r.count(strategy) == 0 ? String.format(Locale.ROOT, " %10s", "-")
        : String.format(Locale.ROOT, " %10.1f", r.seconds(strategy));
  }

  /** Every row as label to seconds (strategies summed), in order: e.g. for metrics' timings. */
  public synchronized Map<String, Double> totals() {
    Map<String, Double> m = new LinkedHashMap<>();
    for (Row r : rows.values()) {
      m.put(r.label, r.total());
    }
    return m;
  }
}
