package io.nncompress.progress;

/**
 * What one iterative solve reports: its iterations, objective and relative KKT residual, with an
 * estimate of the time left from the residual's progress on the log scale towards the tolerance
 * ({@link Eta#logFraction}). A solver asks {@link #due} once per iteration (a clock read and a map
 * look-up, nothing when progress is off) and computes the objective only when a report is due:
 * <pre>
 *   if (sp.due(iteration, kkt, false)) sp.report(iteration, objective(...), kkt, null);
 * </pre>
 * and once at the end with {@code last = true} and whether it converged.
 */
public final class SolverProgress {
  static final SolverProgress NONE = new SolverProgress(null, null, Double.NaN, Double.NaN, 0);

  private final ProgressSink sink;
  private final String method;
  private final double lambda;
  private final double tolerance;
  private final long solve;
  private boolean started;
  private double firstKkt = Double.NaN;
  private long startNanos;
  private boolean last;

  SolverProgress(ProgressSink sink, String method, double lambda, double tolerance, long solve) {
    this.sink = sink;
    this.method = method;
    this.lambda = lambda;
    this.tolerance = tolerance;
    this.solve = solve;
  }

  /** Whether anything is reported (false when progress is off). */
  public boolean active() {
    return sink != null;
  }

  /**
   * Whether a report of this iteration is due; {@code last} for the final iteration (always due in
   * JSON Lines, throttled like the others in human lines).
   */
  public boolean due(int iteration, double kkt, boolean last) {
    if (sink == null) {
      return false;
    }
    Edge edge;
    if (last) {
      edge = Edge.END;
    } else if (!started) {
      started = true;
      firstKkt = kkt;
      startNanos = System.nanoTime();
      edge = Edge.START;
    } else {
      edge = Edge.MIDDLE;
    }
    this.last = last;
    return sink.due("solver", edge);
  }

  /** Reports an iteration {@link #due} allowed; {@code converged} only with the last (else null). */
  public void report(int iteration, double objective, double kkt, Boolean converged) {
    if (sink == null) {
      return;
    }
    ProgressEvent e = ProgressEvent.info(ProgressEvent.SOLVER).context(Progress.current());
    e.put(ProgressEvent.METHOD, method).put(ProgressEvent.SOLVE, solve).put(ProgressEvent.LAMBDA_VALUE, lambda);
    e.put(ProgressEvent.ITERATION, iteration).put(ProgressEvent.OBJECTIVE, objective).put(ProgressEvent.KKT, kkt);
    e.put(ProgressEvent.TOLERANCE, tolerance);
    if (last && Boolean.TRUE.equals(converged)) {
      e.seconds(ProgressEvent.ETA_S, 0.0);
    } else if (started) {
      e.seconds(ProgressEvent.ETA_S, Eta.seconds((System.nanoTime() - startNanos) / 1e9,
          Eta.logFraction(firstKkt, kkt, tolerance)));
    }
    e.put(ProgressEvent.CONVERGED, converged);
    sink.write(e);
  }
}
