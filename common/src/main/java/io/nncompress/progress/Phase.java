package io.nncompress.progress;

/**
 * A phase of the work (a statistics pass, solving one layer, a compression stage, evaluation,
 * writing), opened with {@link Progress#phase(String)} and closed when it ends; phases nest, and an
 * inner phase takes the layer, stage and strategy of the outer ones unless it names its own. Opening
 * reports {@code phase_start}, closing {@code phase_end} with the time it took. Phases are
 * process-wide (the driver does one thing at a time), so that events from other threads, such as
 * Spark's listener bus, can tell which phase they belong to.
 */
public final class Phase implements AutoCloseable {
  private final String name;
  private final String layer;
  private final String stage;
  private final String strategy;
  private final Phase parent;
  private final long done;
  private final long total;
  private final long startNanos;
  private final boolean live;
  private String result;
  private boolean closed;

  Phase(Builder b, Phase parent, boolean live) {
    this.name = b.name;
    this.parent = parent;
    this.layer = b.layer != null ? b.layer : parent == null ? null : parent.layer;
    this.stage = b.stage != null ? b.stage : parent == null ? null : parent.stage;
    this.strategy = b.strategy != null ? b.strategy : parent == null ? null : parent.strategy;
    this.done = b.done;
    this.total = b.total;
    this.live = live;
    this.startNanos = System.nanoTime();
  }

  public String name() {
    return name;
  }

  /** The layer (this phase's or an outer phase's), or null. */
  public String layer() {
    return layer;
  }

  /** The compression stage (e.g. "kmeans(4)"), or null. */
  public String stage() {
    return stage;
  }

  /** The chaining strategy, or null. */
  public String strategy() {
    return strategy;
  }

  public Phase parent() {
    return parent;
  }

  /** Seconds since the phase started. */
  public double elapsedSeconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  /** What the phase produced, shown when it ends (e.g. "8 of 12 inputs kept"). */
  public Phase result(String message) {
    this.result = message;
    return this;
  }

  /** Ends the phase (once; later calls do nothing). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    Progress.ended(this);
    if (live) {
      Progress.closed(this);
    }
  }

  ProgressEvent endEvent() {
    ProgressEvent e = ProgressEvent.info(ProgressEvent.PHASE_END).context(this);
    e.seconds(ProgressEvent.ELAPSED_S, elapsedSeconds());
    if (total >= 0) {
      e.count(ProgressEvent.DONE, Math.min(total, done + 1)).count(ProgressEvent.TOTAL, total);
    }
    return e.put(ProgressEvent.MESSAGE, result);
  }

  boolean live() {
    return live;
  }

  /** Describes a phase before it starts: {@code Progress.phase("solve").layer("fc1").step(0, 3).start()}. */
  public static final class Builder {
    private final String name;
    private String layer;
    private String stage;
    private String strategy;
    private String message;
    private long done = -1;
    private long total = -1;
    private double etaSeconds = Double.NaN;

    Builder(String name) {
      this.name = name;
    }

    public Builder layer(String l) {
      this.layer = l;
      return this;
    }

    public Builder stage(String s) {
      this.stage = s;
      return this;
    }

    public Builder strategy(String s) {
      this.strategy = s;
      return this;
    }

    /** What the phase is about, shown when it starts. */
    public Builder message(String m) {
      this.message = m;
      return this;
    }

    /** This phase is one of {@code total} alike, {@code done} of them already finished. */
    public Builder step(long done, long total) {
      this.done = done;
      this.total = total;
      return this;
    }

    /** The estimated seconds left for the enclosing work, shown when it starts (NaN: unknown). */
    public Builder eta(double seconds) {
      this.etaSeconds = seconds;
      return this;
    }

    /** Starts the phase (reports phase_start); close it when it ends. */
    public Phase start() {
      return Progress.started(this);
    }

    ProgressEvent startEvent(Phase p) {
      ProgressEvent e = ProgressEvent.info(ProgressEvent.PHASE_START).context(p);
      if (total >= 0) {
        e.count(ProgressEvent.DONE, done).count(ProgressEvent.TOTAL, total);
      }
      return e.seconds(ProgressEvent.ETA_S, etaSeconds).put(ProgressEvent.MESSAGE, message);
    }
  }
}
