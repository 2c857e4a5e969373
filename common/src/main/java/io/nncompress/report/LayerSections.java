package io.nncompress.report;

import static io.nncompress.report.ReportPage.count;
import static io.nncompress.report.ReportPage.num;
import static io.nncompress.report.ReportPage.str;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The report's per-layer sections: the table and bars of what LNR kept, then each layer's lambda path. */
final class LayerSections {
  private static final Pattern TARGET = Pattern.compile("<=\\s*([0-9.eE+-]+)");

  private final ReportPage page;
  private final List<Metrics.Layer> layers;

  LayerSections(ReportPage page, List<Metrics.Layer> layers) {
    this.page = page;
    this.layers = layers == null ? List.of() : layers;
  }

  void write() {
    table();
    lambdaPaths();
  }

  private void table() {
    StringBuilder out = page.out;
    page.h2("Layers");
    if (layers.isEmpty()) {
      page.note("layers", "No layers in these metrics.");
      return;
    }
    out.append("<table class=\"layers\"><tr><th>layer</th><th>type</th><th>target</th><th>inputs</th>"
        + "<th>outputs</th><th>params</th><th>&lambda;</th><th>&lambda;/&lambda;<sub>max</sub></th>"
        + "<th>solver</th><th>iterations</th><th>rel. error lasso</th><th>debiased</th>"
        + "<th>held out</th><th>target reached</th></tr>\n");
    for (Metrics.Layer l : layers) {
      Boolean reached = l.targetReached();
      out.append("<tr><td>").append(Svg.escape(str(l.layer(), "-"))).append("</td><td>")
          .append(Svg.escape(str(l.type(), "-"))).append("</td><td>")
          .append(Svg.escape(str(l.target(), "-"))).append("</td><td>")
          .append(arrow(l.inputsBefore(), l.inputsAfter())).append("</td><td>")
          .append(arrow(l.outputsBefore(), l.outputsAfter())).append("</td><td>")
          .append(arrow(l.paramsBefore(), l.paramsAfter())).append("</td><td>")
          .append(Svg.number(num(l.lambda()))).append("</td><td>")
          .append(Svg.number(num(l.lambda()) / num(l.lambdaMax()))).append("</td><td>")
          .append(Svg.escape(str(l.solver(), "-"))).append("</td><td>")
          .append(Svg.number(num(l.iterations()))).append("</td><td>")
          .append(Svg.number(num(l.relativeErrorLasso()))).append("</td><td>")
          .append(Svg.number(num(l.relativeErrorDebiased()))).append("</td><td>")
          .append(Svg.number(num(l.relativeErrorHeldOut()))).append("</td><td class=\"")
          .append(Boolean.FALSE.equals(reached) ? "bad" : "").append("\">")
          .append(reached == null ? "-" : reached.toString()).append("</td></tr>\n");
    }
    out.append("</table>\n<div class=\"charts\">\n");
    List<String> names = new ArrayList<>();
    for (Metrics.Layer l : layers) {
      names.add(str(l.layer(), "?"));
    }
    page.chart(bars("layer-inputs", "Inputs kept per layer", "inputs", names, Metrics.Layer::inputsBefore,
        Metrics.Layer::inputsAfter, false).toSvg(), "");
    page.chart(bars("layer-outputs", "Outputs (neurons) kept per layer", "outputs", names,
        Metrics.Layer::outputsBefore, Metrics.Layer::outputsAfter, false).toSvg(), "");
    page.chart(bars("layer-params", "Parameters per layer (log scale)", "params", names, Metrics.Layer::paramsBefore,
        Metrics.Layer::paramsAfter, true).toSvg(), "");
    boolean haveBytes = false;
    for (Metrics.Layer l : layers) {
      haveBytes |= l.bytesBefore() != null || l.bytesAfter() != null;
    }
    if (haveBytes) {
      page.chart(bars("layer-bytes", "Bytes per layer (log scale)", "bytes", names, Metrics.Layer::bytesBefore,
          Metrics.Layer::bytesAfter, true).yFormat(Svg::bytes).toSvg(), "");
    }
    out.append("</div>\n");
    if (!haveBytes) {
      page.note("layer-bytes", "No per-layer bytes (keys \"bytes_before\", \"bytes_after\" in each layer); the "
          + "model's total is in the end-to-end table.");
    }
  }

