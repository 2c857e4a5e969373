package io.nncompress.report;

import static io.nncompress.report.ReportPage.num;
import static io.nncompress.report.ReportPage.orEmpty;
import static io.nncompress.report.ReportPage.seconds;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report's sections after the layers: spectra and codebooks (only when the run has them: a run
 * without a low-rank or a weight-sharing stage has no such section), then configuration and timings.
 */
final class RunSections {
  /** The key of {@code timings} that holds the whole run, not a phase. */
  static final String TOTAL = "total";

  private final ReportPage page;
  private final Metrics m;

  RunSections(ReportPage page, Metrics m) {
    this.page = page;
    this.m = m;
  }

  void write() {
    spectra();
    codebooks();
    finetune();
    configAndTimings();
  }

  /**
   * The training curves of each fine-tuning (only when the run has {@code finetune}): the mean
   * training loss per epoch and the held-out accuracy per epoch (epoch 0: before training), one
   * series per fine-tuning, then their table.
   */
  private void finetune() {
    Map<String, List<Metrics.Epoch>> f = m.finetune();
    if (f == null || f.isEmpty()) {
      return; // no fine-tuning: no section
    }
    page.h2("Fine-tuning");
    List<String> names = new ArrayList<>();
    List<double[][]> losses = new ArrayList<>();
    List<double[][]> accuracies = new ArrayList<>();
    for (Map.Entry<String, List<Metrics.Epoch>> e : f.entrySet()) {
      List<Metrics.Epoch> curve = e.getValue() == null ? List.of() : e.getValue();
      names.add(e.getKey().replace('_', ' '));
      losses.add(points(curve, true));
      accuracies.add(points(curve, false));
    }
    page.out.append("<div class=\"charts\">\n");
    curveChart("finetune-loss", "Mean training loss per epoch", "training loss", names, losses, false);
    curveChart("finetune-accuracy", "Held-out accuracy per epoch (epoch 0: before fine-tuning)", "held-out accuracy",
        names, accuracies, true);
    page.out.append("</div>\n");
    StringBuilder out = page.out;
    out.append("<table class=\"finetune\"><tr><th>fine-tuning</th><th>epoch</th><th>loss</th>"
        + "<th>held-out accuracy</th><th>seconds</th><th>samples/s</th></tr>\n");
    int k = 0;
    for (List<Metrics.Epoch> curve : f.values()) {
      String name = names.get(k++);
      for (Metrics.Epoch e : curve == null ? List.<Metrics.Epoch>of() : curve) {
        out.append("<tr><td>").append(Svg.escape(name)).append("</td><td>").append(e.epoch() == 0 ? "before"
            : Integer.toString(e.epoch())).append("</td><td>").append(Svg.escape(e.loss() == null ? "-"
            : String.format(java.util.Locale.ROOT, "%.4f", e.loss()))).append("</td><td>")
            .append(Svg.escape(ReportPage.pct(num(e.heldOutAccuracy())))).append("</td><td>")
            .append(Svg.escape(seconds(num(e.seconds())))).append("</td><td>")
            .append(Svg.escape(e.samplesPerSecond() == null ? "-" : ReportPage.count(Math.round(e.samplesPerSecond()))))
            .append("</td></tr>\n");
      }
    }
    out.append("</table>\n");
  }

  /** {x = epochs, y = losses (or accuracies)} of the epochs that have one. */
  private static double[][] points(List<Metrics.Epoch> curve, boolean loss) {
    List<double[]> p = new ArrayList<>();
    for (Metrics.Epoch e : curve) {
      Double y = loss ? e.loss() : e.heldOutAccuracy();
      if (y != null && !y.isNaN()) {
        p.add(new double[] {e.epoch(), y});
      }
    }
    double[][] xy = new double[2][p.size()];
    for (int i = 0; i < p.size(); i++) {
      xy[0][i] = p.get(i)[0];
      xy[1][i] = p.get(i)[1];
    }
    return xy;
  }

  private void curveChart(String id, String title, String yLabel, List<String> names, List<double[][]> xy,
      boolean percent) {
    if (xy.stream().allMatch(s -> s[0].length == 0)) {
      page.out.append("</div>\n");
      page.note(id, "No " + yLabel + " per epoch in these metrics.");
      page.out.append("<div class=\"charts\">\n");
      return;
    }
    LineChart c = new LineChart(page.id(id), title).xLabel("epoch").yLabel(yLabel).size(600, 320);
    if (percent) {
      c.yFormat(ReportPage::pct);
    }
    for (int i = 0; i < names.size(); i++) {
      if (xy.get(i)[0].length > 0) {
        c.series(names.get(i), xy.get(i)[0], xy.get(i)[1], true, true, null);
      }
    }
    page.chart(c.toSvg(), "");
  }

