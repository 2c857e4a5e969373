package io.nncompress.lnr;

import io.nncompress.linalg.DenseMatrix;
import java.util.Arrays;

/**
 * A Linear Neural Reconstruction problem, given only by second-order statistics:
 *
 * <pre>
 *   min_M  f(M) + lambda * sum_{j penalised} ||M[:, j]||_2,          (no column groups: l2,1 norm)
 *   min_M  f(M) + lambda * sum_g ||M[:, G_g]||_F                     (column groups G_0..G_{n-1})
 *   f(M) = 1/2 E||Y - M X||^2 = 1/2 (yy - 2 tr(M C^T) + tr(M R M^T)),
 *   C = E[Y X^T] (h x p),  R = E[X X^T] (p x p),  yy = E||Y||^2 = tr(E[Y Y^T]),
 *   gradient  G(M) = M R - C.
 * </pre>
 *
 * <p>The layer form (weights W, h x d, bias b, bias-augmented autocorrelation R of size d+1 whose last
 * row/column belong to the constant-1 input) is the special case Y = W~ X with W~ = [W b], hence
 * C = W~ R and yy = tr(W~ R W~^T); its bias column d is unpenalised. Nothing here depends on the
 * number of rows that produced R.
 *
 * <p>Column groups ({@link #withColumnGroups(int[])}): a conv layer's input channel owns kh*kw
 * consecutive columns of the patch matrix, and a dense layer after a flatten of a C x H x W map has
 * channel c owning H*W consecutive columns; penalising each channel's block of columns with one
 * Frobenius norm removes whole channels. Without groups every penalised column is its own group,
 * numbered 0.. in ascending column order.
 *
 * <p>Immutable apart from values computed once on first use and cached: the Lipschitz constant (the
 * largest eigenvalue of R, LAPACK dsyevr, see {@link SymmetricEigen#largestEigenvalue}), lambda_max,
 * and the elimination of the unpenalised columns ({@link #eliminated()}) the solvers iterate on.
 */
public final class GroupLassoProblem {
  /** C = E[Y X^T], h x p. */
  public final DenseMatrix c;
  /** R = E[X X^T], p x p, symmetric positive semi-definite. */
  public final DenseMatrix r;
  /** E||Y||^2 = tr(E[Y Y^T]), or NaN when unknown (then relative errors are NaN). */
  public final double yy;
  private final boolean[] penalised;
  private final int penalisedCount;
  /** Group of each column (-1 for unpenalised columns), or null: each penalised column its own group. */
  private final int[] groupOf;
  /** The columns of each group, ascending; null without groups. */
  private final int[][] groupColumns;
  private final boolean singletonGroups;
  private volatile double lipschitz = Double.NaN;
  private volatile double lambdaMax = Double.NaN;
  private volatile double[] screeningNorms;
  private volatile DenseMatrix unpenalisedOptimum;
  /** {@link UnpenalisedElimination}, {@link #NO_ELIMINATION}, or null before its first use. */
  private volatile Object elimination;
  private static final Object NO_ELIMINATION = new Object();

  private GroupLassoProblem(DenseMatrix c, DenseMatrix r, double yy, int[] unpenalisedColumns) {
    r.requireSquare();
    if (c.cols != r.rows) {
      throw new IllegalArgumentException("C must have as many columns as R has rows. C " + c.shape() + " vs R " + r.shape());
    }
    if (!Double.isNaN(yy) && !(yy >= 0)) {
      throw new IllegalArgumentException("yy = E||Y||^2 must be non-negative or NaN, cannot be: " + yy);
    }
    this.c = c;
    this.r = r;
    this.yy = yy;
    this.penalised = new boolean[r.rows];
    Arrays.fill(penalised, true);
    int count = r.rows;
    for (int j : unpenalisedColumns) {
      if (j < 0 || j >= r.rows) {
        throw new IllegalArgumentException("unpenalisedColumns must be in 0.." + (r.rows - 1) + ", cannot be: " + j);
      }
      if (penalised[j]) {
        penalised[j] = false;
        count--;
      }
    }
    this.penalisedCount = count;
    this.groupOf = null;
    this.groupColumns = null;
    this.singletonGroups = true;
  }

  // the same problem with column groups (validated by withColumnGroups)
  private GroupLassoProblem(GroupLassoProblem base, int[] groupOf, int[][] groupColumns) {
    this.c = base.c;
    this.r = base.r;
    this.yy = base.yy;
    this.penalised = base.penalised;
    this.penalisedCount = base.penalisedCount;
    this.groupOf = groupOf;
    this.groupColumns = groupColumns;
    boolean single = true;
    for (int[] g : groupColumns) {
      single &= g.length == 1;
    }
    this.singletonGroups = single;
    this.lipschitz = base.lipschitz;
    this.unpenalisedOptimum = base.unpenalisedOptimum;
  }

