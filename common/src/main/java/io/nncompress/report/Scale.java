package io.nncompress.report;

/** Maps a data interval [d0, d1] onto pixels [r0, r1], linearly or in log10. */
final class Scale {
  final double d0;
  final double d1;
  final double r0;
  final double r1;
  final boolean log;
  final double[] ticks;

  private Scale(double d0, double d1, double r0, double r1, boolean log, double[] ticks) {
    this.d0 = d0;
    this.d1 = d1;
    this.r0 = r0;
    this.r1 = r1;
    this.log = log;
    this.ticks = ticks;
  }

  /**
   * The scale whose domain is the span of the ticks of [min, max] (log ticks when log), so the
   * axis starts and ends on a tick.
   */
  static Scale of(double min, double max, boolean log, double r0, double r1, int nTicks) {
    double[] t = log ? Ticks.log(min, max) : Ticks.linear(min, max, nTicks);
    return new Scale(t[0], t[t.length - 1], r0, r1, log, t);
  }

  double apply(double v) {
    // t = position of v in the domain, 0..1
    double t = log
        ? (Math.log10(v) - Math.log10(d0)) / (Math.log10(d1) - Math.log10(d0))
        : (v - d0) / (d1 - d0);
    return r0 + t * (r1 - r0);
  }

  /** True if v can be placed on this scale (finite, and positive on a log scale). */
  static boolean plottable(double v, boolean log) {
    return Double.isFinite(v) && (!log || v > 0);
  }
}
