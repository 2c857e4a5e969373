package io.nncompress.format.safetensors;

import io.nncompress.linalg.DenseMatrix;
import java.util.Arrays;

/**
 * A named n-dimensional tensor as safetensors stores it: a shape and its values in row-major
 * (C) order, held as doubles whatever the stored dtype. {@link #dtype} is the stored type when
 * read, the type to write otherwise.
 */
public final class Tensor {
  public final SafetensorsDtype dtype;
  private final long[] shape;
  private final double[] values;

  public Tensor(SafetensorsDtype dtype, long[] shape, double[] values) {
    long n = elementCount(shape);
    if (n != values.length) {
      throw new IllegalArgumentException(
          "shape " + Arrays.toString(shape) + " needs " + n + " values, given: " + values.length);
    }
    this.dtype = dtype;
    this.shape = shape.clone();
    this.values = values;
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

  /** The row-major values (not a copy). */
  public double[] values() {
    return values;
  }

  /** The tensor as a matrix [shape[0], product of the other dims] (row-major reshaped, as PyTorch's view(n, -1)). */
  public DenseMatrix toMatrix() {
    if (shape.length == 0) {
      throw new IllegalArgumentException("a scalar tensor is not a matrix");
    }
    int rows = (int) shape[0];
    int cols = rows == 0 ? 0 : values.length / rows;
    return DenseMatrix.fromRowMajor(rows, cols, values);
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
    return dtype == t.dtype && Arrays.equals(shape, t.shape) && Arrays.equals(values, t.values);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(shape) + Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return dtype + shapeString();
  }
}
