package io.nncompress.format.safetensors;

import java.util.Arrays;

/** Some rows of another source, in a given order ({@link TensorSource#selectRows}). */
final class SelectedRows implements TensorSource {
  private static final long serialVersionUID = 1L;
  private final TensorSource base;
  private final int[] rows;

  SelectedRows(TensorSource base, int[] rows) {
    int n = (int) base.shape()[0];
    for (int r : rows) {
      if (r < 0 || r >= n) {
        throw new IllegalArgumentException("row " + r + " is out of 0.." + (n - 1) + " of " + base.describe());
      }
    }
    this.base = base;
    this.rows = rows.clone();
  }

  @Override
  public long[] shape() {
    long[] s = base.shape();
    s[0] = rows.length;
    return s;
  }

  @Override
  public double[] rows(int from, int to) {
    long[] s = base.shape();
    int len = (int) (s[0] == 0 ? 0 : Tensor.elementCount(s) / s[0]);
    double[] out = new double[(to - from) * len];
    for (int i = from; i < to; i++) {
      System.arraycopy(base.rows(rows[i], rows[i] + 1), 0, out, (i - from) * len, len);
    }
    return out;
  }

  @Override
  public String describe() {
    return base.describe() + " rows " + rows.length + ":" + Arrays.hashCode(rows);
  }
}
