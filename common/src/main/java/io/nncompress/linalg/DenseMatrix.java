package io.nncompress.linalg;

import java.util.Arrays;

/**
 * A dense double-precision matrix stored column-major in one flat array, element (i, j) at
 * {@code data[i + j * rows]}: the layout BLAS and LAPACK take without copies.
 */
public final class DenseMatrix implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  public final int rows;
  public final int cols;
  public final double[] data;

  public DenseMatrix(int rows, int cols) {
    this(rows, cols, new double[checkedSize(rows, cols)]);
  }

  /** Wraps {@code data} (column-major, length rows*cols) without copying. */
  public DenseMatrix(int rows, int cols, double[] data) {
    if (data.length != checkedSize(rows, cols)) {
      throw new IllegalArgumentException(
          "data has " + data.length + " values, a " + rows + "x" + cols + " matrix needs " + (long) rows * cols);
    }
    this.rows = rows;
    this.cols = cols;
    this.data = data;
  }

  private static int checkedSize(int rows, int cols) {
    if (rows < 0 || cols < 0) {
      throw new IllegalArgumentException("Matrix dimensions must be non-negative, cannot be: " + rows + "x" + cols);
    }
    long n = (long) rows * cols;
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("Matrix " + rows + "x" + cols + " is too large for one array");
    }
    return (int) n;
  }

  public static DenseMatrix zeros(int rows, int cols) {
    return new DenseMatrix(rows, cols);
  }

  public static DenseMatrix identity(int n) {
    DenseMatrix m = new DenseMatrix(n, n);
    for (int i = 0; i < n; i++) {
      m.data[i + i * n] = 1.0;
    }
    return m;
  }

  /** From row-major nested arrays, {@code a[i][j]} = element (i, j). */
  public static DenseMatrix fromRows(double[][] a) {
    int r = a.length;
    int c = r == 0 ? 0 : a[0].length;
    DenseMatrix m = new DenseMatrix(r, c);
    for (int i = 0; i < r; i++) {
      if (a[i].length != c) {
        throw new IllegalArgumentException("Row " + i + " has " + a[i].length + " values, row 0 has " + c);
      }
      for (int j = 0; j < c; j++) {
        m.data[i + j * r] = a[i][j];
      }
    }
    return m;
  }

  /** From a row-major flat array of length rows*cols. */
  public static DenseMatrix fromRowMajor(int rows, int cols, double[] rowMajor) {
    DenseMatrix m = new DenseMatrix(rows, cols);
    if (rowMajor.length != m.data.length) {
      throw new IllegalArgumentException(
          "row-major data has " + rowMajor.length + " values, a " + rows + "x" + cols + " matrix needs " + m.data.length);
    }
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        m.data[i + j * rows] = rowMajor[i * cols + j];
      }
    }
    return m;
  }

  public double get(int i, int j) {
    return data[i + j * rows];
  }

  public void set(int i, int j, double v) {
    data[i + j * rows] = v;
  }

  public void add(int i, int j, double v) {
    data[i + j * rows] += v;
  }

  public DenseMatrix copy() {
    return new DenseMatrix(rows, cols, data.clone());
  }

  /** The row-major copy of this matrix (length rows*cols). */
  public double[] toRowMajor() {
    double[] out = new double[data.length];
    for (int j = 0; j < cols; j++) {
      for (int i = 0; i < rows; i++) {
        out[i * cols + j] = data[i + j * rows];
      }
    }
    return out;
  }

  public DenseMatrix transpose() {
    DenseMatrix t = new DenseMatrix(cols, rows);
    for (int j = 0; j < cols; j++) {
      for (int i = 0; i < rows; i++) {
        t.data[j + i * cols] = data[i + j * rows];
      }
    }
    return t;
  }

  /** Column j as a new array. */
  public double[] column(int j) {
    return Arrays.copyOfRange(data, j * rows, (j + 1) * rows);
  }

  /** Row i as a new array. */
  public double[] row(int i) {
    double[] r = new double[cols];
    for (int j = 0; j < cols; j++) {
      r[j] = data[i + j * rows];
    }
    return r;
  }

  /** The sub-matrix of the given columns, in the given order. */
  public DenseMatrix selectColumns(int[] columns) {
    DenseMatrix out = new DenseMatrix(rows, columns.length);
    for (int k = 0; k < columns.length; k++) {
      System.arraycopy(data, columns[k] * rows, out.data, k * rows, rows);
    }
    return out;
  }

  /** The sub-matrix of the given rows, in the given order. */
  public DenseMatrix selectRows(int[] rowIdx) {
    DenseMatrix out = new DenseMatrix(rowIdx.length, cols);
    for (int j = 0; j < cols; j++) {
      for (int k = 0; k < rowIdx.length; k++) {
        out.data[k + j * rowIdx.length] = data[rowIdx[k] + j * rows];
      }
    }
    return out;
  }

  /** The sub-matrix R[idx, idx] of a square matrix. */
  public DenseMatrix selectSymmetric(int[] idx) {
    requireSquare();
    DenseMatrix out = new DenseMatrix(idx.length, idx.length);
    for (int b = 0; b < idx.length; b++) {
      for (int a = 0; a < idx.length; a++) {
        out.data[a + b * idx.length] = data[idx[a] + idx[b] * rows];
      }
    }
    return out;
  }

  /** Copies the upper triangle onto the lower one, in place (BLAS dsyrk fills one triangle). */
  public DenseMatrix symmetrizeFromUpper() {
    requireSquare();
    for (int j = 0; j < cols; j++) {
      for (int i = j + 1; i < rows; i++) {
        data[i + j * rows] = data[j + i * rows];
      }
    }
    return this;
  }

  public void requireSquare() {
    if (rows != cols) {
      throw new IllegalArgumentException("Must be square. " + rows + "x" + cols);
    }
  }

  public void requireSameShape(DenseMatrix other) {
    if (rows != other.rows || cols != other.cols) {
      throw new IllegalArgumentException("Must be same shape. " + shape() + " vs " + other.shape());
    }
  }

  public String shape() {
    return rows + "x" + cols;
  }

  public double frobeniusNorm() {
    double s = 0;
    for (double v : data) {
      s += v * v;
    }
    return Math.sqrt(s);
  }

  /** max |a_ij - b_ij|. */
  public double maxAbsDiff(DenseMatrix other) {
    requireSameShape(other);
    double m = 0;
    for (int k = 0; k < data.length; k++) {
      m = Math.max(m, Math.abs(data[k] - other.data[k]));
    }
    return m;
  }

  /** this * b through BLAS dgemm. */
  public DenseMatrix times(DenseMatrix b) {
    DenseMatrix c = new DenseMatrix(rows, b.cols);
    gemm(1.0, this, false, b, false, 0.0, c);
    return c;
  }

  /** this - b, as a new matrix. */
  public DenseMatrix minus(DenseMatrix b) {
    requireSameShape(b);
    DenseMatrix c = copy();
    for (int k = 0; k < data.length; k++) {
      c.data[k] -= b.data[k];
    }
    return c;
  }

  /** C = alpha * op(A) * op(B) + beta * C, op = transpose when the flag is set (BLAS dgemm). */
  public static void gemm(double alpha, DenseMatrix a, boolean transA, DenseMatrix b, boolean transB,
      double beta, DenseMatrix c) {
    int m = transA ? a.cols : a.rows;
    int k = transA ? a.rows : a.cols;
    int kb = transB ? b.cols : b.rows;
    int n = transB ? b.rows : b.cols;
    if (k != kb || c.rows != m || c.cols != n) {
      throw new IllegalArgumentException("gemm shapes do not agree: op(A) " + m + "x" + k + ", op(B) " + kb + "x" + n
          + ", C " + c.shape());
    }
    if (m == 0 || n == 0) {
      return;
    }
    Blas.dgemm(transA ? "T" : "N", transB ? "T" : "N", m, n, k, alpha,
        a.data, Math.max(1, a.rows), b.data, Math.max(1, b.rows), beta, c.data, Math.max(1, m));
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(shape()).append('\n');
    int rmax = Math.min(rows, 8);
    int cmax = Math.min(cols, 8);
    for (int i = 0; i < rmax; i++) {
      for (int j = 0; j < cmax; j++) {
        sb.append(String.format("%12.5g", get(i, j)));
      }
      sb.append(cols > cmax ? " ...\n" : "\n");
    }
    if (rows > rmax) {
      sb.append("...\n");
    }
    return sb.toString();
  }
}
