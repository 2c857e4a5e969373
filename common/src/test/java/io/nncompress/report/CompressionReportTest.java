package io.nncompress.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompressionReportTest {
  private static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
  private static final Pattern SVG = Pattern.compile("<svg\\b[^>]*>.*?</svg>", Pattern.DOTALL);

  /** The plots of the full fixture, in page order, and the fewest data marks each must have. */
  private static final Map<String, Integer> FULL = new LinkedHashMap<>();

  static {
    FULL.put("tradeoff", 5 + 5 + 2);          // 5 stages x 2 series of markers + 2 lines
    FULL.put("layer-inputs", 6);               // 3 layers x before/after
    FULL.put("layer-outputs", 6);
    FULL.put("layer-params", 6);
    FULL.put("layer-bytes", 6);
    for (String l : new String[] {"fc1", "fc2", "fc3"}) {
      FULL.put("lambda-kept-" + l, 11);        // >= 10 path points + the line
      FULL.put("lambda-error-" + l, 2 * 10 + 2);
    }
    FULL.put("spectra", 3);                    // one line per layer
    FULL.put("codebook-fc1", 16);
    FULL.put("codebook-fc2", 8);
    FULL.put("codebook-fc3", 4);
    FULL.put("finetune-loss", 3 + 2 + 2);     // after lnr 3 epochs, after kmeans 2, one line each
    FULL.put("finetune-accuracy", 4 + 3 + 2); // with epoch 0 (before training)
    FULL.put("timings", 6);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> json(String resource) throws IOException {
    ObjectMapper om = new ObjectMapper();
    om.enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS); // Jackson writes NaN as NaN
    try (InputStream in = CompressionReportTest.class.getResourceAsStream(resource)) {
      return om.readValue(in, LinkedHashMap.class);
    }
  }

  /** The sample metrics.json of a real run, plus the synthetic optional sections and per-layer bytes. */
  @SuppressWarnings("unchecked")
  static Map<String, Object> fullMetrics() throws IOException {
    Map<String, Object> m = json("/report/sample-metrics.json");
    m.putAll(json("/report/optional-sections.json"));
    for (Map<String, Object> l : (List<Map<String, Object>>) m.get("layers")) {
      long p0 = ((Number) l.get("params_before")).longValue();
      long p1 = ((Number) l.get("params_after")).longValue();
      l.put("bytes_before", 4 * p0);   // float32
      l.put("bytes_after", p1 / 2 + 64); // 4-bit indices + a codebook
    }
    return m;
  }

  static Map<String, String> svgsById(String html) {
    Map<String, String> r = new LinkedHashMap<>();
    Matcher x = SVG.matcher(html);
    Pattern id = Pattern.compile("\\bid=\"([^\"]+)\"");
    while (x.find()) {
      Matcher i = id.matcher(x.group().substring(0, x.group().indexOf('>')));
      assertTrue(i.find(), "svg without id: " + x.group().substring(0, 80));
      r.put(i.group(1), x.group());
    }
    return r;
  }

  static int count(String s, String needle) {
    int k = 0;
    for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
      k++;
    }
    return k;
  }

  @Test
  void fullReportHasEveryPlotAsWellFormedSvg() throws Exception {
    Map<String, Object> m = fullMetrics();
    String html = CompressionReport.render(m);
    Map<String, String> svgs = svgsById(html);
    assertEquals(new ArrayList<>(FULL.keySet()), new ArrayList<>(svgs.keySet()));
    assertEquals(new ArrayList<>(FULL.keySet()), CompressionReport.plotIds(m));
    for (Map.Entry<String, Integer> e : FULL.entrySet()) {
      String svg = svgs.get(e.getKey());
      ChartsTest.xml(svg); // well formed
      int marks = count(svg, "class=\"data");
      assertTrue(marks >= e.getValue(), e.getKey() + ": " + marks + " data marks, expected >= " + e.getValue());
      assertTrue(svg.contains("<title"), e.getKey());
    }
    assertFalse(html.contains("class=\"note missing\""), "no section is missing in the full fixture");
    // the run's figures reach the page
    assertTrue(html.contains("89.12%") && html.contains("84.05%"), "accuracies");
    assertTrue(html.contains("266,610") && html.contains("33,177"), "params");
    assertTrue(html.contains("local[*]") && html.contains("kmeans.clusters"), "flattened config");
    // self-contained: nothing is fetched, nothing is run
    assertFalse(html.contains("<script"));
    assertFalse(html.matches("(?s).*(src|href)=\"https?:.*"));
  }

  @Test
  void baseMetricsOnlyLeaveOutOptionalPlotsWithANote() throws Exception {
    Map<String, Object> m = json("/report/sample-metrics.json");
    String html = CompressionReport.render(m);
    Set<String> ids = svgsById(html).keySet();
    assertTrue(ids.containsAll(List.of("tradeoff", "layer-inputs", "layer-outputs", "layer-params",
        "lambda-kept-fc1", "lambda-error-fc3")), ids.toString());
    for (String absent : List.of("spectra", "codebook-fc1", "timings", "layer-bytes")) {
      assertFalse(ids.contains(absent), absent);
    }
    for (String section : List.of("stages", "config", "timings", "layer-bytes")) {
      assertTrue(html.contains("class=\"note missing\" data-section=\"" + section + "\""), section);
    }
    // a run without a low-rank or weight-sharing stage has no such section at all: no heading, no note
    for (String absent : List.of("Singular value spectra", "Weight-sharing codebooks", "data-section=\"spectra\"",
        "data-section=\"codebooks\"")) {
      assertFalse(html.contains(absent), absent);
    }
    // without stages, the trade-off chart has the two end-to-end points
    assertEquals(4, count(svgsById(html).get("tradeoff"), "<circle class=\"data"));
  }

  @Test
  void javaMapsWithNaNMissingKeysAndPrimitiveArraysRender() throws Exception {
    // as CompressionJob.metrics builds it: Long/Integer/Double values, NaN held-out error, no evaluation
    Map<String, Object> m = fullMetrics();
    @SuppressWarnings("unchecked")
    Map<String, Object> e = (Map<String, Object>) m.get("end_to_end");
    e.remove("accuracy_before");
    e.remove("accuracy_after");
    e.remove("top1_agreement");
    m.remove("stages");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> layers = (List<Map<String, Object>>) m.get("layers");
    layers.get(0).put("relative_error_held_out", Double.NaN);
    layers.get(0).put("target_reached", false);
    Map<String, Object> spectra = new LinkedHashMap<>();
    spectra.put("fc1", Map.of("singular_values", new double[] {0.5, 4, 2, 1})); // unsorted: sorted, divided by 4
    spectra.put("fc2", Map.of("singular_values", new float[] {3, 0})); // a zero cannot go on the log axis
    m.put("spectra", spectra);
    Map<String, Object> codebooks = new LinkedHashMap<>();
    codebooks.put("fc1", Map.of("centroids", new float[] {-0.5f, 0.25f}, "counts", new int[] {7, 9}));
    codebooks.put("fc2", Map.of("centroids", List.of(1.0, 2.0), "counts", List.of(3))); // lengths differ
    m.put("codebooks", codebooks);
    String html = CompressionReport.render(m);
    Map<String, String> svgs = svgsById(html);
    assertFalse(svgs.containsKey("tradeoff"));
    assertTrue(html.contains("data-section=\"stages\""));
    assertTrue(html.contains("data-section=\"codebook-fc2\""));
    assertFalse(svgs.containsKey("codebook-fc2"));
    assertEquals(2, count(svgs.get("codebook-fc1"), "class=\"data"));
    // spectra: fc1 plotted at 1, 0.5, 0.25, 0.125 (4 markers); fc2 at 1 only (0/3 dropped)
    String sp = svgs.get("spectra");
    assertEquals(4 + 1, count(sp, "<circle class=\"data"));
    assertTrue(sp.contains("fc1: (4, 0.125)"), sp);
    assertFalse(html.contains("NaN"));
    assertTrue(html.contains("<td class=\"bad\">false</td>"));
    for (String svg : svgs.values()) {
      ChartsTest.xml(svg);
    }
  }

  /** The job's form of a spectrum: the values of W or W L, and a ring at the rank kept. */
  @Test
  void spectraWithTheRankKept() throws Exception {
    Map<String, Object> m = fullMetrics();
    Map<String, Object> spectra = new LinkedHashMap<>();
    Map<String, Object> fc1 = new LinkedHashMap<>();
    fc1.put("stage", "svd_aware(energy=0.9)");
    fc1.put("of", "W L");
    fc1.put("rank", 2);
    fc1.put("factored", true);
    fc1.put("singular_values", new double[] {4, 2, 1, 0.5});
    spectra.put("fc1", fc1);
    spectra.put("fc2", Map.of("of", "W", "rank", 7, "singular_values", List.of(3.0, 1.5))); // rank beyond: no ring
    m.put("spectra", spectra);
    String sp = svgsById(CompressionReport.render(m)).get("spectra");
    ChartsTest.xml(sp);
    assertEquals(4 + 2, count(sp, "<circle class=\"data"));
    assertTrue(sp.contains("fc1 (W L): (2, 0.5)"), sp);
    assertEquals(1, count(sp, "class=\"highlight\""));
    assertTrue(sp.contains(">fc1: rank 2</text>"), sp);
  }

  /** A codebook with the weight histogram: one bar per bin, one vertical line per shared value, a legend. */
  @Test
  void codebookWithAWeightHistogramMarksTheSharedValues() throws Exception {
    Map<String, Object> m = fullMetrics();
    Map<String, Object> cb = new LinkedHashMap<>();
    double[][] h = Histogram.bin(new double[] {-0.3, -0.1, -0.1, 0, 0.05, 0.1, 0.1, 0.1, 0.4}, 8);
    Map<String, Object> fc1 = new LinkedHashMap<>();
    fc1.put("centroids", new float[] {-0.16666667f, 0.06f, 0.4f});
    fc1.put("counts", new long[] {3, 5, 1});
    fc1.put("histogram", Map.of("centres", h[0], "counts", h[1]));
    cb.put("fc1", fc1);
    m.put("codebooks", cb);
    String svg = svgsById(CompressionReport.render(m)).get("codebook-fc1");
    ChartsTest.xml(svg);
    assertEquals(8, count(svg, "<rect class=\"data bar\""));
    assertEquals(3, count(svg, "<line class=\"data mark\""));
    assertTrue(svg.contains("<title>shared value 0.06: 5 weights</title>"), svg);
    assertTrue(svg.contains(">shared values</text>") && svg.contains(">weights</text>"), "legend");
    assertTrue(svg.contains("fc1: weights and their 3 shared values"), svg);
  }

  @Test
  void layerNamesAreEscapedAndGiveUniqueIds() throws Exception {
    Map<String, Object> m = fullMetrics();
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> layers = (List<Map<String, Object>>) m.get("layers");
    String evil = "<img src=x onerror=\"alert(1)\">&";
    layers.get(0).put("layer", evil);
    layers.get(1).put("layer", "<img src=x onerror=\"alert(2)\">&"); // same slug
    Map<String, Object> cb = new LinkedHashMap<>();
    cb.put(evil, Map.of("centroids", new double[] {-1, 1}, "counts", new long[] {3, 4}));
    m.put("codebooks", cb);
    String html = CompressionReport.render(m);
    assertFalse(html.contains("<img"));
    assertTrue(html.contains("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;"));
    Set<String> ids = new HashSet<>();
    for (String id : svgsById(html).keySet()) {
      assertTrue(ids.add(id), "duplicate id " + id);
    }
    assertTrue(ids.contains("lambda-kept-_img_src_x_onerror__alert_1____"), ids.toString());
    assertTrue(ids.contains("lambda-kept-_img_src_x_onerror__alert_2____"), ids.toString());
    assertTrue(ids.contains("codebook-_img_src_x_onerror__alert_1____"), ids.toString());
  }

  /** Stages close in size and accuracy, as the demo's kmeans(4) and kmeans(4) -> huffman: their labels do not overlap. */
  @Test
  void tradeoffLabelsDoNotOverlap() throws Exception {
    Map<String, Object> m = json("/report/sample-metrics.json");
    List<Map<String, Object>> stages = new ArrayList<>();
    Object[][] demo = {{"float32", 1066440L, 0.8912}, {"lnr", 220596L, 0.8873}, {"kmeans(4)", 61020L, 0.8851},
        {"kmeans(4) -> huffman", 53505L, 0.8845}, {"kmeans(4) -> huffman -> x", 52000L, 0.8846}};
    for (Object[] d : demo) {
      Map<String, Object> st = new LinkedHashMap<>();
      st.put("stage", d[0]);
      st.put("bytes", d[1]);
      st.put("accuracy", d[2]);
      st.put("agreement", 0.99);
      stages.add(st);
    }
    m.put("stages", stages);
    String svg = svgsById(CompressionReport.render(m)).get("tradeoff");
    Matcher t = Pattern.compile("<text class=\"point-label\"[^>]*text-anchor=\"(start|end)\" x=\"([-0-9.]+)\" "
        + "y=\"([-0-9.]+)\">([^<]*)</text>").matcher(svg);
    List<double[]> boxes = new ArrayList<>();
    List<String> labels = new ArrayList<>();
    while (t.find()) {
      String text = t.group(4).replace("&gt;", ">");
      labels.add(text);
      boxes.add(LabelPlacer.box(text, Double.parseDouble(t.group(2)), Double.parseDouble(t.group(3)),
          t.group(1).equals("end")));
    }
    assertEquals(List.of("float32", "lnr", "kmeans(4)", "kmeans(4) -> huffman", "kmeans(4) -> huffman -> x"), labels);
    for (int i = 0; i < boxes.size(); i++) {
      for (int j = i + 1; j < boxes.size(); j++) {
        assertFalse(LabelPlacer.overlap(boxes.get(i), boxes.get(j)), labels.get(i) + " overlaps " + labels.get(j)
            + ": " + java.util.Arrays.toString(boxes.get(i)) + " " + java.util.Arrays.toString(boxes.get(j)));
      }
      // inside the chart (1220 x 380)
      assertTrue(boxes.get(i)[0] >= 0 && boxes.get(i)[2] <= 1220 && boxes.get(i)[1] >= 0 && boxes.get(i)[3] <= 380,
          labels.get(i) + " " + java.util.Arrays.toString(boxes.get(i)));
    }
  }

  /** The fine-tuning section: both curves, epoch 0 only in the accuracy, and every epoch in its table. */
  @Test
  void finetuneCurvesAndTable() throws Exception {
    String html = CompressionReport.render(fullMetrics());
    Map<String, String> svgs = svgsById(html);
    // markers: one circle per point with a value
    assertEquals(3 + 2, count(svgs.get("finetune-loss"), "<circle class=\"data"));
    assertEquals(4 + 3, count(svgs.get("finetune-accuracy"), "<circle class=\"data"));
    assertTrue(svgs.get("finetune-accuracy").contains("after lnr") && svgs.get("finetune-accuracy")
        .contains("after kmeans"), "legend");
    String table = html.substring(html.indexOf("<table class=\"finetune\">"));
    table = table.substring(0, table.indexOf("</table>"));
    assertEquals(4 + 3, count(table, "<tr><td>"), table); // every epoch of both, epoch 0 included
    assertTrue(table.contains("<tr><td>after lnr</td><td>before</td><td>-</td><td>87.03%</td>"), table);
    assertTrue(table.contains("<tr><td>after kmeans</td><td>2</td><td>0.2702</td><td>88.79%</td>"), table);
    assertTrue(table.contains("<td>6,316</td>"), table); // samples/s rounded
    // without a finetune section: no section at all
    Map<String, Object> m = fullMetrics();
    m.remove("finetune");
    html = CompressionReport.render(m);
    assertFalse(html.contains("Fine-tuning") || html.contains("finetune-loss"));
  }

  /** The timings table lists each phase once and one total: the run's, not a second "total" phase. */
  @Test
  void timingsListEachPhaseOnce() throws Exception {
    Map<String, Object> m = json("/report/sample-metrics.json");
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("lnr", 2.5);
    t.put("evaluation", 1.0);
    t.put("stages", 0.25);
    t.put("total", 3.875); // the phases and what no phase names
    m.put("timings", t);
    String html = CompressionReport.render(m);
    String table = html.substring(html.indexOf("<table class=\"timings\">"));
    table = table.substring(0, table.indexOf("</table>"));
    assertEquals(List.of("lnr", "evaluation", "stages", "total"), firstCells(table));
    assertTrue(table.contains("<th>total</th><th>3.88 s</th>"), table);
    assertEquals(3, count(svgsById(html).get("timings"), "<rect class=\"data"));
    // a metrics.json of schema 1 had only the total: one row, no bar chart of a single "total" bar
    m.put("timings", Map.of("total", 61.85));
    html = CompressionReport.render(m);
    table = html.substring(html.indexOf("<table class=\"timings\">"));
    table = table.substring(0, table.indexOf("</table>"));
    assertEquals(List.of("total"), firstCells(table));
    assertTrue(table.contains("1 min 1.9 s"), table);
    assertFalse(svgsById(html).containsKey("timings"));
  }

  private static List<String> firstCells(String table) {
    List<String> r = new ArrayList<>();
    Matcher x = Pattern.compile("<tr><t[dh]>([^<]*)</t[dh]>").matcher(table);
    while (x.find()) {
      r.add(x.group(1));
    }
    r.remove("phase"); // the header
    return r;
  }

  @Test
  void writeReplacesTheFileAtomically(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("sub/report.html");
    CompressionReport.write(f, fullMetrics());
    Files.writeString(f, "old");
    CompressionReport.write(f, fullMetrics());
    String html = Files.readString(f);
    assertTrue(html.startsWith("<!DOCTYPE html>") && html.endsWith("</html>\n"));
    try (Stream<Path> s = Files.list(f.getParent())) {
      assertEquals(List.of("report.html"), s.map(p -> p.getFileName().toString()).toList(), "no temp file left");
    }
  }

  // ---------------------------------------------------------------- in a browser

  /** Runs headless Chromium (flags: /work/.library/env/machines/java-maven.md) with extra args. */
  private static String chromium(Path profile, Path log, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox",
        "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--hide-scrollbars",
        "--user-data-dir=" + profile));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "chromium did not finish");
    assertEquals(0, p.exitValue(), "chromium failed: " + Files.readString(log));
    return new String(out, StandardCharsets.UTF_8);
  }

  @Test
  void rendersInHeadlessChromium(@TempDir Path tmp) throws Exception {
    assumeFalse("java".equals(System.getProperty("nncompress.blas"))
        || "vector".equals(System.getProperty("nncompress.blas")),
        "skipped in the pure-Java BLAS run: the report does no numerics, one browser run is enough");
    assumeTrue(Files.isExecutable(CHROMIUM),
        "skipped: /usr/bin/chromium not installed (apt-get install -y chromium; .ci/run installs it)");
    Path out = Paths.get("target", "report").toAbsolutePath();
    Files.createDirectories(out);
    Path html = out.resolve("report.html");
    CompressionReport.write(html, fullMetrics());
    String url = html.toUri().toString();

    // (a) the DOM after layout: every plot is there and has its marks
    String dom = chromium(Files.createDirectory(tmp.resolve("p1")), tmp.resolve("dom.log"), "--dump-dom", url);
    Map<String, String> svgs = svgsById(dom);
    for (Map.Entry<String, Integer> e : FULL.entrySet()) {
      String svg = svgs.get(e.getKey());
      assertTrue(svg != null, "plot " + e.getKey() + " missing from the DOM");
      int marks = count(svg, "class=\"data");
      assertTrue(marks >= e.getValue(), e.getKey() + ": " + marks + " data marks in the DOM, expected >= " + e.getValue());
    }

    // (b) the screenshot: a PNG of the window size, not blank
    Path png = out.resolve("report.png");
    Files.deleteIfExists(png);
    chromium(Files.createDirectory(tmp.resolve("p2")), tmp.resolve("shot.log"),
        "--screenshot=" + png, "--window-size=1280,2400", url);
    assertTrue(Files.size(png) > 1000, "screenshot " + png + " is " + Files.size(png) + " bytes");
    BufferedImage img = ImageIO.read(png.toFile());
    assertTrue(img != null, png + " is not a PNG");
    assertEquals(1280, img.getWidth());
    assertEquals(2400, img.getHeight());
    // not blank: many colours, and a real share of non-white pixels
    Set<Integer> colours = new HashSet<>();
    long ink = 0;
    double sum = 0;
    double sum2 = 0;
    long n = 0;
    for (int y = 0; y < img.getHeight(); y += 2) {
      for (int x = 0; x < img.getWidth(); x += 2) {
        int rgb = img.getRGB(x, y) & 0xFFFFFF;
        colours.add(rgb);
        int grey = ((rgb >> 16 & 255) + (rgb >> 8 & 255) + (rgb & 255)) / 3;
        ink += grey < 200 ? 1 : 0;
        sum += grey;
        sum2 += (double) grey * grey;
        n++;
      }
    }
    double variance = sum2 / n - (sum / n) * (sum / n);
    assertTrue(colours.size() > 50, colours.size() + " colours");
    assertTrue(ink > n / 100, ink + " of " + n + " pixels are dark");
    assertTrue(variance > 50, "grey variance " + variance);
  }
}
