package io.nncompress.spark.compress;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The seconds of a run's consecutive phases (metrics.json's {@code timings}): each {@link #lap}
 * names the phase that just ended, so that the phases do not overlap and add up to the whole.
 */
final class PhaseTimer {
  private final Map<String, Double> seconds = new LinkedHashMap<>();
  private long last = System.nanoTime();

  /** The phase that ran since the previous lap (or since this timer was made) was {@code phase}. */
  void lap(String phase) {
    long now = System.nanoTime();
    seconds.merge(phase, (now - last) / 1e9, Double::sum);
    last = now;
  }

  /** Phase to seconds, in run order. */
  Map<String, Double> seconds() {
    return new LinkedHashMap<>(seconds);
  }
}
