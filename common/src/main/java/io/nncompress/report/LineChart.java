package io.nncompress.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Line and scatter chart: series of (x, y) points drawn as a polyline, markers or both, each point
 * optionally labelled; either axis linear or log10. On a log axis, points with a non-positive
 * coordinate cannot be drawn and are left out (as are NaN and infinite points). A series is drawn
 * in the order its points are given; sort them first for a curve.
 *
 * <pre>{@code
 * String svg = new LineChart("path-fc1", "fc1: inputs kept vs lambda")
 *     .logX(true).xLabel("lambda").yLabel("inputs kept")
 *     .series("kept", lambdas, kept, true, true, null)
 *     .toSvg();
 * }</pre>
 */
public final class LineChart extends Chart<LineChart> {
  private static final class Series {
    String name;
    double[] x;
    double[] y;
    boolean line;
    boolean markers;
    String[] labels;
  }

  private final List<Series> series = new ArrayList<>();
  private final List<double[]> highlights = new ArrayList<>();
  private final List<String> highlightLabels = new ArrayList<>();
  private boolean logX;
  private boolean logY;
  private boolean yFromZero;

  public LineChart(String id, String title) {
    super(id, title);
  }

  public LineChart logX(boolean on) {
    logX = on;
    return this;
  }

  public LineChart logY(boolean on) {
    logY = on;
    return this;
  }

  /** Linear y axis starts at 0 (or below, for negative data) instead of at the data minimum. */
  public LineChart yFromZero(boolean on) {
    yFromZero = on;
    return this;
  }

  /**
   * Adds a series. x and y have the same length; labels is null or has that length too (null
   * entries: no label).
   */
  public LineChart series(String name, double[] x, double[] y, boolean line, boolean markers, String[] labels) {
    if (x.length != y.length) {
      throw new IllegalArgumentException("x and y must have the same length: " + x.length + " vs " + y.length);
    }
    if (labels != null && labels.length != x.length) {
      throw new IllegalArgumentException("labels must have one entry per point: " + labels.length + " vs " + x.length);
    }
    Series s = new Series();
    s.name = name == null ? "" : name;
    s.x = x.clone();
    s.y = y.clone();
    s.line = line;
    s.markers = markers;
    s.labels = labels == null ? null : labels.clone();
    series.add(s);
    return this;
  }

  /** Marks one point with a ring and a label (e.g. the lambda that was chosen). */
  public LineChart highlight(double x, double y, String label) {
    highlights.add(new double[] {x, y});
    highlightLabels.add(label == null ? "" : label);
    return this;
  }

  @Override
  String kind() {
    return "line-chart";
  }

  @Override
  public String toSvg() {
    double xMin = Double.POSITIVE_INFINITY;
    double xMax = Double.NEGATIVE_INFINITY;
    double yMin = Double.POSITIVE_INFINITY;
    double yMax = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (int i = 0; i < s.x.length; i++) {
        if (ok(s.x[i], s.y[i])) {
          xMin = Math.min(xMin, s.x[i]);
          xMax = Math.max(xMax, s.x[i]);
          yMin = Math.min(yMin, s.y[i]);
          yMax = Math.max(yMax, s.y[i]);
        }
      }
    }
    boolean empty = xMin > xMax;
    if (empty) {
      xMin = logX ? 1 : 0;
      xMax = logX ? 10 : 1;
      yMin = logY ? 1 : 0;
      yMax = logY ? 10 : 1;
    }
    if (yFromZero && !logY) {
      yMin = Math.min(0, yMin);
    }
    Scale sx = Scale.of(xMin, xMax, logX, left, width - right, 6);
    Scale sy = Scale.of(yMin, yMax, logY, height - bottom, top, 5);

    for (int k = 0; k < series.size(); k++) {
      legend.add(new String[] {series.get(k).name, colour(k)});
    }
    StringBuilder b = open();
    if (series.size() > 1) {
      legend(b);
    }
    yAxis(b, sy);
    xAxis(b, sx);
    if (empty) {
      b.append("<text class=\"empty\" font-size=\"13\" fill=\"#999\" text-anchor=\"middle\" x=\"").append(width / 2).append("\" y=\"")
          .append(height / 2).append("\">no data</text>");
    }
    LabelPlacer labels = new LabelPlacer(0, width, top, height - bottom);
    for (int k = 0; k < series.size(); k++) {
      Series s = series.get(k);
      String col = colour(k);
      if (s.line) {
        StringBuilder d = new StringBuilder();
        for (int i = 0; i < s.x.length; i++) {
          if (ok(s.x[i], s.y[i])) {
            d.append(d.length() == 0 ? "M" : " L").append(Svg.c(sx.apply(s.x[i]))).append(',')
                .append(Svg.c(sy.apply(s.y[i])));
          }
        }
        if (d.length() > 0) {
          b.append("<path class=\"data line\" fill=\"none\" stroke=\"").append(col)
              .append("\" stroke-width=\"2\" d=\"").append(d).append("\"><title>")
              .append(Svg.escape(s.name)).append("</title></path>");
        }
      }
      for (int i = 0; i < s.x.length; i++) {
        if (!ok(s.x[i], s.y[i])) {
          continue;
        }
        double px = sx.apply(s.x[i]);
        double py = sy.apply(s.y[i]);
        if (s.markers) {
          b.append("<circle class=\"data marker\" cx=\"").append(Svg.c(px)).append("\" cy=\"")
              .append(Svg.c(py)).append("\" r=\"3.5\" fill=\"").append(col).append("\"><title>")
              .append(Svg.escape((s.name.isEmpty() ? "" : s.name + ": ")
                  + (s.labels != null && s.labels[i] != null ? s.labels[i] + " " : "")
                  + "(" + xFormat.apply(s.x[i]) + ", " + yFormat.apply(s.y[i]) + ")"))
              .append("</title></circle>");
        }
        if (s.labels != null && s.labels[i] != null && !s.labels[i].isEmpty()) {
          // beside the point, where it overlaps no other label (see LabelPlacer)
          LabelPlacer.Placed at = labels.place(s.labels[i], px, py);
          b.append("<text class=\"point-label\" fill=\"#222\" text-anchor=\"").append(at.end() ? "end" : "start")
              .append("\" x=\"").append(Svg.c(at.x())).append("\" y=\"")
              .append(Svg.c(at.y())).append("\">").append(Svg.escape(s.labels[i])).append("</text>");
        }
      }
    }
    for (int i = 0; i < highlights.size(); i++) {
      double[] h = highlights.get(i);
      if (!ok(h[0], h[1])) {
        continue;
      }
      double px = sx.apply(h[0]);
      double py = sy.apply(h[1]);
      b.append("<circle class=\"highlight\" cx=\"").append(Svg.c(px)).append("\" cy=\"").append(Svg.c(py))
          .append("\" r=\"7\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.5\"/>");
      boolean flip = px > width - right - 120;
      b.append("<text class=\"point-label\" fill=\"#222\" font-weight=\"bold\" text-anchor=\"").append(flip ? "end" : "start")
          .append("\" x=\"").append(Svg.c(px + (flip ? -10 : 10))).append("\" y=\"").append(Svg.c(py + 16))
          .append("\">").append(Svg.escape(highlightLabels.get(i))).append("</text>");
    }
    return b.append("</svg>").toString();
  }

  private boolean ok(double x, double y) {
    return Scale.plottable(x, logX) && Scale.plottable(y, logY);
  }
}
