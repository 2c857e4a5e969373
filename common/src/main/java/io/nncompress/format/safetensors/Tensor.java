package io.nncompress.format.safetensors;

import io.nncompress.linalg.DenseMatrix;
import java.util.Arrays;

/**
 * A named n-dimensional tensor as safetensors stores it: a shape and its values in row-major
 * (C) order, held as doubles whatever the stored dtype. {@link #dtype} is the stored type when
 * read, the type to write otherwise.
 *
 * <p>A {@link #deferred} tensor holds no values until {@link #values} (or {@link #toMatrix})
 * asks for them: they are then read from its {@link TensorSource} once and kept.
 * {@link #forEachBlock} streams them without keeping them.
 */
public final class Tensor {
  public final SafetensorsDtype dtype;
  private final long[] shape;
  private volatile double[] values;
  private final TensorSource source;

  public Tensor(SafetensorsDtype dtype, long[] shape, double[] values) {
    long n = elementCount(shape);
    if (n != values.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " needs " + n + " values, given: " + values.length);
    }
    this.dtype = dtype;
    this.shape = shape.clone();
    this.values = values;
    this.source = null;
  }

  private Tensor(TensorSource source) {
    long[] s = source.shape();
    if (s.length < 1 || elementCount(s) < 0 || elementCount(s) > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("a deferred tensor needs rank >= 1 and fewer than 2^31 values, shape: "
          + Arrays.toString(s));
    }
    this.dtype = SafetensorsDtype.F32;
    this.shape = s;
    this.values = null;
    this.source = source;
  }

  /** An F32 tensor whose values are read from {@code source} when first needed. */
  public static Tensor deferred(TensorSource source) {
    return new Tensor(source);
  }

  /** Whether the values come from a {@link TensorSource} (read or not yet). */
  public boolean isDeferred() {
    return source != null;
  }

  /** Whether the values are held in memory (always, unless deferred and not yet read). */
  public boolean isLoaded() {
    return values != null;
  }

  /** The source of a deferred tensor, or null. */
  public TensorSource source() {
    return source;
  }

  /** The number of values. */
  public long size() {
    return elementCount(shape);
  }

  /**
   * Visits the values in row-major order in blocks of whole rows (the tensor viewed as
   * [shape[0], rest]; a scalar is one row), at most about maxValues values a block: from memory
   * when held, else streamed from the source without keeping them.
   */
  public void forEachBlock(int maxValues, TensorSource.RowBlocks consumer) {
    int rows = shape.length == 0 ? 1 : (int) shape[0];
    long n = elementCount(shape);
    int rowLength = rows == 0 ? 0 : (int) (n / rows);
    int maxRows = rowLength == 0 ? Math.max(1, rows) : Math.max(1, maxValues / rowLength);
    double[] v = values;
    if (v == null) {
      source.forEachBlock(maxRows, consumer);
      return;
    }
    for (int from = 0; from < rows; from += maxRows) {
      int to = Math.min(rows, from + maxRows);
      consumer.accept(from, Arrays.copyOfRange(v, from * rowLength, to * rowLength));
    }
  }

  /** An F32 tensor of the given shape over row-major values (not copied). */
  public static Tensor f32(double[] values, long... shape) {
    return new Tensor(SafetensorsDtype.F32, shape, values);
  }

  /** A 2-D F32 tensor [rows, cols] from a matrix (PyTorch Linear layout: [out, in]). */
  public static Tensor of(DenseMatrix m) {
    return f32(m.toRowMajor(), m.rows, m.cols);
  }

  /** A 1-D F32 tensor. */
  public static Tensor of(double[] v) {
    return f32(v.clone(), v.length);
  }

  /** The number of elements, the product of the shape (1 for a scalar); -1 on overflow or a negative dim. */
  public static long elementCount(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        return -1;
      }
      if (d != 0 && n > Long.MAX_VALUE / d) {
        return -1;
      }
      n *= d;
    }
    return n;
  }

  public long[] shape() {
    return shape.clone();
  }

  public int rank() {
    return shape.length;
  }

  public long dim(int k) {
    return shape[k];
  }

  /** The row-major values (not a copy); a deferred tensor reads them now, once. */
  public double[] values() {
    double[] v = values;
    if (v == null) {
      synchronized (this) {
        v = values;
        if (v == null) {
          v = source.rows(0, (int) shape[0]);
          values = v;
        }
      }
    }
    return v;
  }

  /** The tensor as a matrix [shape[0], product of the other dims] (row-major reshaped, as PyTorch's view(n, -1)). */
  public DenseMatrix toMatrix() {
    if (shape.length == 0) {
      throw new IllegalArgumentException("a scalar tensor is not a matrix");
    }
    double[] v = values();
    int rows = (int) shape[0];
    int cols = rows == 0 ? 0 : v.length / rows;
    return DenseMatrix.fromRowMajor(rows, cols, v);
  }

  public String shapeString() {
    return Arrays.toString(shape);
  }

  /** Same dtype, shape and values, compared bit for bit as doubles. */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Tensor)) {
      return false;
    }
    Tensor t = (Tensor) o;
    return dtype == t.dtype && Arrays.equals(shape, t.shape) && Arrays.equals(values(), t.values());
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values());
  }

  @Override
  public String toString() {
    return dtype + shapeString() + (source == null ? "" : " from " + source.describe());
  }
}