  private void spectra() {
    Map<String, Metrics.Spectrum> s = m.spectra();
    if (s == null || s.isEmpty()) {
      return; // no low-rank stage: no section
    }
    page.h2("Singular value spectra");
    LineChart c = new LineChart(page.id("spectra"), "Singular values of each layer's weights (W for svd, W L for "
        + "svd_aware, R = L L^T), relative to the largest; rings: the rank kept")
        .logY(true).xLabel("index i").yLabel("sigma_i / sigma_1 (log scale)").size(1220, 380);
    for (Map.Entry<String, Metrics.Spectrum> e : s.entrySet()) {
      Metrics.Spectrum info = e.getValue();
      double[] sorted = orEmpty(info.singularValues()).clone();
      Arrays.sort(sorted);
      int n = sorted.length;
      double top = n == 0 ? Double.NaN : sorted[n - 1];
      double[] x = new double[n];
      double[] y = new double[n];
      for (int i = 0; i < n; i++) {
        x[i] = i + 1;
        y[i] = sorted[n - 1 - i] / top; // descending, sigma_i / sigma_1
      }
      String of = info.of() == null ? "" : " (" + info.of() + ")";
      c.series(e.getKey() + of, x, y, true, n <= 40, null);
      double rank = num(info.rank());
      if (rank >= 1 && rank <= n) {
        c.highlight(rank, y[(int) rank - 1], e.getKey() + ": rank " + (int) rank);
      }
    }
    page.chart(c.toSvg(), "wide");
  }

  private void codebooks() {
    Map<String, Metrics.Codebook> cb = m.codebooks();
    if (cb == null || cb.isEmpty()) {
      return; // no weight-sharing stage: no section
    }
    page.h2("Weight-sharing codebooks");
    page.out.append("<div class=\"charts\">\n");
    for (Map.Entry<String, Metrics.Codebook> e : cb.entrySet()) {
      Metrics.Codebook b = e.getValue();
      double[] c = orEmpty(b.centroids());
      long[] counts = b.counts() == null ? new long[0] : b.counts();
      double[] n = new double[counts.length];
      for (int i = 0; i < n.length; i++) {
        n[i] = counts[i];
      }
      if (c.length != n.length || c.length == 0) {
        page.out.append("</div>\n");
        page.note("codebook-" + Svg.slug(e.getKey()), "Codebook of " + e.getKey() + " has " + c.length
            + " centroids and " + n.length + " counts; not drawn.");
        page.out.append("<div class=\"charts\">\n");
        continue;
      }
      Metrics.Bins h = b.histogram();
      double[] hc = h == null ? new double[0] : orEmpty(h.centres());
      double[] hn = h == null ? new double[0] : orEmpty(h.counts());
      String cid = page.id("codebook-" + Svg.slug(e.getKey()));
      if (hc.length > 0 && hc.length == hn.length) {
        String[] tips = new String[c.length];
        for (int i = 0; i < c.length; i++) {
          tips[i] = "shared value " + Svg.number(c[i]) + ": " + Svg.number(n[i]) + " weights";
        }
        page.chart(new Histogram(cid, e.getKey() + ": weights and their " + c.length + " shared values", hc, hn)
            .marks(c, tips, "weights", "shared values").xLabel("weight value").yLabel("weights").toSvg(), "");
      } else {
        page.chart(new Histogram(cid, e.getKey() + ": " + c.length + " shared weights", c, n)
            .xLabel("centroid value").yLabel("weights").toSvg(), "");
      }
    }
    page.out.append("</div>\n");
  }

  private void configAndTimings() {
    StringBuilder out = page.out;
    page.h2("Configuration and timings");
    Map<String, Object> cfg = m.config();
    if (cfg == null || cfg.isEmpty()) {
      page.note("config", "No configuration in these metrics (section \"config\").");
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
    Map<String, Double> t = m.timings() == null ? Map.of() : m.timings();
    // each phase once, then the total: the run's own when it gives one (it also holds what no phase names)
    List<String> names = new ArrayList<>();
    for (String k : t.keySet()) {
      if (!TOTAL.equals(k)) {
        names.add(k);
      }
    }
    if (t.isEmpty()) {
      page.note("timings", "No timings per phase in these metrics (section \"timings\").");
      return;
    }
    double[] sec = new double[names.size()];
    double sum = 0;
    out.append("<div class=\"charts\"><table class=\"timings\"><tr><th>phase</th><th>seconds</th></tr>\n");
    for (int i = 0; i < sec.length; i++) {
      sec[i] = num(t.get(names.get(i)));
      sum += Double.isNaN(sec[i]) ? 0 : sec[i];
      out.append("<tr><td>").append(Svg.escape(names.get(i))).append("</td><td>")
          .append(Svg.escape(seconds(sec[i]))).append("</td></tr>\n");
    }
    double total = t.containsKey(TOTAL) ? num(t.get(TOTAL)) : sum;
    out.append("<tr><th>total</th><th>").append(Svg.escape(seconds(total))).append("</th></tr></table>\n");
    if (!names.isEmpty()) {
      page.chart(new BarChart(page.id("timings"), "Time per phase", names).series("seconds", sec)
          .yLabel("seconds").yFormat(v -> Svg.number(v) + " s").toSvg(), "");
    }
    out.append("</div>\n");
  }

  private static void flatten(String prefix, Map<?, ?> in, Map<String, String> out) {
    for (Map.Entry<?, ?> e : in.entrySet()) {
      String k = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
      Object v = e.getValue();
      if (v instanceof Map<?, ?> sub) {
        flatten(k, sub, out);
      } else if (v instanceof List<?> list) {
        List<String> parts = new ArrayList<>();
        for (Object o : list) {
          parts.add(String.valueOf(o));
        }
        out.put(k, String.join(", ", parts));
      } else {
        out.put(k, String.valueOf(v));
      }
    }
  }
}
