package io.nncompress.lnr;

import io.nncompress.linalg.DenseMatrix;
import java.util.Random;

/** Small synthetic layers with correlated inputs, and direct (slow, obvious) reference computations. */
final class LnrTestData {
  final int n;
  final int d;
  final int h;
  /** Input rows, n x d (row i = sample i). */
  final double[][] x;
  final DenseMatrix w;
  final double[] bias;

  private LnrTestData(int n, int d, int h, double[][] x, DenseMatrix w, double[] bias) {
    this.n = n;
    this.d = d;
    this.h = h;
    this.x = x;
    this.w = w;
    this.bias = bias;
  }

  /**
   * x = (z B + 0.7 f 1^T + mu) diag(s) with z ~ N(0, I), a common factor f ~ N(0, 1) and
   * B = I + 0.4 N(0, 1/d): correlated columns, condition number of R in the hundreds; half the inputs
   * get the small scale s_j = 0.3 so the lasso has columns it prefers to drop.
   */
  static LnrTestData random(long seed, int n, int d, int h) {
    Random rnd = new Random(seed);
    double[][] b = mixing(rnd, d, 0.4);
    double[] mu = new double[d];
    double[] colScale = new double[d];
    for (int c = 0; c < d; c++) {
      mu[c] = 0.3 * rnd.nextGaussian();
      colScale[c] = c % 2 == 0 ? 1.0 : 0.3;
    }
    double[][] x = new double[n][d];
    double[] z = new double[d];
    for (int i = 0; i < n; i++) {
      for (int a = 0; a < d; a++) {
        z[a] = rnd.nextGaussian();
      }
      double f = 0.7 * rnd.nextGaussian();
      for (int c = 0; c < d; c++) {
        double s = mu[c] + f;
        for (int a = 0; a < d; a++) {
          s += z[a] * b[a][c];
        }
        x[i][c] = s * colScale[c];
      }
    }
    return withRandomLayer(rnd, n, d, h, x);
  }

  /**
   * ReLU activations x = max(0, z B + 0.5) with z ~ N(0, I) and B = I + 0.5 N(0, 1/d): every input's
   * mean is of the size of its spread, as in a trained network's hidden layers, so R's largest
   * eigenvalue is the mean's.
   */
  static LnrTestData relu(long seed, int n, int d, int h) {
    Random rnd = new Random(seed);
    double[][] mix = mixing(rnd, d, 0.5);
    double[][] x = new double[n][d];
    double[] z = new double[d];
    for (int i = 0; i < n; i++) {
      for (int a = 0; a < d; a++) {
        z[a] = rnd.nextGaussian();
      }
      for (int c = 0; c < d; c++) {
        double v = 0.5;
        for (int a = 0; a < d; a++) {
          v += z[a] * mix[a][c];
        }
        x[i][c] = Math.max(0, v);
      }
    }
    return withRandomLayer(rnd, n, d, h, x);
  }

  // B = I + s N(0, 1/d), d x d
  private static double[][] mixing(Random rnd, int d, double s) {
    double[][] b = new double[d][d];
    for (int a = 0; a < d; a++) {
      for (int c = 0; c < d; c++) {
        b[a][c] = (a == c ? 1.0 : 0.0) + s * rnd.nextGaussian() / Math.sqrt(d);
      }
    }
    return b;
  }

  // the rows x with W ~ N(0, 1/d) (h x d) and b ~ N(0, 0.01), drawn after them from the same generator
  private static LnrTestData withRandomLayer(Random rnd, int n, int d, int h, double[][] x) {
    DenseMatrix w = new DenseMatrix(h, d);
    for (int k = 0; k < w.data.length; k++) {
      w.data[k] = rnd.nextGaussian() / Math.sqrt(d);
    }
    double[] bias = new double[h];
    for (int i = 0; i < h; i++) {
      bias[i] = 0.1 * rnd.nextGaussian();
    }
    return new LnrTestData(n, d, h, x, w, bias);
  }