  /**
   * This problem with the penalty lambda sum_g ||M[:, G_g]||_F over column groups instead of one
   * group per column. {@code groupOfColumn} gives the group id of every penalised column, either with
   * one entry per penalised column (in ascending column order; e.g. the d weight columns of a layer
   * whose bias column d is unpenalised) or one entry per column with -1 at the unpenalised ones. The
   * ids must be 0..G-1 with every group non-empty. The Lipschitz constant and the unpenalised optimum
   * do not depend on the groups and are shared.
   */
  public GroupLassoProblem withColumnGroups(int[] groupOfColumn) {
    int p = inputs();
    int[] of = new int[p];
    if (groupOfColumn.length == penalisedCount) {
      int k = 0;
      for (int j = 0; j < p; j++) {
        of[j] = penalised[j] ? groupOfColumn[k++] : -1;
      }
    } else if (groupOfColumn.length == p) {
      for (int j = 0; j < p; j++) {
        if (!penalised[j] && groupOfColumn[j] != -1) {
          throw new IllegalArgumentException("groupOfColumn must be -1 at unpenalised column " + j
              + ", cannot be: " + groupOfColumn[j]);
        }
        of[j] = groupOfColumn[j];
      }
    } else {
      throw new IllegalArgumentException("groupOfColumn must have one entry per penalised column (" + penalisedCount
          + ") or per column (" + p + "), cannot have: " + groupOfColumn.length);
    }
    int count = 0;
    for (int j = 0; j < p; j++) {
      if (penalised[j]) {
        if (of[j] < 0) {
          throw new IllegalArgumentException("groupOfColumn of penalised column " + j + " must be a group id >= 0, "
              + "cannot be: " + of[j]);
        }
        count = Math.max(count, of[j] + 1);
      }
    }
    int[] sizes = new int[count];
    for (int j = 0; j < p; j++) {
      if (of[j] >= 0) {
        sizes[of[j]]++;
      }
    }
    int[][] cols = new int[count][];
    for (int g = 0; g < count; g++) {
      if (sizes[g] == 0) {
        throw new IllegalArgumentException("group ids must be contiguous from 0 to " + (count - 1)
            + ", cannot be missing: " + g);
      }
      cols[g] = new int[sizes[g]];
      sizes[g] = 0;
    }
    for (int j = 0; j < p; j++) {
      if (of[j] >= 0) {
        cols[of[j]][sizes[of[j]]++] = j;
      }
    }
    return new GroupLassoProblem(this, of, cols);
  }

  /**
   * The general form: C = E[Y X^T] (h x p), R = E[X X^T] (p x p), yy = E||Y||^2 (NaN if unknown),
   * and the columns that are never penalised (e.g. the constant-1 input carrying a bias).
   */
  public static GroupLassoProblem general(DenseMatrix c, DenseMatrix r, double yy, int... unpenalisedColumns) {
    return new GroupLassoProblem(c, r, yy, unpenalisedColumns);
  }

  /**
   * The layer form: reconstruct W~ X from X. With a bias, {@code r} is the bias-augmented
   * autocorrelation ((d+1) x (d+1), last row/column = the constant-1 input) and column d of the
   * solution is the (unpenalised) bias; without ({@code bias == null}) r is d x d and every column is
   * penalised. C = W~ R is computed with one GEMM and yy = tr(W~ R W~^T).
   */
  public static GroupLassoProblem forLayer(DenseMatrix w, double[] bias, DenseMatrix r) {
    r.requireSquare();
    int d = w.cols;
    int p = bias == null ? d : d + 1;
    if (r.rows != p) {
      throw new IllegalArgumentException("R must be " + p + "x" + p + " for weights " + w.shape()
          + (bias == null ? " without bias" : " with bias (bias-augmented)") + ", cannot be: " + r.shape());
    }
    if (bias != null && bias.length != w.rows) {
      throw new IllegalArgumentException("bias must have " + w.rows + " values (one per output), cannot have: " + bias.length);
    }
    DenseMatrix wt = new DenseMatrix(w.rows, p);
    System.arraycopy(w.data, 0, wt.data, 0, w.data.length);
    if (bias != null) {
      System.arraycopy(bias, 0, wt.data, d * w.rows, w.rows);
    }
    return forAugmentedWeights(wt, r, bias == null ? new int[0] : new int[] {d});
  }

