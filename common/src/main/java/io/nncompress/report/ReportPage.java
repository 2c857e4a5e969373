package io.nncompress.report;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The HTML being built for a report, with its plot ids, and the formatting its sections share. */
final class ReportPage {
  final StringBuilder out = new StringBuilder(1 << 16);
  private final Set<String> ids = new HashSet<>();
  final List<String> plots = new ArrayList<>();

  /** A unique plot id from {@code want} (slugged, then "-2", "-3"... on a clash), recorded in page order. */
  String id(String want) {
    String id = Svg.slug(want);
    for (int k = 2; !ids.add(id); k++) {
      id = Svg.slug(want) + "-" + k;
    }
    plots.add(id);
    return id;
  }

  void h2(String title) {
    out.append("<h2>").append(Svg.escape(title)).append("</h2>\n");
  }

  void chart(String svg, String cls) {
    out.append("<figure class=\"").append(cls).append("\">").append(svg).append("</figure>\n");
  }

  /** A note in place of a plot whose data is missing; {@code key} names the section. */
  void note(String key, String text) {
    out.append("<p class=\"note missing\" data-section=\"").append(Svg.escape(key)).append("\">")
        .append(Svg.escape(text)).append("</p>\n");
  }

  /** One row of the end-to-end table. */
  void row(String name, String before, String after, String ratio) {
    out.append("<tr><td>").append(Svg.escape(name)).append("</td><td>").append(Svg.escape(before))
        .append("</td><td>").append(Svg.escape(after)).append("</td><td>").append(Svg.escape(ratio))
        .append("</td></tr>\n");
  }

  // ---------------------------------------------------------------- values

  /** A number of the metrics, NaN when absent. */
  static double num(Number n) {
    return n == null ? Double.NaN : n.doubleValue();
  }

  static String str(Object o, String dflt) {
    return o == null ? dflt : String.valueOf(o);
  }

  static double[] orEmpty(double[] v) {
    return v == null ? new double[0] : v;
  }

  static String pct(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
  }

  static String count(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.format(Locale.ROOT, "%,d", (long) v) : Svg.number(v);
  }

  static String ratio(double a, double b) {
    if (Double.isNaN(a) || Double.isNaN(b) || b == 0) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.2f%% (%.1fx smaller)", 100 * a / b, b / a);
  }

  static String seconds(double s) {
    if (Double.isNaN(s)) {
      return "-";
    }
    return s < 60 ? String.format(Locale.ROOT, "%.2f s", s)
        : String.format(Locale.ROOT, "%d min %.1f s", (long) (s / 60), s % 60);
  }

  static final String CSS = String.join("",
      "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;",
      "color:#222;max-width:1240px;margin:16px auto;padding:0 12px;background:#fff}",
      "h1{font-size:22px;margin:4px 0}h2{font-size:17px;margin:22px 0 8px;border-bottom:1px solid #ddd;padding-bottom:3px}",
      ".meta{color:#555;margin:2px 0 8px}.note{color:#666;font-style:italic;margin:6px 0}",
      ".footer{color:#888;font-size:12px;margin-top:24px}",
      "table{border-collapse:collapse;margin:6px 0;font-size:13px}",
      "th,td{border-bottom:1px solid #e4e4e4;padding:3px 8px;text-align:right;white-space:nowrap}",
      "table.layers th{white-space:normal;vertical-align:bottom}table.config td,table.config th{text-align:left}",
      "th:first-child,td:first-child{text-align:left}th{background:#f5f5f5;font-weight:600}",
      "td.bad{color:#b00020;font-weight:600}",
      ".charts{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:flex-start}",
      "figure{margin:4px 0}",
      "svg.chart{background:#fff;border:1px solid #eee;font-family:inherit}",
      "svg .caption{font-size:13px;font-weight:600;fill:#222}svg .label{font-size:12px;fill:#444}",
      "svg .tick,svg .legend,svg .point-label,svg .value{font-size:11px;fill:#444}",
      "svg text.tick{stroke:none}svg line.tick{stroke:#888}",
      "svg .point-label{fill:#222}svg .value{fill:#555}",
      "svg .axis{stroke:#888;stroke-width:1}svg .grid{stroke:#eee;stroke-width:1}",
      "svg .empty{font-size:13px;fill:#999}",
      "svg .bar:hover,svg .marker:hover{opacity:.75}");
}