  /** The same data with input column {@code dst} replaced by a copy of column {@code src}: R is singular. */
  LnrTestData withDuplicateColumn(int src, int dst) {
    double[][] x2 = new double[n][];
    for (int i = 0; i < n; i++) {
      x2[i] = x[i].clone();
      x2[i][dst] = x2[i][src];
    }
    return new LnrTestData(n, d, h, x2, w, bias);
  }

  /** Bias-augmented autocorrelation (d+1) x (d+1) from the rows, with plain loops: R = (1/n) sum x~ x~^T. */
  DenseMatrix augmentedR() {
    int p = d + 1;
    DenseMatrix r = new DenseMatrix(p, p);
    for (double[] row : x) {
      for (int a = 0; a < p; a++) {
        double xa = a < d ? row[a] : 1.0;
        for (int c = 0; c < p; c++) {
          double xc = c < d ? row[c] : 1.0;
          r.add(a, c, xa * xc / n);
        }
      }
    }
    return r;
  }

  /** W~ = [W b], h x (d+1). */
  DenseMatrix augmentedW() {
    DenseMatrix wt = new DenseMatrix(h, d + 1);
    for (int i = 0; i < h; i++) {
      for (int j = 0; j < d; j++) {
        wt.set(i, j, w.get(i, j));
      }
      wt.set(i, d, bias[i]);
    }
    return wt;
  }

  /** y_i = W x_i + b for every row (n x h). */
  double[][] outputs() {
    double[][] y = new double[n][h];
    for (int s = 0; s < n; s++) {
      for (int i = 0; i < h; i++) {
        double v = bias[i];
        for (int j = 0; j < d; j++) {
          v += w.get(i, j) * x[s][j];
        }
        y[s][i] = v;
      }
    }
    return y;
  }

  /** G = M R - C with plain loops (independent of the solvers' kernels). */
  static double[][] gradient(GroupLassoProblem problem, DenseMatrix m) {
    int h = problem.outputs();
    int p = problem.inputs();
    double[][] g = new double[h][p];
    for (int i = 0; i < h; i++) {
      for (int j = 0; j < p; j++) {
        double s = -problem.c.get(i, j);
        for (int k = 0; k < p; k++) {
          s += m.get(i, k) * problem.r.get(k, j);
        }
        g[i][j] = s;
      }
    }
    return g;
  }

  static double columnNorm(DenseMatrix m, int j) {
    double s = 0;
    for (int i = 0; i < m.rows; i++) {
      s += m.get(i, j) * m.get(i, j);
    }
    return Math.sqrt(s);
  }

  /**
   * Solves A x = b (A n x n, several right-hand sides as columns of b, both row-major nested arrays)
   * by Gaussian elimination with partial pivoting; returns x.
   */
  static double[][] gaussianSolve(double[][] a, double[][] b) {
    int n = a.length;
    int k = b[0].length;
    double[][] aa = new double[n][];
    double[][] bb = new double[n][];
    for (int i = 0; i < n; i++) {
      aa[i] = a[i].clone();
      bb[i] = b[i].clone();
    }
    for (int col = 0; col < n; col++) {
      int piv = col;
      for (int i = col + 1; i < n; i++) {
        if (Math.abs(aa[i][col]) > Math.abs(aa[piv][col])) {
          piv = i;
        }
      }
      double[] t = aa[col];
      aa[col] = aa[piv];
      aa[piv] = t;
      t = bb[col];
      bb[col] = bb[piv];
      bb[piv] = t;
      for (int i = col + 1; i < n; i++) {
        double f = aa[i][col] / aa[col][col];
        for (int c = col; c < n; c++) {
          aa[i][c] -= f * aa[col][c];
        }
        for (int c = 0; c < k; c++) {
          bb[i][c] -= f * bb[col][c];
        }
      }
    }
    double[][] x = new double[n][k];
    for (int i = n - 1; i >= 0; i--) {
      for (int c = 0; c < k; c++) {
        double s = bb[i][c];
        for (int j = i + 1; j < n; j++) {
          s -= aa[i][j] * x[j][c];
        }
        x[i][c] = s / aa[i][i];
      }
    }
    return x;
  }
}
