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

  /**
   * The same product with the singular values moved from P to Q, for factors with P = U_r S_r (as
   * {@link TruncatedSvd} and {@link ActivationAwareLowRank} make them): P = U_r, orthonormal
   * columns, and Q^T = S_r Q^T, that is S_r V_r^T for the SVD, U_r^T W on the range of R for the
   * activation-aware one. An error E in Q^T then changes M by U_r E, of the same Frobenius norm (and
   * the same data-aware error); the inputs z = Q^T x of P have E[z z^T] = S_r^2 in the
   * activation-aware case. Columns of a zero singular value are left as they are.
   */
  public LowRankFactors singularValuesIntoQ() {
    double[] s = spectrum.singularValues();
    DenseMatrix p2 = p.copy();
    DenseMatrix q2 = q.copy();
    for (int c = 0; c < rank(); c++) {
      if (s[c] > 0) {
        for (int i = 0; i < p.rows; i++) {
          p2.data[i + c * p.rows] /= s[c];
        }
        for (int j = 0; j < q.rows; j++) {
          q2.data[j + c * q.rows] *= s[c];
        }
      }
    }
    return new LowRankFactors(p2, q2, spectrum);
  }

  /** M = P Q^T (h x d), through dgemm. */
  public DenseMatrix product() {
    DenseMatrix m = new DenseMatrix(p.rows, q.rows);
    DenseMatrix.gemm(1.0, p, false, q, true, 0.0, m);
    return m;
  }
}
