package io.nncompress.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Axis ticks. Linear: "nice" steps 1, 2 or 5 x 10^k covering [min, max] with about n ticks
 * (Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990). Logarithmic: the powers of ten
 * around [min, max], with 2 and 5 x 10^k added when the range spans fewer than 3 decades.
 */
public final class Ticks {
  private Ticks() {}

  /** The nice step for a range split into about n intervals: 1, 2, 5 or 10 x 10^floor(log10(range/n)). */
  public static double niceStep(double range, int n) {
    if (!(range > 0) || Double.isInfinite(range)) {
      throw new IllegalArgumentException("range must be finite and > 0, cannot be: " + range);
    }
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, cannot be: " + n);
    }
    double raw = range / n;
    double p = Math.pow(10, Math.floor(Math.log10(raw)));
    double f = raw / p; // f in [1, 10)
    double nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    return nice * p;
  }

  /**
   * Linear ticks: multiples of {@link #niceStep} from floor(min/step)*step to ceil(max/step)*step,
   * so the first and last tick enclose [min, max] (the chart uses them as its domain). A degenerate
   * range (min == max) is widened to min +- 1 (or +- |min|/2).
   */
  public static double[] linear(double min, double max, int n) {
    if (!(min <= max) || Double.isInfinite(min) || Double.isInfinite(max)) {
      throw new IllegalArgumentException("min <= max (finite) expected, cannot be: " + min + ", " + max);
    }
    if (min == max) {
      double w = min == 0 ? 1 : Math.abs(min) / 2;
      min -= w;
      max += w;
    }
    double step = niceStep(max - min, n);
    long lo = (long) Math.floor(min / step + 1e-9);
    long hi = (long) Math.ceil(max / step - 1e-9);
    double[] t = new double[(int) (hi - lo + 1)];
    for (int i = 0; i < t.length; i++) {
      // multiply, do not accumulate: 0.1 + 0.1 + 0.1 != 0.3
      t[i] = clean((lo + i) * step, step);
    }
    return t;
  }

  /**
   * Logarithmic ticks for positive [min, max]: 10^k for k = floor(log10 min) .. ceil(log10 max);
   * with fewer than 3 decades also 2 x 10^k and 5 x 10^k inside the range.
   */
  public static double[] log(double min, double max) {
    if (!(min > 0) || !(min <= max) || Double.isInfinite(max)) {
      throw new IllegalArgumentException("0 < min <= max (finite) expected, cannot be: " + min + ", " + max);
    }
    int lo = (int) Math.floor(Math.log10(min) + 1e-9);
    int hi = (int) Math.ceil(Math.log10(max) - 1e-9);
    if (hi == lo) {
      hi++;
    }
    List<Double> t = new ArrayList<>();
    boolean fine = hi - lo < 3;
    for (int k = lo; k <= hi; k++) {
      double p = Math.pow(10, k);
      t.add(clean(p, p));
      if (fine && k < hi) {
        for (double m : new double[] {2, 5}) {
          double v = clean(m * p, p);
          if (v >= min && v <= max) {
            t.add(v);
          }
        }
      }
    }
    double[] r = new double[t.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = t.get(i);
    }
    return r;
  }

  /** Rounds v to a multiple of step/1000 so that printed ticks read 0.3, not 0.30000000000000004. */
  private static double clean(double v, double step) {
    double q = step / 1000;
    double r = Math.round(v / q) * q;
    // round through the decimal string to drop binary residue
    return Double.parseDouble(String.format(java.util.Locale.ROOT, "%.12g", r));
  }
}
