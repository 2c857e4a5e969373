package io.nncompress.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SvgTest {
  @Test
  void escapesMarkupQuotesAndControlCharacters() {
    assertEquals("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;",
        Svg.escape("<script>alert(\"x\")</script> & 'y'"));
    assertEquals("a\uFFFDb\tc", Svg.escape("a\u0001b\tc"));
    assertEquals("", Svg.escape(null));
    assertEquals("caf\u00e9 \u03bb", Svg.escape("caf\u00e9 \u03bb"));
  }

  @Test
  void slugKeepsOnlyIdSafeCharacters() {
    assertEquals("features_0_conv", Svg.slug("features.0.conv"));
    assertEquals("_script_", Svg.slug("<script>"));
    assertEquals("fc-1_a", Svg.slug("fc-1_a"));
    assertEquals("_", Svg.slug(""));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LineChart("a b", "t"));
    assertEquals("id must be non-empty and only letters, digits, '-' or '_', cannot be: a b", e.getMessage());
  }

  @Test
  void numbersForPeople() {
    assertEquals("0", Svg.number(0));
    assertEquals("784", Svg.number(784));
    assertEquals("0.8912", Svg.number(0.8912));
    assertEquals("0.01", Svg.number(0.01));
    assertEquals("9999", Svg.number(9999));
    assertEquals("267k", Svg.number(266610));
    assertEquals("1.07M", Svg.number(1066440));
    assertEquals("-12.5k", Svg.number(-12500));
    assertEquals("1e-5", Svg.number(1e-5));
    assertEquals("2.5e-4", Svg.number(2.5e-4));
    assertEquals("-", Svg.number(Double.NaN));
  }

  @Test
  void bytesInDecimalUnits() {
    assertEquals("512 B", Svg.bytes(512));
    assertEquals("999 B", Svg.bytes(999));
    assertEquals("1 kB", Svg.bytes(999.6)); // rounds up into the next unit, never "1000 B"
    assertEquals("133 kB", Svg.bytes(132744));
    assertEquals("1 MB", Svg.bytes(999_600)); // not "1e+03 kB"
    assertEquals("1.07 MB", Svg.bytes(1066440));
    assertEquals("10 GB", Svg.bytes(1e10));
    assertEquals("-", Svg.bytes(Double.NaN));
  }

  @Test
  void coordinatesUseAPointAndAtMostTwoDecimals() {
    assertEquals("12", Svg.c(12.0));
    assertEquals("12.5", Svg.c(12.5));
    assertEquals("0.33", Svg.c(1.0 / 3));
    assertEquals("-3.25", Svg.c(-3.25));
  }
}
