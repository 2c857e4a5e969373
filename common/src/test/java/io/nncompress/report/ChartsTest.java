package io.nncompress.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class ChartsTest {
  /** Parses an svg string as XML: it must be well formed. */
  static Document xml(String svg) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    return f.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  static int dataMarks(Document d, String tag) {
    NodeList n = d.getElementsByTagNameNS("*", tag);
    int k = 0;
    for (int i = 0; i < n.getLength(); i++) {
      if (((Element) n.item(i)).getAttribute("class").startsWith("data")) {
        k++;
      }
    }
    return k;
  }

  static double attr(Document d, String tag, int i, String a) {
    return Double.parseDouble(((Element) d.getElementsByTagNameNS("*", tag).item(i)).getAttribute(a));
  }

  @Test
  void lineChartPlacesPointsOnItsScales() throws Exception {
    // domain x [0, 100] (ticks 0..100 by 20), y [0, 10]; plot area x 72..580, y 292..48 (600x340)
    String svg = new LineChart("t1", "a <b> & c").xLabel("x").yLabel("y")
        .series("s", new double[] {0, 50, 100}, new double[] {0, 5, 10}, true, true, null).toSvg();
    Document d = xml(svg);
    Element root = d.getDocumentElement();
    assertEquals("svg", root.getLocalName());
    assertEquals("t1", root.getAttribute("id"));
    assertEquals("chart line-chart", root.getAttribute("class"));
    assertEquals("a <b> & c", d.getElementsByTagNameNS("*", "title").item(0).getTextContent());
    assertEquals(3, dataMarks(d, "circle"));
    assertEquals(1, dataMarks(d, "path"));
    assertEquals(72, attr(d, "circle", 0, "cx"), 1e-9);
    assertEquals(292, attr(d, "circle", 0, "cy"), 1e-9);
    assertEquals(326, attr(d, "circle", 1, "cx"), 1e-9);  // 72 + 508 / 2
    assertEquals(170, attr(d, "circle", 1, "cy"), 1e-9);  // 292 - 244 / 2
    assertEquals(580, attr(d, "circle", 2, "cx"), 1e-9);
    assertEquals(48, attr(d, "circle", 2, "cy"), 1e-9);
  }

  @Test
  void logAxesLeaveOutPointsThatCannotBePlaced() throws Exception {
    String svg = new LineChart("t2", "log").logX(true).logY(true)
        .series("s", new double[] {0, 1, 10, 100, Double.NaN}, new double[] {1, 1, 0.1, -1, 2}, false, true,
            new String[] {"a", "b", "c", "d", "e"})
        .toSvg();
    Document d = xml(svg);
    assertEquals(2, dataMarks(d, "circle")); // (1, 1) and (10, 0.1) only
    assertTrue(svg.contains(">b<") && svg.contains(">c<") && !svg.contains(">a<") && !svg.contains(">d<"));
  }

  @Test
  void emptyLineChartSaysSo() throws Exception {
    String svg = new LineChart("t3", "nothing").series("s", new double[0], new double[0], true, true, null).toSvg();
    Document d = xml(svg);
    assertEquals(0, dataMarks(d, "circle"));
    assertTrue(svg.contains("no data"));
  }

  @Test
  void barHeightsAreProportionalToValues() throws Exception {
    // domain [0, 800]: ticks 0, 200, ..., 800; plot height 244 px
    String svg = new BarChart("b1", "bars", List.of("fc1", "<fc2>"))
        .series("before", new double[] {784, 300}).series("after", new double[] {416, 75}).toSvg();
    Document d = xml(svg);
    assertEquals(4, dataMarks(d, "rect"));
    // rects: swatches first (2), then bars in order fc1 before, fc1 after, fc2 before, fc2 after
    double h0 = attr(d, "rect", 2, "height");
    double h1 = attr(d, "rect", 3, "height");
    assertEquals(784 * 244 / 800.0, h0, 0.01);
    assertEquals(416 * 244 / 800.0, h1, 0.01);
    assertTrue(svg.contains("&lt;fc2&gt;"));
    assertFalse(svg.contains("<fc2>"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new BarChart("b2", "t", List.of("a")).series("s", new double[] {1, 2}));
    assertEquals("series s must have one value per category: 2 vs 1", e.getMessage());
  }

  @Test
  void histogramBarsDoNotOverlapAndBinningCountsEveryValue() throws Exception {
    String svg = new Histogram("h1", "codebook", new double[] {0.5, -0.5, 0.1}, new double[] {10, 20, 30}).toSvg();
    Document d = xml(svg);
    assertEquals(3, dataMarks(d, "rect"));
    // sorted by centre: -0.5, 0.1, 0.5; heights in order 20, 30, 10
    double h0 = attr(d, "rect", 0, "height");
    double h1 = attr(d, "rect", 1, "height");
    double h2 = attr(d, "rect", 2, "height");
    assertEquals(2.0, h0 / h2, 1e-2);
    assertEquals(3.0, h1 / h2, 1e-2);
    // bars 2 and 3 are the closest pair (gap 0.4): the right edge of one is left of the other
    double x1 = attr(d, "rect", 1, "x");
    double w = attr(d, "rect", 1, "width");
    assertTrue(x1 + w < attr(d, "rect", 2, "x"));

    double[][] b = Histogram.bin(new double[] {0, 0.1, 0.2, 0.9, 1.0, Double.NaN}, 4);
    // bins of width 0.25 over [0, 1]: [0, .25) has 3, [.75, 1] has 2 (1.0 falls in the last bin)
    assertEquals(0.125, b[0][0], 1e-12);
    assertEquals(3, b[1][0]);
    assertEquals(0, b[1][1]);
    assertEquals(0, b[1][2]);
    assertEquals(2, b[1][3]);
  }
}
