package io.nncompress.report;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleFunction;

/**
 * What every chart shares: a stable id and CSS class on its {@code <svg>}, a {@code <title>}
 * (tooltip and accessible name), a visible caption, axis labels, a legend, and the frame
 * (size and margins). Every mark that shows data (line, marker, bar) has class {@code data}, so
 * a test can count them; axes, ticks and grid lines have classes {@code axis}, {@code tick},
 * {@code grid}. Colours, strokes and font sizes are also set as presentation attributes, so a chart
 * looks right on its own (in a notebook, say); a page's CSS overrides them.
 */
public abstract class Chart<T extends Chart<T>> {
  final String id;
  final String title;
  String xLabel = "";
  String yLabel = "";
  int width = 600;
  int height = 340;
  // plot area margins: top holds caption and legend, left the y tick labels
  int top = 48;
  int right = 20;
  int bottom = 48;
  int left = 72;
  DoubleFunction<String> xFormat = Svg::number;
  DoubleFunction<String> yFormat = Svg::number;
  final List<String[]> legend = new ArrayList<>(); // {name, colour}

  Chart(String id, String title) {
    this.id = Svg.checkId(id);
    this.title = title == null ? "" : title;
  }

  @SuppressWarnings("unchecked")
  private T self() {
    return (T) this;
  }

  public T xLabel(String s) {
    xLabel = s == null ? "" : s;
    return self();
  }

  public T yLabel(String s) {
    yLabel = s == null ? "" : s;
    return self();
  }

  public T size(int w, int h) {
    if (w < 200 || h < 150) {
      throw new IllegalArgumentException("size must be at least 200x150, cannot be: " + w + "x" + h);
    }
    width = w;
    height = h;
    return self();
  }

  public T xFormat(DoubleFunction<String> f) {
    xFormat = f;
    return self();
  }

  public T yFormat(DoubleFunction<String> f) {
    yFormat = f;
    return self();
  }

  public String id() {
    return id;
  }

  /** The chart as one {@code <svg>} element. */
  public abstract String toSvg();

  /** CSS class of the svg element besides {@code chart}. */
  abstract String kind();

  static String colour(int i) {
    return Svg.PALETTE[i % Svg.PALETTE.length];
  }

  /** Opens the svg with id, class, title, caption and axis labels; the caller closes it. */
  StringBuilder open() {
    StringBuilder b = new StringBuilder(4096);
    b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"").append(id)
        .append("\" class=\"chart ").append(kind()).append("\" width=\"").append(width)
        .append("\" height=\"").append(height).append("\" viewBox=\"0 0 ").append(width).append(' ')
        .append(height).append("\" font-family=\"sans-serif\" font-size=\"11\" fill=\"#444\" role=\"img\" aria-labelledby=\"")
        .append(id).append("-title\">");
    b.append("<title id=\"").append(id).append("-title\">").append(Svg.escape(title)).append("</title>");
    b.append("<text class=\"caption\" font-size=\"13\" font-weight=\"600\" fill=\"#222\" x=\"").append(left).append("\" y=\"18\">")
        .append(Svg.escape(title)).append("</text>");
    double midX = left + (width - left - right) / 2.0;
    double midY = top + (height - top - bottom) / 2.0;
    if (!xLabel.isEmpty()) {
      b.append("<text class=\"label\" font-size=\"12\" text-anchor=\"middle\" x=\"").append(Svg.c(midX))
          .append("\" y=\"").append(height - 8).append("\">").append(Svg.escape(xLabel)).append("</text>");
    }
    if (!yLabel.isEmpty()) {
      b.append("<text class=\"label\" font-size=\"12\" text-anchor=\"middle\" transform=\"translate(14,")
          .append(Svg.c(midY)).append(") rotate(-90)\">").append(Svg.escape(yLabel)).append("</text>");
    }
    return b;
  }

  /**
   * Legend entries in one row: right-aligned on the caption's row when both fit, else on a row of
   * their own under the caption.
   */
  void legend(StringBuilder b) {
    double w = 0;
    for (String[] e : legend) {
      w += entryWidth(e[0]);
    }
    boolean sameRow = left + textWidth(title, 7) + 24 + w <= width - right;
    double x = sameRow ? width - right - w + 18 : left;
    double y = sameRow ? 18 : 36;
    for (String[] e : legend) {
      b.append("<rect class=\"swatch\" x=\"").append(Svg.c(x)).append("\" y=\"").append(Svg.c(y - 9))
          .append("\" width=\"10\" height=\"10\" fill=\"").append(e[1]).append("\"/>");
      b.append("<text class=\"legend\" x=\"").append(Svg.c(x + 14)).append("\" y=\"").append(Svg.c(y))
          .append("\">").append(Svg.escape(e[0])).append("</text>");
      x += entryWidth(e[0]);
    }
  }

  private static double entryWidth(String name) {
    return 14 + textWidth(name, 6.2) + 18;
  }

  /** Estimated width of text: about 0.55 em per character (no font metrics without a browser). */
  static double textWidth(String s, double perChar) {
    return s.length() * perChar;
  }

  /** Y axis with grid lines at the ticks of s, labels formatted by yFormat. */
  void yAxis(StringBuilder b, Scale s) {
    for (double t : s.ticks) {
      double y = s.apply(t);
      b.append("<line class=\"grid\" stroke=\"#eee\" x1=\"").append(left).append("\" x2=\"").append(width - right)
          .append("\" y1=\"").append(Svg.c(y)).append("\" y2=\"").append(Svg.c(y)).append("\"/>");
      b.append("<text class=\"tick\" text-anchor=\"end\" x=\"").append(left - 6).append("\" y=\"")
          .append(Svg.c(y + 4)).append("\">").append(Svg.escape(yFormat.apply(t))).append("</text>");
    }
    b.append("<line class=\"axis\" stroke=\"#888\" x1=\"").append(left).append("\" x2=\"").append(left)
        .append("\" y1=\"").append(top).append("\" y2=\"").append(height - bottom).append("\"/>");
  }

  /** X axis line at the bottom with ticks of s (may be null: line only). */
  void xAxis(StringBuilder b, Scale s) {
    int y0 = height - bottom;
    b.append("<line class=\"axis\" stroke=\"#888\" x1=\"").append(left).append("\" x2=\"").append(width - right)
        .append("\" y1=\"").append(y0).append("\" y2=\"").append(y0).append("\"/>");
    if (s == null) {
      return;
    }
    for (double t : s.ticks) {
      double x = s.apply(t);
      b.append("<line class=\"tick\" stroke=\"#888\" x1=\"").append(Svg.c(x)).append("\" x2=\"").append(Svg.c(x))
          .append("\" y1=\"").append(y0).append("\" y2=\"").append(y0 + 5).append("\"/>");
      b.append("<text class=\"tick\" text-anchor=\"middle\" x=\"").append(Svg.c(x)).append("\" y=\"")
          .append(y0 + 18).append("\">").append(Svg.escape(xFormat.apply(t))).append("</text>");
    }
  }
}
