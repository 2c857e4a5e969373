package io.nncompress.report;

import java.util.ArrayList;
import java.util.List;

/**
 * Places point labels of a chart so that no two overlap: each label tries positions around its
 * point (right, left, above, below, then further up or down) and takes the first whose box (the
 * estimated text width, {@link Chart#textWidth}, by one line of 11 px text) is inside the chart and
 * clear of the labels already placed. A label with no free position keeps its first in-bounds one.
 */
final class LabelPlacer {
  /** Per character of an 11 px label, as the legend estimates it. */
  static final double PER_CHAR = 6.2;
  /** A label's box from its baseline: ascent above, descent below. */
  static final double ASCENT = 10;
  static final double DESCENT = 3;

  /** A placed label: its anchor point and whether it ends there (text-anchor="end") or starts. */
  record Placed(double x, double y, boolean end) {}

  private final double minX;
  private final double maxX;
  private final double minY;
  private final double maxY;
  private final List<double[]> boxes = new ArrayList<>();

  LabelPlacer(double minX, double maxX, double minY, double maxY) {
    this.minX = minX;
    this.maxX = maxX;
    this.minY = minY;
    this.maxY = maxY;
  }

  /** The box [x0, y0, x1, y1] of text at (x, y), anchored at its start or end. */
  static double[] box(String text, double x, double y, boolean end) {
    double w = Chart.textWidth(text, PER_CHAR);
    return new double[] {end ? x - w : x, y - ASCENT, end ? x : x + w, y + DESCENT};
  }

  static boolean overlap(double[] a, double[] b) {
    return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
  }

  /** Where the label of the point (px, py) goes. */
  Placed place(String text, double px, double py) {
    Placed fallback = null;
    for (int k = 0; k <= 8; k++) {
      for (double dy : k == 0 ? new double[] {-6, 15} : new double[] {-6 - 13 * k, 15 + 13 * k}) {
        for (boolean end : new boolean[] {false, true}) {
          Placed p = new Placed(px + (end ? -7 : 7), py + dy, end);
          double[] b = box(text, p.x, p.y, p.end);
          if (b[0] < minX || b[2] > maxX || b[1] < minY || b[3] > maxY) {
            continue;
          }
          if (fallback == null) {
            fallback = p;
          }
          boolean free = true;
          for (double[] o : boxes) {
            free &= !overlap(b, o);
          }
          if (free) {
            boxes.add(b);
            return p;
          }
        }
      }
    }
    Placed p = fallback != null ? fallback : new Placed(px + 7, py - 6, false);
    boxes.add(box(text, p.x, p.y, p.end));
    return p;
  }
}
