package io.nncompress.progress;

/** Where progress events and log messages go, and how often (see {@link Throttle}). */
public interface ProgressSink {
  /** Whether progress events are wanted at all (false: quiet). */
  boolean progress();

  /** Whether an event of {@code key} at {@code edge} is to be written now; when true, it counts as written. */
  boolean due(String key, Edge edge);

  /** Whether the end of a phase that took this long is worth a line. */
  boolean showPhaseEnd(double elapsedSeconds);

  /** Writes one event (never throttled: ask {@link #due} first for progress). */
  void write(ProgressEvent e);

  /** Nothing is reported. */
  ProgressSink NONE = new ProgressSink() {
    @Override
    public boolean progress() {
      return false;
    }

    @Override
    public boolean due(String key, Edge edge) {
      return false;
    }

    @Override
    public boolean showPhaseEnd(double elapsedSeconds) {
      return false;
    }

    @Override
    public void write(ProgressEvent e) {}
  };
}
