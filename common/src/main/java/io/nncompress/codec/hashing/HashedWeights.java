package io.nncompress.codec.hashing;

import io.nncompress.codec.lowrank.SymmetricEigen;
import io.nncompress.linalg.Blas;
import io.nncompress.linalg.DenseMatrix;
import java.util.Arrays;
import org.netlib.util.intW;

/**
 * Fits the K bucket values of a HashedNets layer to a trained W (h x d) after training.
 *
 * <ul>
 *   <li>Data-agnostic, {@link #fitToWeights}: least squares on the weights,
 *       min_w sum_ij (W_ij - xi_ij w_{h_ij})^2; since xi^2 = 1 each bucket decouples:
 *       w_k = mean of xi_ij W_ij over the entries of bucket k (0 for an empty bucket).</li>
 *   <li>Data-aware, {@link #fitToData}: min_w tr((W - V) R (W - V)^T), V_ij = xi_ij w_{h_ij}. With
 *       V_i = w^T A_i (A_i is K x d, A_i[k, j] = xi_ij [h_ij = k]) the normal equations are
 *       G w = c, G = sum_i A_i R A_i^T, i.e. G[k, l] = sum_i sum_{h_ij = k, h_ij' = l} xi_ij xi_ij' R[j, j'],
 *       and c = sum_i A_i R W_i^T, i.e. c[k] = sum_{h_ij = k} xi_ij (W R)_ij. Solved by Cholesky
 *       (LAPACK dposv); when G is singular (an empty bucket, a singular R; detected by dposv or by
 *       a Cholesky diagonal ratio (min u_ii / max u_ii)^2 &lt;= K eps) by the pseudo-inverse
 *       through the symmetric eigen-decomposition (minimum-norm solution). Buckets with G_kk = 0 (empty)
 *       are set to 0 and left out of the system. Cost O(h d^2 + K^3),
 *       memory K^2 doubles: K is limited to {@value #MAX_DATA_AWARE_BUCKETS}.</li>
 * </ul>
 * R may be bias-augmented ((d+1) x (d+1)) with W~ = [W b], as elsewhere.
 */
public final class HashedWeights {
  public static final int MAX_DATA_AWARE_BUCKETS = 8192;

  private HashedWeights() {}

  public static HashedTensor fitToWeights(DenseMatrix w, int buckets, long seed) {
    WeightHash hash = new WeightHash(seed, buckets);
    return new HashedTensor(w.rows, w.cols, hash, meanSignedWeights(w, hash));
  }

  /** w_k = sum_{h_ij = k} xi_ij W_ij / |bucket k|. */
  public static double[] meanSignedWeights(DenseMatrix w, WeightHash hash) {
    int k = hash.buckets();
    double[] sum = new double[k];
    int[] count = new int[k];
    for (int i = 0; i < w.rows; i++) {
      for (int j = 0; j < w.cols; j++) {
        int b = hash.bucket(i, j);
        sum[b] += hash.sign(i, j) * w.get(i, j);
        count[b]++;
      }
    }
    for (int b = 0; b < k; b++) {
      sum[b] = count[b] == 0 ? 0.0 : sum[b] / count[b];
    }
    return sum;
  }

  public static HashedTensor fitToData(DenseMatrix w, DenseMatrix r, int buckets, long seed) {
    WeightHash hash = new WeightHash(seed, buckets);
    return new HashedTensor(w.rows, w.cols, hash, solveDataAware(w, r, hash));
  }

