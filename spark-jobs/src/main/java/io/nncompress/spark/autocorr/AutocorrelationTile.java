package io.nncompress.spark.autocorr;

import java.io.Serializable;

/**
 * One tile (tileRow <= tileCol) of a layer's autocorrelation: rows x cols values, column-major,
 * covering R[tileRow*T .. , tileCol*T .. ]. Diagonal tiles are stored full (both triangles).
 */
public final class AutocorrelationTile implements Serializable {
  private static final long serialVersionUID = 1L;
  public final String layer;
  public final int tileRow;
  public final int tileCol;
  public final int rows;
  public final int cols;
  public final double[] values;

  public AutocorrelationTile(String layer, int tileRow, int tileCol, int rows, int cols, double[] values) {
    if (values.length != rows * cols) {
      throw new IllegalArgumentException("tile " + rows + "x" + cols + " needs " + rows * cols + " values, has "
          + values.length);
    }
    this.layer = layer;
    this.tileRow = tileRow;
    this.tileCol = tileCol;
    this.rows = rows;
    this.cols = cols;
    this.values = values;
  }

  /** From an accumulated sum tile: divides by N and fills the lower triangle of a diagonal tile. */
  static AutocorrelationTile fromSum(String layer, int tileRow, int tileCol, int rows, int cols, double[] sum,
      long samples) {
    double[] v = new double[sum.length];
    for (int j = 0; j < cols; j++) {
      for (int i = 0; i < rows; i++) {
        boolean lower = tileRow == tileCol && i > j;
        v[i + j * rows] = (lower ? sum[j + i * rows] : sum[i + j * rows]) / samples;
      }
    }
    return new AutocorrelationTile(layer, tileRow, tileCol, rows, cols, v);
  }
}
