package io.nncompress.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The self-contained HTML report of a compression run: inline SVG and CSS only (no script, no
 * font, no network), so it opens from disk anywhere.
 *
 * <p>Input: the metrics map exactly as {@code CompressionJob.metrics} builds it (the content of
 * metrics.json): {@code model}, {@code strategy}, {@code seconds}, {@code passes_over_data},
 * {@code blas}, {@code end_to_end} (params/bytes/macs/inputs before and after, optional
 * accuracy_before/after, top1_agreement, evaluation_samples) and {@code layers} (a list of maps
 * with layer, type, target, inputs/outputs/params before and after, lambda, lambda_max,
 * iterations, solver, target_reached, relative_error_lasso/debiased/held_out and
 * {@code lambda_path}: a list of {lambda, kept, relative_error_lasso, relative_error_debiased}).
 * Numbers may be any {@link Number}; a missing or non-numeric value shows as "-".
 *
 * <p>Optional sections (absent: the plot is left out and a one-line note says which key would
 * have filled it). Arrays of numbers may be a {@code List<Number>} or a primitive array.
 * <ul>
 *   <li>{@code "stages"}: {@code List<Map>}, in pipeline order, each
 *       {@code {"stage": String, "bytes": long, "params": long, "accuracy": double,
 *       "agreement": double}}, e.g. stage = "original", "lnr", "prune(0.5)", "kmeans(4)",
 *       "huffman". Plotted as accuracy (and top-1 agreement with the original) against bytes,
 *       log x, one labelled point per stage, joined in the given order. accuracy or agreement may
 *       be missing for a stage. Without stages, the chart shows the two points of
 *       {@code end_to_end} (original and compressed) when it has accuracies.</li>
 *   <li>{@code "spectra"}: {@code Map<String, Object>}: layer name to the singular values of its
 *       weight matrix (any order; sorted descending here), either as a list or as a map
 *       {@code {"singular_values": [...], "rank": int, "of": "W" | "W L", ...}} (what
 *       {@code CompressionJob} writes for a layer through svd / svd_aware: the values of W, or of
 *       W L for the activation-aware one, and the rank kept). Plotted as sigma_i / sigma_1
 *       against i, log y, one line per layer, a ring at the rank kept.</li>
 *   <li>{@code "codebooks"}: {@code Map<String, Map>}: layer name to
 *       {@code {"centroids": [double...], "counts": [long...]}} (same length: how many weights share
 *       each centroid), optionally with {@code "histogram": {"centres": [double...], "counts":
 *       [double...]}}, the histogram of the weights that were clustered. One plot per layer: with
 *       a histogram, its bars with the shared values marked as vertical lines (tooltip: the value
 *       and its count); without, one bar per centroid.</li>
 *   <li>{@code "config"}: {@code Map<String, Object>}: the run's configuration, shown as a table;
 *       nested maps are flattened to dotted keys, lists joined with ", ".</li>
 *   <li>{@code "timings"}: {@code Map<String, Number>}: stage name to seconds, in run order; a
 *       table and a bar chart.</li>
 *   <li>per layer, {@code "bytes_before"} and {@code "bytes_after"} (long) in each entry of
 *       {@code layers}: the per-layer bytes bars (only the params bars otherwise).</li>
 * </ul>
 *
 * <p>Plot ids (stable; {@code <slug>} = the layer name with every character other than letters,
 * digits, '-' and '_' replaced by '_', then "-2", "-3", ... on a clash): {@code tradeoff},
 * {@code layer-inputs}, {@code layer-outputs}, {@code layer-params}, {@code layer-bytes},
 * {@code lambda-kept-<slug>}, {@code lambda-error-<slug>}, {@code spectra},
 * {@code codebook-<slug>}, {@code timings}. Each plot is an {@code <svg class="chart ...">} whose
 * data marks have class {@code data}; see {@link Chart}.
 */
public final class CompressionReport {
  private static final Pattern TARGET = Pattern.compile("<=\\s*([0-9.eE+-]+)");

  private final Map<String, Object> m;
  private final StringBuilder out = new StringBuilder(1 << 16);
  private final Set<String> ids = new HashSet<>();
  private final List<String> plots = new ArrayList<>();

  private CompressionReport(Map<String, Object> metrics) {
    this.m = metrics;
  }

  /** The report as one HTML document. */
  public static String render(Map<String, Object> metrics) {
    if (metrics == null) {
      throw new IllegalArgumentException("metrics must not be null");
    }
    return new CompressionReport(metrics).build();
  }

