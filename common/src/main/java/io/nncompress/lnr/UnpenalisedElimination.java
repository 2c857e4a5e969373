package io.nncompress.lnr;

import io.nncompress.linalg.DenseMatrix;

/**
 * The unpenalised columns U (a layer's bias) eliminated in closed form: for fixed penalised columns
 * M_P the best M_U is the least squares
 *
 * <pre>
 *   M_U = (C_U - M_P R_PU) R_UU^-1 = A0 - M_P B^T,   B = R_UU^-1 R_UP,  A0 = C_U R_UU^-1,
 * </pre>
 *
 * and substituting it leaves a group lasso over M_P alone with the same penalty:
 *
 * <pre>
 *   S = R_PP - R_PU B   (the Schur complement of R_UU),   C' = C_P - C_U B,   yy' = yy - tr(A0 C_U^T).
 * </pre>
 *
 * At M = [M_P, M_U(M_P)] the full gradient is G_P = M_P S - C' (the reduced one) and G_U = 0, so the
 * KKT conditions, the kept columns and lambda_max are the reduced problem's, and its solution lifted is
 * the full one. The gain is conditioning: a bias input is the constant 1, so R carries the inputs' mean
 * m m^T and S is their covariance; ReLU activations have a large mean, so lambda_max(S) is far below
 * lambda_max(R) (the demo's fc1: 19.9 against 111.5), FISTA's step 1 / L grows by that factor and
 * block coordinate descent no longer drags every column through the bias column it is correlated with.
 *
 * <p>Only where R_UU is well conditioned after scaling to its diagonal (reciprocal condition number at
 * least {@link LeastSquares#STABLE_RCOND}, {@link LeastSquares#solveWellConditioned}); otherwise
 * {@link #of} returns null and the problem is solved whole.
 */
final class UnpenalisedElimination {
  private final GroupLassoProblem full;
  private final GroupLassoProblem reduced;
  /** The penalised columns of the full problem, ascending: column a of the reduced problem is penalised[a]. */
  private final int[] penalised;
  private final int[] unpenalised;
  /** B = R_UU^-1 R_UP (u x q). */
  private final DenseMatrix b;
  /** A0 = C_U R_UU^-1 (h x u): M_U at M_P = 0. */
  private final DenseMatrix a0;

  private UnpenalisedElimination(GroupLassoProblem full, GroupLassoProblem reduced, int[] penalised,
      int[] unpenalised, DenseMatrix b, DenseMatrix a0) {
    this.full = full;
    this.reduced = reduced;
    this.penalised = penalised;
    this.unpenalised = unpenalised;
    this.b = b;
    this.a0 = a0;
  }

  /** The elimination of the problem's unpenalised columns, or null when it has none (or none penalised) or R_UU is ill conditioned. */
  static UnpenalisedElimination of(GroupLassoProblem problem) {
    int[] u = problem.unpenalisedColumns();
    int p = problem.inputs();
    int nu = u.length;
    int q = p - nu;
    if (nu == 0 || q == 0) {
      return null;
    }
    int[] pen = new int[q];
    for (int j = 0, a = 0; j < p; j++) {
      if (problem.isPenalised(j)) {
        pen[a++] = j;
      }
    }
    int h = problem.outputs();
    DenseMatrix r = problem.r;
    // [A0; B^T] = [C_U; R_PU] R_UU^-1 in one solve, (h + q) x u
    DenseMatrix y = new DenseMatrix(h + q, nu);
    for (int a = 0; a < nu; a++) {
      for (int i = 0; i < h; i++) {
        y.set(i, a, problem.c.get(i, u[a]));
      }
      for (int j = 0; j < q; j++) {
        y.set(h + j, a, r.get(pen[j], u[a]));
      }
    }
    DenseMatrix x = LeastSquares.solveWellConditioned(r.selectSymmetric(u), y);
    if (x == null) {
      return null;
    }
    int[] top = new int[h];
    int[] bottom = new int[q];
    for (int i = 0; i < h; i++) {
      top[i] = i;
    }
    for (int j = 0; j < q; j++) {
      bottom[j] = h + j;
    }
    DenseMatrix a0 = x.selectRows(top);
    DenseMatrix b = x.selectRows(bottom).transpose();
    DenseMatrix s = r.selectSymmetric(pen); // S = R_PP - R_PU B
    DenseMatrix.gemm(-1, r.selectRows(u).selectColumns(pen), true, b, false, 1, s);
    s = s.symmetrizeFromUpper();
    DenseMatrix cp = problem.c.selectColumns(pen); // C' = C_P - C_U B
    DenseMatrix.gemm(-1, problem.c.selectColumns(u), false, b, false, 1, cp);
    double yy = problem.yy;
    if (!Double.isNaN(yy)) { // yy' = yy - tr(A0 C_U^T)
      double t = 0;
      for (int a = 0; a < nu; a++) {
        for (int i = 0; i < h; i++) {
          t += a0.get(i, a) * problem.c.get(i, u[a]);
        }
      }
      yy = Math.max(0, yy - t);
    }
    GroupLassoProblem reduced = GroupLassoProblem.general(cp, s, yy);
    if (problem.hasColumnGroups()) {
      int[] groupOf = new int[q];
      for (int a = 0; a < q; a++) {
        groupOf[a] = problem.groupOf(pen[a]);
      }
      reduced = reduced.withColumnGroups(groupOf);
    }
    return new UnpenalisedElimination(problem, reduced, pen, u, b, a0);
  }

