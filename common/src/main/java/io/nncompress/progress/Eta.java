package io.nncompress.progress;

/**
 * Estimates of the time left from the time elapsed and the fraction done, assuming the rest goes at
 * the average rate so far: left = elapsed (1 - f) / f. Unknown (NaN) before anything is done.
 */
public final class Eta {
  private Eta() {}

  /** Seconds left after {@code elapsedSeconds} with {@code fraction} in [0, 1] done; NaN when unknown. */
  public static double seconds(double elapsedSeconds, double fraction) {
    if (!(fraction > 0) || !(elapsedSeconds >= 0) || Double.isInfinite(elapsedSeconds)) {
      return Double.NaN;
    }
    if (fraction >= 1) {
      return 0.0;
    }
    return elapsedSeconds * (1 - fraction) / fraction;
  }

  /** Seconds left after {@code elapsedSeconds} with {@code done} of {@code total} units done. */
  public static double seconds(double elapsedSeconds, long done, long total) {
    if (total <= 0) {
      return Double.NaN;
    }
    return seconds(elapsedSeconds, Math.min(1.0, (double) done / total));
  }

  /**
   * The fraction of an iterative solve done, measured on the log scale of its convergence measure
   * (a relative KKT residual): from {@code first} (at the start) down to {@code target} (the
   * tolerance), {@code current} is ln(first / current) / ln(first / target) of the way, clamped to
   * [0, 1]. Linearly converging methods reduce the log of the residual at a steady rate, so this
   * fraction grows about linearly in time. NaN when it cannot be told (non-positive or non-finite
   * values, or first already at or below the target).
   */
  public static double logFraction(double first, double current, double target) {
    if (!(first > 0) || !(current > 0) || !(target > 0) || Double.isInfinite(first) || Double.isInfinite(current)) {
      return Double.NaN;
    }
    if (first <= target) {
      return Double.NaN;
    }
    double f = Math.log(first / current) / Math.log(first / target);
    return Math.max(0.0, Math.min(1.0, f));
  }
}