  /** The layer form with W~ given whole (h x p) and an explicit set of unpenalised columns. */
  public static GroupLassoProblem forAugmentedWeights(DenseMatrix wt, DenseMatrix r, int... unpenalisedColumns) {
    if (wt.cols != r.rows) {
      throw new IllegalArgumentException("W~ must have as many columns as R has rows. W~ " + wt.shape() + " vs R " + r.shape());
    }
    DenseMatrix c = wt.times(r); // C = W~ R
    double yy = 0; // tr(W~ R W~^T) = sum_ij W~_ij C_ij
    for (int k = 0; k < c.data.length; k++) {
      yy += wt.data[k] * c.data[k];
    }
    return new GroupLassoProblem(c, r, Math.max(0.0, yy), unpenalisedColumns);
  }

  /** Number of outputs h. */
  public int outputs() {
    return c.rows;
  }

  /** Number of inputs p (columns of M). */
  public int inputs() {
    return r.rows;
  }

  public boolean isPenalised(int j) {
    return penalised[j];
  }

  public int penalisedCount() {
    return penalisedCount;
  }

  /** Whether column groups were set ({@link #withColumnGroups(int[])}). */
  public boolean hasColumnGroups() {
    return groupOf != null;
  }

  /** Whether some group has more than one column (false without groups). */
  public boolean hasNonSingletonGroups() {
    return !singletonGroups;
  }

  /** Number of penalised groups (= penalised columns without groups). */
  public int groupCount() {
    return groupOf == null ? penalisedCount : groupColumns.length;
  }

  /** The columns of group g, ascending (without groups: the g-th penalised column). */
  public int[] groupColumns(int g) {
    if (g < 0 || g >= groupCount()) {
      throw new IllegalArgumentException("group must be in 0.." + (groupCount() - 1) + ", cannot be: " + g);
    }
    if (groupOf != null) {
      return groupColumns[g].clone();
    }
    for (int j = 0, k = 0; j < penalised.length; j++) {
      if (penalised[j] && k++ == g) {
        return new int[] {j};
      }
    }
    throw new IllegalStateException();
  }

  // the columns of group g without copying (only with groups)
  int[] groupColumnsUnsafe(int g) {
    return groupColumns[g];
  }

  /** The group of column j, -1 if unpenalised (without groups: the rank of j among penalised columns). */
  public int groupOf(int j) {
    if (groupOf != null) {
      return groupOf[j];
    }
    if (!penalised[j]) {
      return -1;
    }
    int k = 0;
    for (int i = 0; i < j; i++) {
      k += penalised[i] ? 1 : 0;
    }
    return k;
  }

  /** The groups that own at least one of the given columns, ascending (unpenalised columns ignored). */
  public int[] groupsOfColumns(int[] columns) {
    boolean[] in = new boolean[groupCount()];
    int[] rank = null;
    if (groupOf == null) {
      rank = new int[inputs()];
      for (int j = 0, k = 0; j < inputs(); j++) {
        rank[j] = penalised[j] ? k++ : -1;
      }
    }
    int n = 0;
    for (int j : columns) {
      int g = groupOf != null ? groupOf[j] : rank[j];
      if (g >= 0 && !in[g]) {
        in[g] = true;
        n++;
      }
    }
    int[] out = new int[n];
    for (int g = 0, k = 0; g < in.length; g++) {
      if (in[g]) {
        out[k++] = g;
      }
    }
    return out;
  }

  /** The unpenalised columns, ascending. */
  public int[] unpenalisedColumns() {
    int[] out = new int[r.rows - penalisedCount];
    int k = 0;
    for (int j = 0; j < r.rows; j++) {
      if (!penalised[j]) {
        out[k++] = j;
      }
    }
    return out;
  }

  /** L = lambda_max(R), the Lipschitz constant of the gradient; computed once (dsyevr). */
  public double lipschitz() {
    double l = lipschitz;
    if (Double.isNaN(l)) {
      l = SymmetricEigen.largestEigenvalue(r);
      lipschitz = l;
    }
    return l;
  }

  /** L if already computed or supplied, else NaN (never computes it). */
  double cachedLipschitz() {
    return lipschitz;
  }

  /** Supplies L when the caller already knows it (must be at least the largest eigenvalue of R). */
  public GroupLassoProblem withLipschitz(double l) {
    if (!(l > 0) || Double.isInfinite(l)) {
      throw new IllegalArgumentException("Lipschitz constant must be positive and finite, cannot be: " + l);
    }
    lipschitz = l;
    return this;
  }