  /**
   * The elimination of {@code sub}, the problem on columns k of the full one (k ascending, every
   * unpenalised column among them, as {@link Screening#restrict} builds it): S, C' and B restricted to
   * the penalised columns of k, A0 the same. The Schur complement of a principal submatrix holding U
   * is the principal submatrix of S, so the full reduced problem's Lipschitz constant, where computed,
   * bounds this one's (else the restricted problem computes its own when a solver needs it).
   */
  UnpenalisedElimination restrict(GroupLassoProblem sub, int[] k) {
    int[] pos = new int[full.inputs()];
    for (int a = 0; a < penalised.length; a++) {
      pos[penalised[a]] = a;
    }
    int q = sub.penalisedCount();
    int[] subPen = new int[q];
    int[] subFree = new int[unpenalised.length];
    int[] rows = new int[q];
    for (int a = 0, x = 0, y = 0; a < k.length; a++) {
      if (full.isPenalised(k[a])) {
        subPen[x] = a;
        rows[x++] = pos[k[a]];
      } else {
        subFree[y++] = a;
      }
    }
    GroupLassoProblem red = GroupLassoProblem.general(reduced.c.selectColumns(rows), reduced.r.selectSymmetric(rows),
        reduced.yy);
    double l = reduced.cachedLipschitz();
    if (l > 0 && !Double.isInfinite(l)) {
      red.withLipschitz(l);
    }
    return new UnpenalisedElimination(sub, red, subPen, subFree, b.selectColumns(rows), a0);
  }

  /** The group lasso over the penalised columns alone (S, C'). */
  GroupLassoProblem reduced() {
    return reduced;
  }

  /** The penalised columns of a full h x p matrix (null stays null): a warm start for the reduced problem. */
  DenseMatrix project(DenseMatrix m) {
    return m == null ? null : m.selectColumns(penalised);
  }

  /** The full matrix: the penalised columns from {@code mp}, the unpenalised ones M_U = A0 - M_P B^T. */
  DenseMatrix lift(DenseMatrix mp) {
    int h = full.outputs();
    DenseMatrix mu = a0.copy();
    DenseMatrix.gemm(-1, mp, false, b, true, 1, mu);
    DenseMatrix m = new DenseMatrix(h, full.inputs());
    for (int a = 0; a < penalised.length; a++) {
      System.arraycopy(mp.data, a * h, m.data, penalised[a] * h, h);
    }
    for (int a = 0; a < unpenalised.length; a++) {
      System.arraycopy(mu.data, a * h, m.data, unpenalised[a] * h, h);
    }
    return m;
  }

  /**
   * The full problem's result from the reduced one's at lambda: the lifted matrix, the same iterations
   * and method, the KKT residual relative to the full problem's scale (the violations are the same).
   */
  LnrResult lift(LnrResult r, double lambda) {
    double kkt = r.kktResidual * reduced.kktScale(lambda) / full.kktScale(lambda);
    return LnrResult.ofLasso(r.method, full, lambda, lift(r.lassoMatrix), null, r.iterations, r.converged, kkt);
  }

  /** The reduced problem's tolerance that means {@code tol} relative to the full problem's scale. */
  double tolerance(double tol, double lambda) {
    return tol * full.kktScale(lambda) / reduced.kktScale(lambda);
  }
}