  /** The solution of the normal equations G w = c (see the class javadoc). */
  public static double[] solveDataAware(DenseMatrix w, DenseMatrix r, WeightHash hash) {
    int k = hash.buckets();
    if (k > MAX_DATA_AWARE_BUCKETS) {
      throw new IllegalArgumentException("buckets K must be at most " + MAX_DATA_AWARE_BUCKETS
          + " for the data-aware fit (K x K system), cannot be: " + k);
    }
    DenseMatrix[] gc = normalEquations(w, r, hash);
    // buckets with G_kk = 0 (empty, or hit only by inputs that are always 0) do not enter the
    // error: they get 0 and the system shrinks to the others
    int[] active = new int[k];
    int n = 0;
    for (int b = 0; b < k; b++) {
      if (gc[0].get(b, b) > 0) {
        active[n++] = b;
      }
    }
    double[] x = new double[k];
    if (n == 0) {
      return x;
    }
    int[] idx = Arrays.copyOf(active, n);
    double[] sub = solveSymmetric(gc[0].selectSymmetric(idx), gc[1].selectRows(idx).data);
    for (int t = 0; t < n; t++) {
      x[idx[t]] = sub[t];
    }
    return x;
  }

  /** {G (K x K), c (K x 1)} of the data-aware least squares. */
  public static DenseMatrix[] normalEquations(DenseMatrix w, DenseMatrix r, WeightHash hash) {
    r.requireSquare();
    if (r.rows != w.cols) {
      throw new IllegalArgumentException("Must have cols(W) = rows(R). " + w.shape() + " vs " + r.shape());
    }
    int h = w.rows;
    int d = w.cols;
    int k = hash.buckets();
    int[] bucket = new int[h * d];
    byte[] sign = new byte[h * d];
    hash.fill(h, d, bucket, sign);
    DenseMatrix g = new DenseMatrix(k, k);
    DenseMatrix c = new DenseMatrix(k, 1);
    DenseMatrix wr = w.times(r); // (W R)_ij
    for (int i = 0; i < h; i++) {
      int row = i * d;
      for (int j = 0; j < d; j++) {
        c.data[bucket[row + j]] += sign[row + j] * wr.get(i, j); // c[h_ij] += xi_ij (W R)_ij
      }
      for (int jp = 0; jp < d; jp++) {
        int colOff = bucket[row + jp] * k;
        int sp = sign[row + jp];
        int rOff = jp * d;
        for (int j = 0; j < d; j++) {
          // G[h_ij, h_ij'] += xi_ij xi_ij' R[j, j']
          g.data[bucket[row + j] + colOff] += sign[row + j] * sp * r.data[j + rOff];
        }
      }
    }
    return new DenseMatrix[] {g, c};
  }

  /** Solves G x = c for a symmetric positive semi-definite G: dposv, else the eigen pseudo-inverse. */
  static double[] solveSymmetric(DenseMatrix g, double[] c) {
    int n = g.rows;
    double[] a = g.data.clone();
    double[] x = c.clone();
    intW info = new intW(0);
    Blas.lapack().dposv("U", n, 1, a, n, x, n, info);
    if (info.val < 0) {
      throw new IllegalArgumentException("dposv: parameter " + (-info.val) + " had an illegal value (n=" + n + ")");
    }
    if (info.val == 0 && allFinite(x)) {
      // G = U^T U: (min u_ii / max u_ii)^2 bounds cond(G) from below; near-singular G goes to the fallback
      double min = Double.POSITIVE_INFINITY;
      double max = 0;
      for (int i = 0; i < n; i++) {
        double u = Math.abs(a[i + i * n]);
        min = Math.min(min, u);
        max = Math.max(max, u);
      }
      if ((min / max) * (min / max) > n * Math.ulp(1.0)) {
        return x;
      }
    }
    // singular (or not numerically positive definite): x = V diag(1/e_+) V^T c on the positive range
    SymmetricEigen eig = SymmetricEigen.of(g);
    double cut = Math.max(eig.zeroThreshold(), 0);
    double[] out = new double[n];
    for (int t = 0; t < n; t++) {
      double e = eig.values[t];
      if (e <= cut) {
        continue;
      }
      double dot = 0;
      for (int i = 0; i < n; i++) {
        dot += eig.vectors.data[i + t * n] * c[i];
      }
      double coef = dot / e;
      for (int i = 0; i < n; i++) {
        out[i] += coef * eig.vectors.data[i + t * n];
      }
    }
    return out;
  }

  private static boolean allFinite(double[] x) {
    for (double v : x) {
      if (!Double.isFinite(v)) {
        return false;
      }
    }
    return true;
  }
}
