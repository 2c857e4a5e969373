package io.nncompress.codec.lowrank;

import io.nncompress.linalg.DenseMatrix;

/**
 * Activation-aware low rank (the "low-rank inspiration" of the Linear Neural Reconstruction talk):
 * the rank-r M minimising E||W x - M x||^2 = tr((W - M) R (W - M)^T) with R = E[x x^T].
 *
 * <p>Closed form. R = V diag(e) V^T (symmetric eigen-decomposition, dsyevd); eigenvalues at most
 * {@link SymmetricEigen#zeroThreshold()} are treated as 0 (this clips negative rounding noise and
 * handles a singular R). Keep the p positive ones: L = V_+ diag(sqrt(e_+)) (d x p), so R = L L^T,
 * and L^+ = diag(1/sqrt(e_+)) V_+^T. Then tr((W - M) R (W - M)^T) = ||W L - M L||_F^2, and
 * M = (W L)_r L^+ (the rank-r SVD truncation of W L mapped back) reaches the Eckart-Young bound
 * sum_{i >= r} sigma_i(W L)^2, which no rank-r M can beat since M L has rank at most r. With
 * W L = U S V^T: P = U_r S_r (h x r) and Q = V_+ diag(1/sqrt(e_+)) V_r (d x r), M = P Q^T. When R is
 * singular the minimiser is not unique; this one has Q in the range of R (it ignores directions
 * the inputs never take). The rank is chosen on the singular values of W L, whose relative
 * discarded energy is exactly the data-aware relative error error / tr(W R W^T).
 *
 * <p>Bias. R may be the bias-augmented (d+1) x (d+1) second moment of [x; 1]; then pass
 * W~ = [W b] (h x (d+1)), e.g. through {@link #factor(DenseMatrix, double[], DenseMatrix, RankSelector)}.
 * The result factors W~: the first d rows of Q are the bottleneck layer's weights (transposed),
 * the last row of Q its bias, and P the second layer (whose bias is 0).
 */
public final class ActivationAwareLowRank {
  private ActivationAwareLowRank() {}

  /** Factors W (h x n) against R (n x n); n = d, or d + 1 with W = [W b] and R bias-augmented. */
  public static LowRankFactors factor(DenseMatrix w, DenseMatrix r, RankSelector selector) {
    r.requireSquare();
    if (r.rows != w.cols) {
      throw new IllegalArgumentException("Must have cols(W) = rows(R). " + w.shape() + " vs " + r.shape());
    }
    int h = w.rows;
    int n = w.cols;
    SymmetricEigen eig = SymmetricEigen.of(r);
    double cut = eig.zeroThreshold();
    int pos = 0;
    for (double e : eig.values) {
      if (e > cut) {
        pos++;
      }
    }
    if (pos == 0) {
      throw new IllegalArgumentException("R has no positive eigenvalue (R = 0?): nothing to reconstruct");
    }
    // L = V_+ diag(sqrt(e_+)) (n x pos); the positive eigenvalues are the last ones (ascending)
    DenseMatrix vPos = new DenseMatrix(n, pos);
    DenseMatrix l = new DenseMatrix(n, pos);
    double[] invSqrt = new double[pos];
    for (int c = 0; c < pos; c++) {
      int src = n - pos + c;
      double sq = Math.sqrt(eig.values[src]);
      invSqrt[c] = 1.0 / sq;
      System.arraycopy(eig.vectors.data, src * n, vPos.data, c * n, n);
      for (int i = 0; i < n; i++) {
        l.data[i + c * n] = vPos.data[i + c * n] * sq;
      }
    }
    DenseMatrix wl = w.times(l); // h x pos
    Svd svd = Svd.of(wl);
    // the rank may go up to min(h, d) even when W L has fewer singular values
    Spectrum spectrum = Spectrum.ofSingularValues(h, n, svd.s);
    int rank = selector.select(spectrum);
    DenseMatrix p = new DenseMatrix(h, rank);
    // T = diag(1/sqrt(e_+)) V_r (pos x r), V_r = rows of Vt transposed
    DenseMatrix t = new DenseMatrix(pos, rank);
    for (int c = 0; c < rank; c++) {
      double s = svd.s[c];
      for (int i = 0; i < h; i++) {
        p.data[i + c * h] = svd.u.data[i + c * h] * s; // P = U_r S_r
      }
      for (int k = 0; k < pos; k++) {
        t.data[k + c * pos] = invSqrt[k] * svd.vt.get(c, k);
      }
    }
    DenseMatrix q = vPos.times(t); // Q = V_+ diag(1/sqrt(e_+)) V_r, so Q^T = V_r^T L^+
    return new LowRankFactors(p, q, spectrum);
  }

  /** Factors W~ = [W b] (h x (d+1)) against a bias-augmented R ((d+1) x (d+1)). */
  public static LowRankFactors factor(DenseMatrix w, double[] bias, DenseMatrix rAugmented, RankSelector selector) {
    if (bias.length != w.rows) {
      throw new IllegalArgumentException("bias must have one value per row of W (" + w.rows + "), cannot be: "
          + bias.length);
    }
    if (rAugmented.rows != w.cols + 1) {
      throw new IllegalArgumentException("Bias-augmented R must be (d+1)x(d+1). W " + w.shape() + " vs R "
          + rAugmented.shape());
    }
    DenseMatrix wb = new DenseMatrix(w.rows, w.cols + 1);
    System.arraycopy(w.data, 0, wb.data, 0, w.data.length);
    System.arraycopy(bias, 0, wb.data, w.data.length, bias.length); // last column = b
    return factor(wb, rAugmented, selector);
  }
}
