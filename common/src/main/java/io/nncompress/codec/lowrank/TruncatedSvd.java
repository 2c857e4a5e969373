package io.nncompress.codec.lowrank;

import io.nncompress.linalg.DenseMatrix;

/**
 * Truncated SVD: W (h x d) ~ P Q^T with P = U_r S_r (h x r) and Q = V_r (d x r), the singular
 * values folded into P (so Q has orthonormal columns). By Eckart-Young the truncation is the best
 * rank-r approximation in Frobenius norm, with error sqrt(sum_{i >= r} s_i^2).
 *
 * <p>The SVD is LAPACK dgesdd (economy) on the whole matrix; the static entry point
 * {@link #factor(DenseMatrix, int)} is the one to compare with other SVDs.
 */
public final class TruncatedSvd {
  private TruncatedSvd() {}

  /** The rank-r truncation, r in 1..min(h, d). */
  public static LowRankFactors factor(DenseMatrix w, int rank) {
    return factor(w, RankSelector.fixed(rank));
  }

  /** The truncation at the rank chosen on W's singular values (Frobenius energy and error). */
  public static LowRankFactors factor(DenseMatrix w, RankSelector selector) {
    Svd svd = Svd.of(w);
    Spectrum spectrum = Spectrum.ofSingularValues(w.rows, w.cols, svd.s);
    return truncate(svd, spectrum, selector.select(spectrum));
  }

  /**
   * The truncation of plain SVD with its rank chosen on the data-aware error tr(E R E^T): the
   * error weight of component i is s_i^2 v_i^T R v_i (see {@link Spectrum}). R is d x d.
   */
  public static LowRankFactors factor(DenseMatrix w, DenseMatrix r, RankSelector selector) {
    r.requireSquare();
    if (r.rows != w.cols) {
      throw new IllegalArgumentException("Must have cols(W) = rows(R). " + w.shape() + " vs " + r.shape());
    }
    Svd svd = Svd.of(w);
    int k = svd.size();
    // V^T R (k x d): row i dotted with v_i gives v_i^T R v_i
    DenseMatrix vtr = svd.vt.times(r);
    double[] weights = new double[k];
    for (int i = 0; i < k; i++) {
      double g = 0;
      for (int j = 0; j < w.cols; j++) {
        g += vtr.get(i, j) * svd.vt.get(i, j);
      }
      weights[i] = svd.s[i] * svd.s[i] * g;
    }
    Spectrum spectrum = new Spectrum(w.rows, w.cols, svd.s, weights);
    return truncate(svd, spectrum, selector.select(spectrum));
  }

  static LowRankFactors truncate(Svd svd, Spectrum spectrum, int rank) {
    int h = svd.u.rows;
    int d = svd.vt.cols;
    DenseMatrix p = new DenseMatrix(h, rank);
    DenseMatrix q = new DenseMatrix(d, rank);
    for (int c = 0; c < rank; c++) {
      double s = svd.s[c];
      for (int i = 0; i < h; i++) {
        p.data[i + c * h] = svd.u.data[i + c * h] * s; // P = U_r S_r
      }
      for (int j = 0; j < d; j++) {
        q.data[j + c * d] = svd.vt.get(c, j); // Q = V_r
      }
    }
    return new LowRankFactors(p, q, spectrum);
  }
}
