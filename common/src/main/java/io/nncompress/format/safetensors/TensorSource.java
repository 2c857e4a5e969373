package io.nncompress.format.safetensors;

/**
 * Where the values of a {@link Tensor#deferred deferred} tensor come from when they are needed,
 * e.g. a byte range of a safetensors file ({@link SafetensorsSlice}) read by whichever process
 * needs them: the values are not held until then. Serializable, so a description of the tensor
 * travels to other processes instead of its values. The tensor is viewed as a matrix of
 * {@code shape()[0]} rows (row-major, as {@link Tensor#toMatrix}).
 */
public interface TensorSource extends java.io.Serializable {
  /** Receives consecutive rows. */
  interface RowBlocks {
    /** {@code values}: rows firstRow, firstRow + 1, ... in row-major order (a whole number of rows). */
    void accept(int firstRow, double[] values);
  }

  /** The shape of the tensor, rank at least 1. */
  long[] shape();

  /** The values of rows [from, to), row-major. */
  double[] rows(int from, int to);

  /** Visits every row in order, in blocks of at most maxRows rows (at least 1). */
  default void forEachBlock(int maxRows, RowBlocks consumer) {
    int n = (int) shape()[0];
    int step = Math.max(1, maxRows);
    for (int from = 0; from < n; from += step) {
      int to = Math.min(n, from + step);
      consumer.accept(from, rows(from, to));
    }
  }

  /** The source of the given rows of this one (indices into its rows, any order). */
  default TensorSource selectRows(int[] rows) {
    return new SelectedRows(this, rows);
  }

  /** What and where, for messages and digests: equal descriptions mean equal values. */
  String describe();
}
