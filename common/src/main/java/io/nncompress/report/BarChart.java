package io.nncompress.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Grouped bar chart: one group per category (e.g. a layer), one bar per series in each group (e.g.
 * before and after), value labels over the bars. The y axis is linear from 0, or log10 (bars then
 * rise from the bottom tick; non-positive values are not drawn).
 */
public final class BarChart extends Chart<BarChart> {
  private final List<String> categories = new ArrayList<>();
  private final List<String> names = new ArrayList<>();
  private final List<double[]> values = new ArrayList<>();
  private boolean logY;
  private boolean valueLabels = true;

  public BarChart(String id, String title, List<String> categories) {
    super(id, title);
    for (String c : categories) {
      this.categories.add(c == null ? "" : c);
    }
  }

  /** Adds a series: one value per category. */
  public BarChart series(String name, double[] v) {
    if (v.length != categories.size()) {
      throw new IllegalArgumentException(
          "series " + name + " must have one value per category: " + v.length + " vs " + categories.size());
    }
    names.add(name == null ? "" : name);
    values.add(v.clone());
    return this;
  }

  public BarChart logY(boolean on) {
    logY = on;
    return this;
  }

  public BarChart valueLabels(boolean on) {
    valueLabels = on;
    return this;
  }

  @Override
  String kind() {
    return "bar-chart";
  }

  @Override
  public String toSvg() {
    double yMin = logY ? Double.POSITIVE_INFINITY : 0;
    double yMax = logY ? 0 : 1e-300;
    for (double[] v : values) {
      for (double x : v) {
        if (Scale.plottable(x, logY)) {
          yMin = Math.min(yMin, x);
          yMax = Math.max(yMax, x);
        }
      }
    }
    if (logY && yMin > yMax) {
      yMin = 1;
      yMax = 10;
    }
    if (!logY && yMax <= 0) {
      yMax = 1;
    }
    Scale sy = Scale.of(yMin, yMax, logY, height - bottom, top, 5);
    for (int k = 0; k < names.size(); k++) {
      legend.add(new String[] {names.get(k), colour(k)});
    }
    StringBuilder b = open();
    legend(b);
    yAxis(b, sy);
    xAxis(b, null);
    int nc = Math.max(1, categories.size());
    int ns = Math.max(1, names.size());
    double group = (width - left - right) / (double) nc;
    double bar = group * 0.8 / ns; // 20% of each group is the gap between groups
    double base = sy.apply(logY ? sy.d0 : 0);
    for (int c = 0; c < categories.size(); c++) {
      double g0 = left + c * group + group * 0.1;
      for (int k = 0; k < values.size(); k++) {
        double v = values.get(k)[c];
        if (!Scale.plottable(v, logY)) {
          continue;
        }
        double x = g0 + k * bar;
        double y = sy.apply(v);
        double yTop = Math.min(y, base);
        // at least 1 px tall so a tiny value is still seen
        double h = Math.max(1, Math.abs(base - y));
        b.append("<rect class=\"data bar\" x=\"").append(Svg.c(x + 1)).append("\" y=\"")
            .append(Svg.c(Math.min(yTop, base - 1))).append("\" width=\"").append(Svg.c(Math.max(1, bar - 2)))
            .append("\" height=\"").append(Svg.c(h)).append("\" fill=\"").append(colour(k))
            .append("\"><title>").append(Svg.escape(categories.get(c) + " " + names.get(k) + ": "
                + yFormat.apply(v))).append("</title></rect>");
        if (valueLabels) {
          b.append("<text class=\"value\" text-anchor=\"middle\" x=\"").append(Svg.c(x + bar / 2))
              .append("\" y=\"").append(Svg.c(Math.min(yTop, base - 1) - 3)).append("\">")
              .append(Svg.escape(yFormat.apply(v))).append("</text>");
        }
      }
      b.append("<text class=\"tick\" text-anchor=\"middle\" x=\"").append(Svg.c(left + (c + 0.5) * group))
          .append("\" y=\"").append(height - bottom + 18).append("\">")
          .append(Svg.escape(shorten(categories.get(c), (int) (group / 7)))).append("</text>");
    }
    return b.append("</svg>").toString();
  }

  /** Long category names are cut to fit their group, with an ellipsis. */
  static String shorten(String s, int max) {
    max = Math.max(4, max);
    return s.length() <= max ? s : s.substring(0, max - 1) + "\u2026";
  }
}
