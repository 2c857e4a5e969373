package io.nncompress.codec.lowrank;

import io.nncompress.linalg.DenseMatrix;

/**
 * A rank-r factorization M = P Q^T of an h x d matrix: P is h x r, Q is d x r, with the
 * {@link Spectrum} it was cut from. As a layer: x -> Q^T x (r outputs) -> P (Q^T x).
 */
public final class LowRankFactors {
  /** h x r. */
  public final DenseMatrix p;
  /** d x r. */
  public final DenseMatrix q;
  /** The full spectrum the rank was chosen from. */
  public final Spectrum spectrum;

  public LowRankFactors(DenseMatrix p, DenseMatrix q, Spectrum spectrum) {
    if (p.cols != q.cols) {
      throw new IllegalArgumentException("P and Q must have the same number of columns (the rank). P " + p.shape()
          + " vs Q " + q.shape());
    }
    this.p = p;
    this.q = q;
    this.spectrum = spectrum;
  }

  public int rank() {
    return p.cols;
  }

  public int rows() {
    return p.rows;
  }

  public int cols() {
    return q.rows;
  }

  /** M = P Q^T (h x d), through dgemm. */
  public DenseMatrix product() {
    DenseMatrix m = new DenseMatrix(p.rows, q.rows);
    DenseMatrix.gemm(1.0, p, false, q, true, 0.0, m);
    return m;
  }
}