  private BarChart bars(String id, String title, String key, List<String> names,
      Function<Metrics.Layer, Number> before, Function<Metrics.Layer, Number> after, boolean log) {
    double[] b = new double[layers.size()];
    double[] a = new double[layers.size()];
    for (int i = 0; i < layers.size(); i++) {
      b[i] = num(before.apply(layers.get(i)));
      a[i] = num(after.apply(layers.get(i)));
    }
    return new BarChart(page.id(id), title, names).logY(log).yLabel(key).series("before", b).series("after", a);
  }

  private void lambdaPaths() {
    if (layers.isEmpty()) {
      return;
    }
    page.h2("Lambda paths");
    page.out.append("<p class=\"note\">Each point is one lasso solve of the layer's reconstruction; the ring marks"
        + " the lambda that was kept (right: its error on held-out data). Debiased: least squares refit on the kept"
        + " inputs.</p>\n");
    for (Metrics.Layer l : layers) {
      String name = str(l.layer(), "?");
      List<Metrics.LambdaPoint> path = new ArrayList<>(l.lambdaPath() == null ? List.of() : l.lambdaPath());
      if (path.isEmpty()) {
        page.note("lambda-" + Svg.slug(name), "Layer " + name + " has no lambda path.");
        continue;
      }
      String slug = Svg.slug(name);
      page.out.append("<div class=\"charts\">\n");
      // kept vs lambda: sorted by lambda so the line is a function of x
      path.sort(Comparator.comparingDouble(p -> num(p.lambda())));
      int n = path.size();
      double[] lam = new double[n];
      double[] kept = new double[n];
      for (int i = 0; i < n; i++) {
        lam[i] = num(path.get(i).lambda());
        kept[i] = num(path.get(i).kept());
      }
      double inputsAfter = num(l.inputsAfter());
      LineChart k = new LineChart(page.id("lambda-kept-" + slug), name + ": inputs kept vs lambda")
          .logX(true).xLabel("lambda (log scale)").yLabel("inputs kept").yFromZero(true)
          .series("kept", lam, kept, true, true, null);
      double chosen = num(l.lambda());
      if (!Double.isNaN(chosen)) {
        k.highlight(chosen, inputsAfter, "chosen: " + Svg.number(inputsAfter) + " kept");
      }
      page.chart(k.toSvg(), "");
      // relative error vs kept: sorted by kept
      path.sort(Comparator.comparingDouble(p -> num(p.kept())));
      double[] kk = new double[n];
      double[] lasso = new double[n];
      double[] deb = new double[n];
      for (int i = 0; i < n; i++) {
        kk[i] = num(path.get(i).kept());
        lasso[i] = num(path.get(i).relativeErrorLasso());
        deb[i] = num(path.get(i).relativeErrorDebiased());
      }
      LineChart r = new LineChart(page.id("lambda-error-" + slug), name + ": relative error vs inputs kept")
          .logY(true).xLabel("inputs kept").yLabel("relative error (log scale)")
          .series("lasso", kk, lasso, true, true, null)
          .series("debiased", kk, deb, true, true, null);
      double target = target(str(l.target(), ""));
      if (!Double.isNaN(target) && n > 1) {
        r.series("target", new double[] {kk[0], kk[n - 1]}, new double[] {target, target}, true, false, null);
      }
      double held = num(l.relativeErrorHeldOut());
      if (!Double.isNaN(held)) {
        r.highlight(inputsAfter, held, "held out: " + Svg.number(held));
      } else if (!Double.isNaN(num(l.relativeErrorDebiased()))) {
        r.highlight(inputsAfter, num(l.relativeErrorDebiased()), "chosen");
      }
      page.chart(r.toSvg(), "");
      page.out.append("</div>\n");
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

  private static String arrow(Number before, Number after) {
    return Svg.escape(count(num(before)) + " \u2192 " + count(num(after)));
  }
}
