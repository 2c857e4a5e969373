package io.nncompress.progress;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The process-wide progress reporter: code opens {@link Phase}s, solvers report iterations through
 * {@link #solver}, and anything else through {@link #report}. Nothing is reported until a sink is
 * {@link #install installed}; with none (or a quiet one) every call returns at once.
 */
public final class Progress {
  /** Told when the current phase changes (e.g. to tag Spark jobs with it), on the thread that changed it. */
  public interface PhaseListener {
    /** The current phase is now {@code current} (null: none). */
    void changed(Phase current);

    /** {@code p} is about to end (before its phase_end is reported). */
    default void ending(Phase p) {}
  }

  private static volatile ProgressSink sink = ProgressSink.NONE;
  private static volatile Phase current;
  private static final List<PhaseListener> LISTENERS = new CopyOnWriteArrayList<>();
  private static final AtomicLong SOLVES = new AtomicLong();
  private static volatile PhaseTimer timer;

  private Progress() {}

  /** Installs {@code s} (null: none) and returns the sink it replaces; open phases are forgotten. */
  public static synchronized ProgressSink install(ProgressSink s) {
    ProgressSink previous = sink;
    sink = s == null ? ProgressSink.NONE : s;
    setCurrent(null);
    return previous;
  }

  public static ProgressSink sink() {
    return sink;
  }

  /** Whether progress is reported (a sink is installed and it is not quiet). */
  public static boolean enabled() {
    return sink.progress();
  }

  /** The innermost open phase, or null. */
  public static Phase current() {
    return current;
  }

  public static void addListener(PhaseListener l) {
    LISTENERS.add(l);
  }

  public static void removeListener(PhaseListener l) {
    LISTENERS.remove(l);
  }

  /** Describes a phase to start: {@code try (Phase p = Progress.phase("evaluation").start()) {...}}. */
  public static Phase.Builder phase(String name) {
    return new Phase.Builder(name);
  }

  /** The reporter of one iterative solve (a no-op when progress is off). */
  public static SolverProgress solver(String method, double lambda, double tolerance) {
    ProgressSink s = sink;
    return s.progress() ? new SolverProgress(s, method, lambda, tolerance, SOLVES.incrementAndGet())
        : SolverProgress.NONE;
  }

  /**
   * Reports {@code e} (with the current phase's context) when the sink wants progress and
   * {@code key} is due at {@code edge}; returns whether it was written.
   */
  public static boolean report(String key, Edge edge, ProgressEvent e) {
    ProgressSink s = sink;
    if (!s.progress() || !s.due(key, edge)) {
      return false;
    }
    s.write(e.context(current));
    return true;
  }

  /** Whether an event of {@code key} at {@code edge} would be written now (then it counts as written). */
  public static boolean due(String key, Edge edge) {
    ProgressSink s = sink;
    return s.progress() && s.due(key, edge);
  }

  /** Writes {@code e} as it is, not throttled (log messages, errors, the end of a command). */
  public static void write(ProgressEvent e) {
    sink.write(e);
  }

  static void timer(PhaseTimer t) {
    timer = t;
  }

  static void untimer(PhaseTimer t) {
    if (timer == t) {
      timer = null;
    }
  }

  static Phase started(Phase.Builder b) {
    ProgressSink s = sink;
    PhaseTimer t = timer;
    if (!s.progress()) {
      Phase p = new Phase(b, current, false);
      if (t != null) {
        t.started(p);
      }
      return p;
    }
    Phase p;
    synchronized (Progress.class) {
      p = new Phase(b, current, true);
      setCurrent(p);
    }
    if (t != null) {
      t.started(p);
    }
    s.write(b.startEvent(p));
    return p;
  }

  // every phase, shown or not, when it ends (before closed(p) for one that is shown)
  static void ended(Phase p) {
    PhaseTimer t = timer;
    if (t != null) {
      t.ended(p);
    }
  }

  static void closed(Phase p) {
    for (PhaseListener l : LISTENERS) {
      l.ending(p);
    }
    ProgressSink s = sink;
    double elapsed = p.elapsedSeconds();
    if (s.progress() && s.showPhaseEnd(elapsed)) {
      s.write(p.endEvent());
    }
    synchronized (Progress.class) {
      if (current == p) {
        setCurrent(p.parent());
      }
    }
  }

  private static void setCurrent(Phase p) {
    current = p;
    for (PhaseListener l : LISTENERS) {
      l.changed(p);
    }
  }
}
