package io.nncompress.report;

import java.util.Locale;

/** Text escaping, number formatting and ids shared by the charts and the HTML report. */
public final class Svg {
  /** Colour-blind safe palette (Okabe-Ito, without yellow, which is unreadable on white). */
  static final String[] PALETTE = {
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000"
  };

  private Svg() {}

  /** Escapes text for an XML/HTML text node or a double- or single-quoted attribute. */
  public static String escape(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&': b.append("&amp;"); break;
        case '<': b.append("&lt;"); break;
        case '>': b.append("&gt;"); break;
        case '"': b.append("&quot;"); break;
        case '\'': b.append("&#39;"); break;
        default:
          // control characters other than tab/newline are not allowed in XML 1.0
          if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            b.append('\uFFFD');
          } else {
            b.append(c);
          }
      }
    }
    return b.toString();
  }

  /**
   * A string usable as an HTML/SVG id fragment: letters, digits, '-' and '_' kept, every other
   * character replaced by '_'; never empty.
   */
  public static String slug(String s) {
    if (s == null || s.isEmpty()) {
      return "_";
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_';
      b.append(ok ? c : '_');
    }
    return b.toString();
  }

  /** Requires an id already in {@link #slug} form, so that it can be written unescaped. */
  static String checkId(String id) {
    if (id == null || id.isEmpty() || !id.equals(slug(id))) {
      throw new IllegalArgumentException(
          "id must be non-empty and only letters, digits, '-' or '_', cannot be: " + id);
    }
    return id;
  }

  /** A coordinate with 2 decimals, no locale surprises ("12.5", not "12,5"). */
  static String c(double v) {
    long r = Math.round(v * 100);
    if (r % 100 == 0) {
      return Long.toString(r / 100);
    }
    return String.format(Locale.ROOT, "%.2f", v).replaceAll("0+$", "");
  }

  /**
   * A number for people: up to 4 significant digits, SI suffix (k, M, G, T) from 10^4 up,
   * scientific notation below 10^-3; "-" for NaN.
   */
  public static String number(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    if (v == 0) {
      return "0";
    }
    double a = Math.abs(v);
    if (a >= 1e4) {
      String[] suffix = {"k", "M", "G", "T", "P"};
      int k = -1;
      while (a >= 1e3 && k < suffix.length - 1) {
        a /= 1e3;
        k++;
      }
      return (v < 0 ? "-" : "") + trim(String.format(Locale.ROOT, "%.3g", a)) + suffix[k];
    }
    if (a < 1e-3) {
      String s = String.format(Locale.ROOT, "%.2e", v);
      // 1.00e-05 -> 1e-5
      String[] parts = s.split("e");
      return trim(parts[0]) + "e" + Integer.parseInt(parts[1]);
    }
    return trim(String.format(Locale.ROOT, "%.4g", v));
  }

  /** Bytes in decimal SI units, 3 significant digits: "512 B", "133 kB", "1.07 MB". */
  public static String bytes(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    String[] unit = {"B", "kB", "MB", "GB", "TB", "PB"};
    double a = Math.abs(v);
    int k = 0;
    // 999.6 kB would print as "1e+03 kB": move up a unit once the rounded value reaches 1000
    while (k < unit.length - 1 && (k == 0 ? Math.round(a) : Double.parseDouble(String.format(Locale.ROOT, "%.3g", a))) >= 1000) {
      a /= 1000;
      k++;
    }
    String n = k == 0 ? Long.toString(Math.round(a)) : trim(String.format(Locale.ROOT, "%.3g", a));
    return (v < 0 ? "-" : "") + n + " " + unit[k];
  }

  private static String trim(String s) {
    if (s.indexOf('.') < 0 || s.indexOf('e') >= 0) {
      return s;
    }
    return s.replaceAll("0+$", "").replaceAll("\\.$", "");
  }
}