  /**
   * The unpenalised columns eliminated in closed form (computed once), or null where that does not
   * apply (no unpenalised or no penalised columns, or R_UU ill conditioned).
   */
  UnpenalisedElimination elimination() {
    Object e = elimination;
    if (e == null) {
      UnpenalisedElimination made = UnpenalisedElimination.of(this);
      e = made == null ? NO_ELIMINATION : made;
      elimination = e;
    }
    return e == NO_ELIMINATION ? null : (UnpenalisedElimination) e;
  }

  /**
   * The group lasso the solvers iterate on ({@link GroupLassoSolver}): this problem with its
   * unpenalised columns eliminated in closed form (the penalised columns only, R replaced by its Schur
   * complement, see {@link UnpenalisedElimination}), or this problem where that does not apply. For
   * benchmarks that time FISTA and BCD as the solver runs them.
   */
  public GroupLassoProblem eliminated() {
    UnpenalisedElimination e = elimination();
    return e == null ? this : e.reduced();
  }

  /** The elimination if already computed (else null: never computes it). */
  UnpenalisedElimination cachedElimination() {
    Object e = elimination;
    return e == null || e == NO_ELIMINATION ? null : (UnpenalisedElimination) e;
  }

  /** Supplies the elimination when the caller derived it (a restriction of a larger problem's). */
  void elimination(UnpenalisedElimination e) {
    elimination = e == null ? NO_ELIMINATION : e;
  }

  /**
   * The solution for lambda large enough: penalised columns 0, unpenalised columns the least squares
   * M_U = C_U R_UU^+ (h x p, zero where penalised).
   */
  public DenseMatrix unpenalisedOptimum() {
    DenseMatrix m = unpenalisedOptimum;
    if (m == null) {
      m = LeastSquares.solveOnSupport(this, unpenalisedColumns()).matrix;
      unpenalisedOptimum = m;
    }
    return m;
  }

  /**
   * The smallest lambda for which the penalised columns are all zero, in closed form: at
   * M0 = {@link #unpenalisedOptimum()} the unpenalised gradient vanishes, and M0 is optimal iff every
   * penalised column satisfies ||G_j(M0)|| <= lambda, so lambda_max = max_{j penalised} ||(M0 R - C)_j||.
   * With column groups: lambda_max = max_g ||(M0 R - C)_{G_g}||_F.
   */
  public double lambdaMax() {
    double lm = lambdaMax;
    if (Double.isNaN(lm)) {
      lm = 0;
      double[] norms = screeningNorms();
      if (groupOf == null) {
        for (int j = 0; j < inputs(); j++) {
          if (penalised[j]) {
            lm = Math.max(lm, norms[j]);
          }
        }
      } else {
        for (int[] g : groupColumns) {
          double s = 0; // ||G_G||_F^2 = sum_{j in G} ||G_j||^2
          for (int j : g) {
            s += norms[j] * norms[j];
          }
          lm = Math.max(lm, Math.sqrt(s));
        }
      }
      lambdaMax = lm;
    }
    return lm;
  }

  /**
   * ||G_j(M0)|| for every column at M0 = {@link #unpenalisedOptimum()} (0 for unpenalised columns).
   */
  double[] screeningNorms() {
    double[] n = screeningNorms;
    if (n == null) {
      // every column penalised (the problems the solvers iterate on): M0 = 0 and G(M0) = -C, no GEMM
      DenseMatrix g = penalisedCount == inputs() ? c : gradient(unpenalisedOptimum());
      n = new double[inputs()];
      for (int j = 0; j < inputs(); j++) {
        n[j] = penalised[j] ? Math.sqrt(columnSquaredNorm(g.data, g.rows, j)) : 0.0;
      }
      screeningNorms = n;
    }
    return n;
  }

  /**
   * The exact solution for lambda >= lambda_max ({@link #unpenalisedOptimum()}), as a result with 0
   * iterations; solvers return it without iterating.
   */
  LnrResult solutionAboveLambdaMax(String method, double lambda, double tolerance) {
    DenseMatrix m = unpenalisedOptimum().copy();
    double kkt = kktResidual(m, lambda);
    return LnrResult.ofLasso(method, this, lambda, m, null, 0, kkt <= tolerance, kkt);
  }

  /**
   * The scale that makes the KKT residual relative: max(lambda, max_j ||C_j||). ||C_j|| is the
   * gradient norm of column j at M = 0, the natural size of a gradient column in this problem.
   * With column groups max(lambda, max_j ||C_j||, max_g ||C_G||_F).
   */
  public double kktScale(double lambda) {
    double s = lambda;
    for (int j = 0; j < inputs(); j++) {
      s = Math.max(s, Math.sqrt(columnSquaredNorm(c.data, c.rows, j)));
    }
    if (groupOf != null) {
      for (int[] g : groupColumns) {
        s = Math.max(s, Math.sqrt(groupSquaredNorm(c.data, c.rows, g)));
      }
    }
    return s > 0 ? s : 1.0;
  }

