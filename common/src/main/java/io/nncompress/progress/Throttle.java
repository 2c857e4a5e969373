package io.nncompress.progress;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Decides whether an event may be written now, so that logs are not flooded: at most one event
 * of a key (e.g. "solver", "spark") per interval. The clock is injected (nanoseconds, like
 * {@link System#nanoTime()}).
 *
 * <p>Two policies. {@link Policy#EDGES_ALWAYS} (JSON Lines, for machines): the first and last event
 * of a run ({@link Edge#START}, {@link Edge#END}: a solve's first and last iteration, a Spark stage's
 * submission and completion) always pass, events in between pass when the key's last written event
 * is at least an interval old. {@link Policy#ALL_THROTTLED} (human lines): every event is
 * throttled alike, and the first event ever seen of a key only starts its clock, so work that ends
 * within one interval prints nothing of that key. An interval of 0 lets everything through.
 */
public final class Throttle {
  /** See the class comment. */
  public enum Policy {
    EDGES_ALWAYS, ALL_THROTTLED
  }

  private final long intervalNanos;
  private final Policy policy;
  private final LongSupplier clock;
  private final Map<String, Long> last = new HashMap<>();

  public Throttle(long intervalNanos, Policy policy, LongSupplier clock) {
    if (intervalNanos < 0) {
      throw new IllegalArgumentException("interval must be non-negative, cannot be: " + intervalNanos);
    }
    this.intervalNanos = intervalNanos;
    this.policy = policy;
    this.clock = clock;
  }

  public long intervalNanos() {
    return intervalNanos;
  }

  public Policy policy() {
    return policy;
  }

  /** The clock's time now (nanoseconds). */
  public long now() {
    return clock.getAsLong();
  }

  /** Whether an event of {@code key} at {@code edge} may be written now; when it may, it counts as written. */
  public synchronized boolean due(String key, Edge edge) {
    long now = clock.getAsLong();
    if (intervalNanos == 0 || (policy == Policy.EDGES_ALWAYS && edge != Edge.MIDDLE)) {
      last.put(key, now);
      return true;
    }
    Long t = last.get(key);
    if (t == null) {
      last.put(key, now);
      return policy == Policy.EDGES_ALWAYS; // a middle event of a key never seen: nothing was written yet
    }
    if (now - t >= intervalNanos) {
      last.put(key, now);
      return true;
    }
    return false;
  }
}