  /** The ids of the plots {@link #render} draws for these metrics, in page order. */
  public static List<String> plotIds(Map<String, Object> metrics) {
    CompressionReport r = new CompressionReport(metrics);
    r.build();
    return Collections.unmodifiableList(r.plots);
  }

  /**
   * Writes the report to file atomically: into a temporary file of the same directory, then
   * renamed over file, so a reader never sees half a report.
   */
  public static void write(Path file, Map<String, Object> metrics) throws IOException {
    io.nncompress.format.AtomicFiles.write(file, render(metrics).getBytes(StandardCharsets.UTF_8));
  }

  // ---------------------------------------------------------------- page

  private String build() {
    String model = str(m.get("model"), "model");
    out.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>nncompress report: ").append(Svg.escape(model)).append("</title>")
        .append("<style>").append(CSS).append("</style></head><body>\n");
    out.append("<h1>nncompress report: ").append(Svg.escape(model)).append("</h1>\n");
    out.append("<p class=\"meta\">strategy <b>").append(Svg.escape(str(m.get("strategy"), "-")))
        .append("</b> &middot; ").append(Svg.escape(seconds(num(m.get("seconds")))))
        .append(" &middot; ").append(Svg.escape(Svg.number(num(m.get("passes_over_data")))))
        .append(" pass(es) over the data &middot; ").append(Svg.escape(str(m.get("blas"), "-")))
        .append("</p>\n");
    summary();
    tradeoff();
    layers();
    lambdaPaths();
    spectra();
    codebooks();
    configAndTimings();
    out.append("<p class=\"footer\">Generated by nncompress from metrics format version ")
        .append(Svg.escape(str(m.get("format_version"), "-"))).append(".</p>\n</body></html>\n");
    return out.toString();
  }

  private void summary() {
    Map<String, Object> e = map(m.get("end_to_end"));
    out.append("<h2>End to end</h2>\n<table class=\"summary\"><tr><th></th><th>before</th><th>after</th><th>after / before</th></tr>\n");
    if (e.containsKey("accuracy_before") || e.containsKey("accuracy_after")) {
      double a0 = num(e.get("accuracy_before"));
      double a1 = num(e.get("accuracy_after"));
      row("accuracy", pct(a0), pct(a1), Double.isNaN(a0 - a1) ? "-"
          : String.format(Locale.ROOT, "%+.2f points", 100 * (a1 - a0)));
      if (e.containsKey("top1_agreement")) {
        row("top-1 agreement with the original", "", pct(num(e.get("top1_agreement"))), "");
      }
      if (e.containsKey("evaluation_samples")) {
        row("evaluation samples", "", Svg.number(num(e.get("evaluation_samples"))), "");
      }
    }
    ratioRow("parameters", e, "params", false);
    ratioRow("bytes", e, "bytes", true);
    ratioRow("multiply-adds", e, "macs", false);
    ratioRow("network inputs", e, "inputs", false);
    out.append("</table>\n");
  }

  private void ratioRow(String name, Map<String, Object> e, String key, boolean bytes) {
    if (!e.containsKey(key + "_before") && !e.containsKey(key + "_after")) {
      return;
    }
    double b = num(e.get(key + "_before"));
    double a = num(e.get(key + "_after"));
    row(name, bytes ? Svg.bytes(b) : count(b), bytes ? Svg.bytes(a) : count(a), ratio(a, b));
  }

  private void tradeoff() {
    out.append("<h2>Accuracy vs size</h2>\n");
    List<Map<String, Object>> stages = maps(m.get("stages"));
    Map<String, Object> e = map(m.get("end_to_end"));
    List<Map<String, Object>> points = stages;
    if (stages.isEmpty()) {
      if (e.containsKey("accuracy_before") && e.containsKey("accuracy_after")) {
        points = new ArrayList<>();
        points.add(stagePoint("original", e.get("bytes_before"), e.get("accuracy_before"), 1.0));
        points.add(stagePoint("compressed", e.get("bytes_after"), e.get("accuracy_after"), e.get("top1_agreement")));
        note("stages", "Only the original and the compressed model: per-stage points appear when the metrics have \"stages\".");
      } else {
        note("stages", "No accuracy vs size curve: the metrics have neither \"stages\" nor end-to-end accuracies.");
        return;
      }
    }
    int n = points.size();
    double[] x = new double[n];
    double[] acc = new double[n];
    double[] agr = new double[n];
    String[] labels = new String[n];
    boolean anyAgreement = false;
    for (int i = 0; i < n; i++) {
      Map<String, Object> p = points.get(i);
      x[i] = num(p.get("bytes"));
      acc[i] = num(p.get("accuracy"));
      agr[i] = num(p.get("agreement"));
      anyAgreement |= !Double.isNaN(agr[i]);
      labels[i] = str(p.get("stage"), "stage " + (i + 1));
    }
    LineChart c = new LineChart(id("tradeoff"), "Accuracy vs model size, by stage")
        .logX(true).xLabel("model size (bytes, log scale)").yLabel("accuracy").xFormat(Svg::bytes)
        .yFormat(CompressionReport::pct).size(1220, 380)
        .series("accuracy", x, acc, true, true, labels);
    if (anyAgreement) {
      c.series("top-1 agreement with the original", x, agr, true, true, null);
    }
    chart(c.toSvg(), "wide");
  }

