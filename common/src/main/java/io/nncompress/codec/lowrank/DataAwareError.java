package io.nncompress.codec.lowrank;

import io.nncompress.linalg.DenseMatrix;

/**
 * The data-aware (activation reconstruction) error E||W x - M x||^2 = tr((W - M) R (W - M)^T) with
 * R = E[x x^T] (d x d, or (d+1) x (d+1) bias-augmented with W~ = [W b]).
 */
public final class DataAwareError {
  private DataAwareError() {}

  /** tr((W - M) R (W - M)^T). */
  public static double of(DenseMatrix w, DenseMatrix m, DenseMatrix r) {
    return quadratic(w.minus(m), r);
  }

  /** tr(E R E^T) for an h x d matrix E and a d x d R, through one dgemm: sum_ij (E R)_ij E_ij. */
  public static double quadratic(DenseMatrix e, DenseMatrix r) {
    r.requireSquare();
    if (e.cols != r.rows) {
      throw new IllegalArgumentException("Must have cols(E) = rows(R). " + e.shape() + " vs " + r.shape());
    }
    DenseMatrix er = e.times(r);
    double t = 0;
    for (int k = 0; k < e.data.length; k++) {
      t += er.data[k] * e.data[k];
    }
    return t;
  }
}
