package io.nncompress.progress;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The throttle against an injected clock (nanoseconds), no wall time. */
class ThrottleTest {
  static final long S = 1_000_000_000L;

  static final class Clock {
    long t = 1000 * S;
  }

  @Test
  void jsonLinesKeepEveryEdgeAndThrottleTheMiddle() {
    Clock c = new Clock();
    Throttle th = new Throttle(S, Throttle.Policy.EDGES_ALWAYS, () -> c.t);
    assertTrue(th.due("solver", Edge.START));
    c.t += S / 10;
    assertFalse(th.due("solver", Edge.MIDDLE), "0.1 s after the start");
    c.t += S / 2;
    assertFalse(th.due("solver", Edge.MIDDLE), "0.6 s after the start");
    c.t += S / 2;
    assertTrue(th.due("solver", Edge.MIDDLE), "1.1 s after the start");
    c.t += S / 10;
    assertTrue(th.due("solver", Edge.END), "the last is always written");
    assertTrue(th.due("solver", Edge.START), "so is the first of the next run");
    c.t += S / 10;
    assertFalse(th.due("solver", Edge.MIDDLE));
    // keys are independent
    assertTrue(th.due("spark", Edge.MIDDLE), "a key never seen: nothing was written for it yet");
    assertFalse(th.due("spark", Edge.MIDDLE));
    c.t += S;
    assertTrue(th.due("spark", Edge.MIDDLE));
    assertTrue(th.due("solver", Edge.MIDDLE));
  }

  @Test
  void humanLinesThrottleEverythingAndStayQuietForShortWork() {
    Clock c = new Clock();
    Throttle th = new Throttle(2 * S, Throttle.Policy.ALL_THROTTLED, () -> c.t);
    assertFalse(th.due("spark", Edge.START), "the first event only starts the clock");
    c.t += S;
    assertFalse(th.due("spark", Edge.MIDDLE));
    assertFalse(th.due("spark", Edge.END), "work done within the interval prints nothing");
    c.t += S;
    assertTrue(th.due("spark", Edge.START), "2 s since the clock started");
    c.t += S;
    assertFalse(th.due("spark", Edge.END), "edges are throttled too");
    c.t += S;
    assertTrue(th.due("spark", Edge.MIDDLE));
    assertFalse(th.due("solver", Edge.START), "another key has its own clock");
    c.t += 2 * S;
    assertTrue(th.due("solver", Edge.MIDDLE));
  }

  @Test
  void intervalZeroLetsEverythingThrough() {
    Clock c = new Clock();
    for (Throttle.Policy p : Throttle.Policy.values()) {
      Throttle th = new Throttle(0, p, () -> c.t);
      for (Edge e : new Edge[] {Edge.START, Edge.MIDDLE, Edge.MIDDLE, Edge.END}) {
        assertTrue(th.due("solver", e), p + " " + e);
      }
    }
  }
}
