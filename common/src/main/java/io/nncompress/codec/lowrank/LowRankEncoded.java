package io.nncompress.codec.lowrank;

import io.nncompress.codec.EncodedTensor;
import io.nncompress.linalg.DenseMatrix;

/**
 * An encoded h x d matrix stored as two factors, M = second * first: the weights of the two layers
 * a factored layer becomes (x -> first x -> second (first x)). {@code first} is Q^T (r x d), the
 * weight of the bottleneck layer (no bias); {@code second} is P (h x r), the weight of the layer
 * that takes the original bias and activation. {@link #decode()} is their product.
 */
public interface LowRankEncoded extends EncodedTensor {
  /** r. */
  int rank();

  /** Q^T, r x d, as decoded from the stored form. */
  DenseMatrix first();

  /** P, h x r, as decoded from the stored form. */
  DenseMatrix second();

  /** Whether two layers of ranks r hold fewer weights than one: r (h + d) &lt; h d. */
  static boolean savesWeights(int rows, int cols, int rank) {
    return (long) rank * ((long) rows + cols) < (long) rows * cols;
  }
}
