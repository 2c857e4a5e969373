package io.nncompress.report;

/**
 * Histogram over a linear x axis: one bar per bin centre, its height the count. The bins need not
 * be equally spaced (a k-means codebook: centres = centroids, counts = weights sharing each
 * centroid); every bar is as wide as 90% of the smallest gap between neighbouring centres (so
 * bars do not overlap), within 3..48 px. Optional {@link #marks}: vertical lines at given x values
 * over the bars (a layer's weight histogram with its shared values marked), in a second colour,
 * each a data mark with its own tooltip; with marks the chart has a legend.
 */
public final class Histogram extends Chart<Histogram> {
  private final double[] centres;
  private final double[] counts;
  private double[] marks = new double[0];
  private String[] markTips = new String[0];
  private String barsName = "";
  private String marksName = "";

  /** centres and counts have the same length; they are sorted together by centre. */
  public Histogram(String id, String title, double[] centres, double[] counts) {
    super(id, title);
    if (centres.length != counts.length) {
      throw new IllegalArgumentException(
          "centres and counts must have the same length: " + centres.length + " vs " + counts.length);
    }
    Integer[] order = new Integer[centres.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Double.compare(centres[a], centres[b]));
    this.centres = new double[centres.length];
    this.counts = new double[counts.length];
    for (int i = 0; i < order.length; i++) {
      this.centres[i] = centres[order[i]];
      this.counts[i] = counts[order[i]];
    }
  }

  /**
   * Counts of values in `bins` equal bins over [min, max] of the values (NaN skipped): returns
   * {centres, counts}. The last bin is closed: max falls in it.
   */
  public static double[][] bin(double[] values, int bins) {
    if (bins < 1) {
      throw new IllegalArgumentException("bins must be >= 1, cannot be: " + bins);
    }
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      if (Double.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    double[] c = new double[bins];
    double[] n = new double[bins];
    if (lo > hi) {
      return new double[][] {c, n};
    }
    double w = hi > lo ? (hi - lo) / bins : 1;
    for (int i = 0; i < bins; i++) {
      c[i] = lo + (i + 0.5) * w;
    }
    for (double v : values) {
      if (Double.isFinite(v)) {
        // bin i holds [lo + i w, lo + (i+1) w)
        int i = (int) Math.min(bins - 1, Math.floor((v - lo) / w));
        n[i]++;
      }
    }
    return new double[][] {c, n};
  }

  /**
   * Vertical lines at xs (over the whole plot height), tooltips tips (same length), named in the
   * legend marksName beside barsName for the bars.
   */
  public Histogram marks(double[] xs, String[] tips, String barsName, String marksName) {
    if (xs.length != tips.length) {
      throw new IllegalArgumentException("marks and tips must have the same length: " + xs.length + " vs "
          + tips.length);
    }
    this.marks = xs.clone();
    this.markTips = tips.clone();
    this.barsName = barsName == null ? "" : barsName;
    this.marksName = marksName == null ? "" : marksName;
    return this;
  }

  @Override
  String kind() {
    return "histogram";
  }

  @Override
  public String toSvg() {
    double gap = Double.POSITIVE_INFINITY;
    for (int i = 1; i < centres.length; i++) {
      if (centres[i] > centres[i - 1]) {
        gap = Math.min(gap, centres[i] - centres[i - 1]);
      }
    }
    int n = centres.length;
    double xMin = n == 0 ? 0 : centres[0];
    double xMax = n == 0 ? 1 : centres[n - 1];
    if (Double.isInfinite(gap)) {
      gap = xMax > xMin ? xMax - xMin : Math.max(Math.abs(xMin) * 0.2, 1e-3);
    }
    for (double x : marks) {
      if (Double.isFinite(x)) {
        xMin = Math.min(xMin, x);
        xMax = Math.max(xMax, x);
      }
    }
    double yMax = 0;
    for (double v : counts) {
      if (Double.isFinite(v)) {
        yMax = Math.max(yMax, v);
      }
    }
    Scale sx = Scale.of(xMin - gap / 2, xMax + gap / 2, false, left, width - right, 6);
    Scale sy = Scale.of(0, yMax > 0 ? yMax : 1, false, height - bottom, top, 5);
    StringBuilder b = open();
    yAxis(b, sy);
    xAxis(b, sx);
    // 90% of the smallest gap, but at least 3 px so that every bar is seen, at most 48 px
    double px = Math.min(48, Math.max(3, Math.abs(sx.apply(xMin + gap * 0.9) - sx.apply(xMin))));
    double base = sy.apply(0);
    for (int i = 0; i < n; i++) {
      if (!Double.isFinite(centres[i]) || !Double.isFinite(counts[i]) || counts[i] < 0) {
        continue;
      }
      double x = sx.apply(centres[i]);
      double y = sy.apply(counts[i]);
      b.append("<rect class=\"data bar\" x=\"").append(Svg.c(x - px / 2)).append("\" y=\"").append(Svg.c(Math.min(y, base - 1)))
          .append("\" width=\"").append(Svg.c(px)).append("\" height=\"").append(Svg.c(Math.max(1, base - y)))
          .append("\" fill=\"").append(colour(0)).append("\"><title>")
          .append(Svg.escape(xFormat.apply(centres[i]) + ": " + yFormat.apply(counts[i])))
          .append("</title></rect>");
    }
    for (int i = 0; i < marks.length; i++) {
      if (!Double.isFinite(marks[i])) {
        continue;
      }
      double x = sx.apply(marks[i]);
      b.append("<line class=\"data mark\" stroke=\"").append(colour(1)).append("\" stroke-width=\"1.5\" x1=\"")
          .append(Svg.c(x)).append("\" x2=\"").append(Svg.c(x)).append("\" y1=\"").append(top).append("\" y2=\"")
          .append(Svg.c(base)).append("\"><title>").append(Svg.escape(markTips[i])).append("</title></line>");
    }
    if (marks.length > 0) {
      legend.clear();
      legend.add(new String[] {barsName, colour(0)});
      legend.add(new String[] {marksName, colour(1)});
      legend(b);
    }
    return b.append("</svg>").toString();
  }
}
