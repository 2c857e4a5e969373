package io.nncompress.model;

import io.nncompress.linalg.DenseMatrix;

/**
 * Sees the input batch of every layer during {@link Network#forward(DenseMatrix, LayerInputVisitor)},
 * before the layer runs: in.size() x n, one sample per column. The statistics of a dense layer are
 * over these columns (Z_k); those of a conv2d layer over its patches ({@link Conv2dLayer#patches}).
 * The matrix must not be modified or kept beyond the call unless copied.
 */
@FunctionalInterface
public interface LayerInputVisitor {
  void visit(int index, Layer layer, DenseMatrix input);
}