  private static Map<String, Object> stagePoint(String stage, Object bytes, Object acc, Object agr) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("stage", stage);
    p.put("bytes", bytes);
    p.put("accuracy", acc);
    p.put("agreement", agr);
    return p;
  }

  private void layers() {
    List<Map<String, Object>> ls = maps(m.get("layers"));
    out.append("<h2>Layers</h2>\n");
    if (ls.isEmpty()) {
      note("layers", "No layers in these metrics.");
      return;
    }
    out.append("<table class=\"layers\"><tr><th>layer</th><th>type</th><th>target</th><th>inputs</th>"
        + "<th>outputs</th><th>params</th><th>&lambda;</th><th>&lambda;/&lambda;<sub>max</sub></th>"
        + "<th>solver</th><th>iterations</th><th>rel. error lasso</th><th>debiased</th>"
        + "<th>held out</th><th>target reached</th></tr>\n");
    for (Map<String, Object> l : ls) {
      double lam = num(l.get("lambda"));
      double lamMax = num(l.get("lambda_max"));
      Object reached = l.get("target_reached");
      out.append("<tr><td>").append(Svg.escape(str(l.get("layer"), "-"))).append("</td><td>")
          .append(Svg.escape(str(l.get("type"), "-"))).append("</td><td>")
          .append(Svg.escape(str(l.get("target"), "-"))).append("</td><td>")
          .append(arrow(l, "inputs")).append("</td><td>").append(arrow(l, "outputs")).append("</td><td>")
          .append(arrow(l, "params")).append("</td><td>").append(Svg.number(lam)).append("</td><td>")
          .append(Svg.number(lam / lamMax)).append("</td><td>")
          .append(Svg.escape(str(l.get("solver"), "-"))).append("</td><td>")
          .append(Svg.number(num(l.get("iterations")))).append("</td><td>")
          .append(Svg.number(num(l.get("relative_error_lasso")))).append("</td><td>")
          .append(Svg.number(num(l.get("relative_error_debiased")))).append("</td><td>")
          .append(Svg.number(num(l.get("relative_error_held_out")))).append("</td><td class=\"")
          .append(Boolean.FALSE.equals(reached) ? "bad" : "").append("\">")
          .append(reached == null ? "-" : Svg.escape(String.valueOf(reached))).append("</td></tr>\n");
    }
    out.append("</table>\n<div class=\"charts\">\n");
    List<String> names = new ArrayList<>();
    for (Map<String, Object> l : ls) {
      names.add(str(l.get("layer"), "?"));
    }
    chart(bars("layer-inputs", "Inputs kept per layer", "inputs", names, ls, false).toSvg(), "");
    chart(bars("layer-outputs", "Outputs (neurons) kept per layer", "outputs", names, ls, false).toSvg(), "");
    chart(bars("layer-params", "Parameters per layer (log scale)", "params", names, ls, true).toSvg(), "");
    boolean haveBytes = false;
    for (Map<String, Object> l : ls) {
      haveBytes |= l.containsKey("bytes_before") || l.containsKey("bytes_after");
    }
    if (haveBytes) {
      chart(bars("layer-bytes", "Bytes per layer (log scale)", "bytes", names, ls, true)
          .yFormat(Svg::bytes).toSvg(), "");
    }
    out.append("</div>\n");
    if (!haveBytes) {
      note("layer-bytes", "No per-layer bytes (keys \"bytes_before\", \"bytes_after\" in each layer); the model's total is in the end-to-end table.");
    }
  }

  private BarChart bars(String id, String title, String key, List<String> names,
      List<Map<String, Object>> ls, boolean log) {
    double[] before = new double[ls.size()];
    double[] after = new double[ls.size()];
    for (int i = 0; i < ls.size(); i++) {
      before[i] = num(ls.get(i).get(key + "_before"));
      after[i] = num(ls.get(i).get(key + "_after"));
    }
    return new BarChart(id(id), title, names).logY(log).yLabel(key)
        .series("before", before).series("after", after);
  }

  private void lambdaPaths() {
    List<Map<String, Object>> ls = maps(m.get("layers"));
    if (ls.isEmpty()) {
      return;
    }
    out.append("<h2>Lambda paths</h2>\n<p class=\"note\">Each point is one lasso solve of the layer's"
        + " reconstruction; the ring marks the lambda that was kept (right: its error on held-out data)."
        + " Debiased: least squares refit on the kept inputs.</p>\n");
    for (Map<String, Object> l : ls) {
      String name = str(l.get("layer"), "?");
      List<Map<String, Object>> path = new ArrayList<>(maps(l.get("lambda_path")));
      if (path.isEmpty()) {
        note("lambda-" + Svg.slug(name), "Layer " + name + " has no lambda path.");
        continue;
      }
      String slug = Svg.slug(name);
      out.append("<div class=\"charts\">\n");
      // kept vs lambda: sorted by lambda so the line is a function of x
      path.sort(Comparator.comparingDouble(p -> num(p.get("lambda"))));
      int n = path.size();
      double[] lam = new double[n];
      double[] kept = new double[n];
      for (int i = 0; i < n; i++) {
        lam[i] = num(path.get(i).get("lambda"));
        kept[i] = num(path.get(i).get("kept"));
      }
      LineChart k = new LineChart(id("lambda-kept-" + slug), name + ": inputs kept vs lambda")
          .logX(true).xLabel("lambda (log scale)").yLabel("inputs kept").yFromZero(true)
          .series("kept", lam, kept, true, true, null);
      double chosen = num(l.get("lambda"));
      if (!Double.isNaN(chosen)) {
        k.highlight(chosen, num(l.get("inputs_after")), "chosen: " + Svg.number(num(l.get("inputs_after"))) + " kept");
      }
      chart(k.toSvg(), "");
      // relative error vs kept: sorted by kept
      path.sort(Comparator.comparingDouble(p -> num(p.get("kept"))));
      double[] kk = new double[n];
      double[] lasso = new double[n];
      double[] deb = new double[n];
      for (int i = 0; i < n; i++) {
        kk[i] = num(path.get(i).get("kept"));
        lasso[i] = num(path.get(i).get("relative_error_lasso"));
        deb[i] = num(path.get(i).get("relative_error_debiased"));
      }
      LineChart r = new LineChart(id("lambda-error-" + slug), name + ": relative error vs inputs kept")
          .logY(true).xLabel("inputs kept").yLabel("relative error (log scale)")
          .series("lasso", kk, lasso, true, true, null)
          .series("debiased", kk, deb, true, true, null);
      double target = target(str(l.get("target"), ""));
      if (!Double.isNaN(target) && n > 1) {
        r.series("target", new double[] {kk[0], kk[n - 1]}, new double[] {target, target}, true, false, null);
      }
      double held = num(l.get("relative_error_held_out"));
      if (!Double.isNaN(held)) {
        r.highlight(num(l.get("inputs_after")), held, "held out: " + Svg.number(held));
      } else if (!Double.isNaN(num(l.get("relative_error_debiased")))) {
        r.highlight(num(l.get("inputs_after")), num(l.get("relative_error_debiased")), "chosen");
      }
      chart(r.toSvg(), "");
      out.append("</div>\n");
    }
  }

  /** The bound of a target such as "relative error <= 0.01"; NaN if there is none. */
  static double target(String t) {
    Matcher x = TARGET.matcher(t);
    if (!x.find()) {
      return Double.NaN;
    }
    try {
      return Double.parseDouble(x.group(1));
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private void spectra() {
    out.append("<h2>Singular value spectra</h2>\n");
    Map<String, Object> s = map(m.get("spectra"));
    if (s.isEmpty()) {
      note("spectra", "No singular value spectra in these metrics (section \"spectra\").");
      return;
    }
    LineChart c = new LineChart(id("spectra"), "Singular values of each layer's weights (W for svd, W L for "
        + "svd_aware, R = L L^T), relative to the largest; rings: the rank kept")
        .logY(true).xLabel("index i").yLabel("sigma_i / sigma_1 (log scale)").size(1220, 380);
    for (Map.Entry<String, Object> e : s.entrySet()) {
      // a list of singular values, or {"singular_values": [...], "rank": r, "of": "W" | "W L", ...}
      Map<String, Object> info = map(e.getValue());
      double[] v = doubles(info.isEmpty() ? e.getValue() : info.get("singular_values"));
      double[] sorted = v.clone();
      java.util.Arrays.sort(sorted);
      int n = sorted.length;
      double top = n == 0 ? Double.NaN : sorted[n - 1];
      double[] x = new double[n];
      double[] y = new double[n];
      for (int i = 0; i < n; i++) {
        x[i] = i + 1;
        y[i] = sorted[n - 1 - i] / top; // descending, sigma_i / sigma_1
      }
      String of = info.get("of") == null ? "" : " (" + info.get("of") + ")";
      c.series(e.getKey() + of, x, y, true, n <= 40, null);
      double rank = num(info.get("rank"));
      if (rank >= 1 && rank <= n && rank == Math.rint(rank)) {
        c.highlight(rank, y[(int) rank - 1], e.getKey() + ": rank " + (int) rank);
      }
    }
    chart(c.toSvg(), "wide");
  }

  private void codebooks() {
    out.append("<h2>Weight-sharing codebooks</h2>\n");
    Map<String, Object> cb = map(m.get("codebooks"));
    if (cb.isEmpty()) {
      note("codebooks", "No codebooks in these metrics (section \"codebooks\").");
      return;
    }
    out.append("<div class=\"charts\">\n");
    for (Map.Entry<String, Object> e : cb.entrySet()) {
      Map<String, Object> b = map(e.getValue());
      double[] c = doubles(b.get("centroids"));
      double[] n = doubles(b.get("counts"));
      if (c.length != n.length || c.length == 0) {
        out.append("</div>\n");
        note("codebook-" + Svg.slug(e.getKey()), "Codebook of " + e.getKey() + " has " + c.length
            + " centroids and " + n.length + " counts; not drawn.");
        out.append("<div class=\"charts\">\n");
        continue;
      }
      Map<String, Object> h = map(b.get("histogram"));
      double[] hc = doubles(h.get("centres"));
      double[] hn = doubles(h.get("counts"));
      String cid = id("codebook-" + Svg.slug(e.getKey()));
      if (hc.length > 0 && hc.length == hn.length) {
        String[] tips = new String[c.length];
        for (int i = 0; i < c.length; i++) {
          tips[i] = "shared value " + Svg.number(c[i]) + ": " + Svg.number(n[i]) + " weights";
        }
        chart(new Histogram(cid, e.getKey() + ": weights and their " + c.length + " shared values", hc, hn)
            .marks(c, tips, "weights", "shared values").xLabel("weight value").yLabel("weights").toSvg(), "");
      } else {
        chart(new Histogram(cid, e.getKey() + ": " + c.length + " shared weights", c, n).xLabel("centroid value")
            .yLabel("weights").toSvg(), "");
      }
    }
    out.append("</div>\n");
  }

  private void configAndTimings() {
    out.append("<h2>Configuration and timings</h2>\n");
    Map<String, Object> cfg = map(m.get("config"));
    if (cfg.isEmpty()) {
      note("config", "No configuration in these metrics (section \"config\").");
    } else {
      Map<String, String> flat = new LinkedHashMap<>();
      flatten("", cfg, flat);
      out.append("<table class=\"config\"><tr><th>setting</th><th>value</th></tr>\n");
      for (Map.Entry<String, String> e : flat.entrySet()) {
        out.append("<tr><td>").append(Svg.escape(e.getKey())).append("</td><td>")
            .append(Svg.escape(e.getValue())).append("</td></tr>\n");
      }
      out.append("</table>\n");
    }
    Map<String, Object> t = map(m.get("timings"));
    if (t.isEmpty()) {
      note("timings", "No timings per stage in these metrics (section \"timings\").");
      return;
    }
    List<String> names = new ArrayList<>(t.keySet());
    double[] sec = new double[names.size()];
    double total = 0;
    out.append("<div class=\"charts\"><table class=\"timings\"><tr><th>stage</th><th>seconds</th></tr>\n");
    for (int i = 0; i < sec.length; i++) {
      sec[i] = num(t.get(names.get(i)));
      total += Double.isNaN(sec[i]) ? 0 : sec[i];
      out.append("<tr><td>").append(Svg.escape(names.get(i))).append("</td><td>")
          .append(Svg.escape(seconds(sec[i]))).append("</td></tr>\n");
    }
    out.append("<tr><th>total</th><th>").append(Svg.escape(seconds(total))).append("</th></tr></table>\n");
    chart(new BarChart(id("timings"), "Time per stage", names).series("seconds", sec)
        .yLabel("seconds").yFormat(v -> Svg.number(v) + " s").toSvg(), "");
    out.append("</div>\n");
  }

  // ---------------------------------------------------------------- pieces

  private String id(String want) {
    String id = Svg.slug(want);
    for (int k = 2; !ids.add(id); k++) {
      id = Svg.slug(want) + "-" + k;
    }
    plots.add(id);
    return id;
  }

  private void chart(String svg, String cls) {
    out.append("<figure class=\"").append(cls).append("\">").append(svg).append("</figure>\n");
  }

  private void note(String key, String text) {
    out.append("<p class=\"note missing\" data-section=\"").append(Svg.escape(key)).append("\">")
        .append(Svg.escape(text)).append("</p>\n");
  }

  private void row(String name, String before, String after, String ratio) {
    out.append("<tr><td>").append(Svg.escape(name)).append("</td><td>").append(Svg.escape(before))
        .append("</td><td>").append(Svg.escape(after)).append("</td><td>").append(Svg.escape(ratio))
        .append("</td></tr>\n");
  }

  private static String arrow(Map<String, Object> l, String key) {
    return Svg.escape(count(num(l.get(key + "_before"))) + " \u2192 " + count(num(l.get(key + "_after"))));
  }

  private static void flatten(String prefix, Map<String, Object> in, Map<String, String> out) {
    for (Map.Entry<String, Object> e : in.entrySet()) {
      String k = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
      Object v = e.getValue();
      if (v instanceof Map) {
        flatten(k, map(v), out);
      } else if (v instanceof List) {
        List<String> parts = new ArrayList<>();
        for (Object o : (List<?>) v) {
          parts.add(String.valueOf(o));
        }
        out.put(k, String.join(", ", parts));
      } else if (v != null && v.getClass().isArray()) {
        double[] d = doubles(v);
        List<String> parts = new ArrayList<>();
        for (double x : d) {
          parts.add(Svg.number(x));
        }
        out.put(k, String.join(", ", parts));
      } else {
        out.put(k, String.valueOf(v));
      }
    }
  }

  static double num(Object o) {
    if (o instanceof Number) {
      return ((Number) o).doubleValue();
    }
    if (o instanceof String) {
      try {
        return Double.parseDouble((String) o);
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }
    return Double.NaN;
  }

  private static String str(Object o, String dflt) {
    return o == null ? dflt : String.valueOf(o);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map ? (Map<String, Object>) o : Collections.emptyMap();
  }

  private static List<Map<String, Object>> maps(Object o) {
    List<Map<String, Object>> r = new ArrayList<>();
    if (o instanceof List) {
      for (Object x : (List<?>) o) {
        if (x instanceof Map) {
          r.add(map(x));
        }
      }
    }
    return r;
  }

  /** A list of numbers or a primitive/boxed array as double[]; anything else: empty. */
  static double[] doubles(Object o) {
    if (o instanceof List) {
      List<?> l = (List<?>) o;
      double[] r = new double[l.size()];
      for (int i = 0; i < r.length; i++) {
        r[i] = num(l.get(i));
      }
      return r;
    }
    if (o != null && o.getClass().isArray()) {
      double[] r = new double[Array.getLength(o)];
      for (int i = 0; i < r.length; i++) {
        r[i] = num(Array.get(o, i));
      }
      return r;
    }
    return new double[0];
  }

  static String pct(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
  }

  private static String count(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.format(Locale.ROOT, "%,d", (long) v) : Svg.number(v);
  }

  private static String ratio(double a, double b) {
    if (Double.isNaN(a) || Double.isNaN(b) || b == 0) {
      return "-";
    }
    return String.format(Locale.ROOT, "%.2f%% (%.1fx smaller)", 100 * a / b, b / a);
  }

  private static String seconds(double s) {
    if (Double.isNaN(s)) {
      return "-";
    }
    return s < 60 ? String.format(Locale.ROOT, "%.2f s", s)
        : String.format(Locale.ROOT, "%d min %.1f s", (long) (s / 60), s % 60);
  }

  private static final String CSS = String.join("",
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