  /** G(M) = M R - C, with one GEMM restricted to the nonzero columns of M. */
  public DenseMatrix gradient(DenseMatrix m) {
    DenseMatrix g = times(m);
    for (int k = 0; k < g.data.length; k++) {
      g.data[k] -= c.data[k];
    }
    return g;
  }

  /** M R with one GEMM over the nonzero columns S of M: M_S R_{S,:}. */
  public DenseMatrix times(DenseMatrix m) {
    requireShape(m);
    int[] s = nonzeroColumns(m);
    DenseMatrix out = new DenseMatrix(m.rows, inputs());
    if (s.length == inputs()) {
      DenseMatrix.gemm(1.0, m, false, r, false, 0.0, out);
    } else if (s.length > 0) {
      DenseMatrix.gemm(1.0, m.selectColumns(s), false, r.selectRows(s), false, 0.0, out);
    }
    return out;
  }

  /** 2 f(M) = E||Y - M X||^2 = yy - 2 tr(M C^T) + tr(M R M^T); NaN when yy is unknown. */
  public double squaredError(DenseMatrix m) {
    return squaredError(m, times(m));
  }

  /** E||Y - M X||^2 given MR = M R already computed. */
  public double squaredError(DenseMatrix m, DenseMatrix mr) {
    double q = 0; // tr(M R M^T) - 2 tr(M C^T) = sum_ij M_ij (MR_ij - 2 C_ij)
    for (int k = 0; k < m.data.length; k++) {
      q += m.data[k] * (mr.data[k] - 2 * c.data[k]);
    }
    return Math.max(0.0, yy + q);
  }

  /** E||Y - M X||^2 / E||Y||^2 (NaN when yy is unknown, 0 when yy = 0 and the error is 0). */
  public double relativeError(DenseMatrix m) {
    double e = squaredError(m);
    return yy > 0 ? e / yy : (e == 0 ? 0.0 : Double.NaN);
  }

  /** sum_{j penalised} ||M_j||, or sum_g ||M_G||_F with column groups. */
  public double groupNorm(DenseMatrix m) {
    return penalty(m.data, m.rows);
  }

  // the penalty sum_g ||M_G||_F of a column-major M with h rows
  double penalty(double[] m, int h) {
    if (groupOf != null) {
      double s = 0;
      for (int[] g : groupColumns) {
        s += Math.sqrt(groupSquaredNorm(m, h, g));
      }
      return s;
    }
    double s = 0;
    for (int j = 0; j < inputs(); j++) {
      if (penalised[j]) {
        s += Math.sqrt(columnSquaredNorm(m, h, j));
      }
    }
    return s;
  }

  /**
   * Relative KKT residual of M (see {@link Kkt}); costs one GEMM for the gradient.
   */
  public double kktResidual(DenseMatrix m, double lambda) {
    return Kkt.residual(this, m.data, gradient(m).data, lambda) / kktScale(lambda);
  }

  /** The columns of M that are not exactly zero, ascending. */
  public static int[] nonzeroColumns(DenseMatrix m) {
    int n = 0;
    int[] tmp = new int[m.cols];
    for (int j = 0; j < m.cols; j++) {
      int base = j * m.rows;
      for (int i = 0; i < m.rows; i++) {
        if (m.data[base + i] != 0.0) {
          tmp[n++] = j;
          break;
        }
      }
    }
    return Arrays.copyOf(tmp, n);
  }

  /** ||A[:, j]||^2 for a column-major array with h rows. */
  static double columnSquaredNorm(double[] a, int h, int j) {
    double s = 0;
    for (int i = j * h, end = i + h; i < end; i++) {
      s += a[i] * a[i];
    }
    return s;
  }

  /** ||A[:, G]||_F^2 for a column-major array with h rows. */
  static double groupSquaredNorm(double[] a, int h, int[] cols) {
    double s = 0;
    for (int j : cols) {
      s += columnSquaredNorm(a, h, j);
    }
    return s;
  }

  void requireShape(DenseMatrix m) {
    if (m.rows != outputs() || m.cols != inputs()) {
      throw new IllegalArgumentException("M must be " + outputs() + "x" + inputs() + " like C, cannot be: " + m.shape());
    }
  }
}
