package io.nncompress.lnr;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.IterationCounts.History;
import java.util.Arrays;

/**
 * A group-lasso solve on a path with the sequential strong rule (Tibshirani et al. 2012), verified.
 *
 * <p>Moving from lambda' (solved, gradient G' = M' R - C) to lambda, a zero penalised column j is
 * left out of the iterations when ||G'_j|| &lt; lambda - |lambda - lambda'| (2 lambda - lambda' on the
 * way down): if ||G_j|| moves by at most |lambda - lambda'| along the path, such a column stays zero.
 * The columns kept (unpenalised, nonzero in the warm start, and those not screened) form a smaller
 * problem on C_K, R_KK, solved by the solver's method to the same absolute KKT residual. The rule is
 * a heuristic, so every discarded column is then checked on the full gradient G = M R - C (one GEMM
 * over the nonzero columns): a column with ||G_j|| &gt; lambda beyond the tolerance joins K and the
 * problem is solved again from the current M, until none violates. The result is certified on the
 * full problem ({@link Kkt}), so screening never changes the optimum, only the cost.
 *
 * <p>Problems with column groups are solved whole (no screening).
 */
final class Screening {
  private Screening() {
  }

  /** A verified solve: the lasso result on the full problem and ||G_j|| at it, for the next step. */
  static final class Outcome {
    final LnrResult lasso;
    /** ||G_j|| at the solution, every column (0 where unpenalised). */
    final double[] gradientNorms;
    /** Penalised columns left out of the first solve. */
    final int screened;
    /** Discarded columns the KKT check put back (0 when the strong rule was right). */
    final int readded;

    Outcome(LnrResult lasso, double[] gradientNorms, int screened, int readded) {
      this.lasso = lasso;
      this.gradientNorms = gradientNorms;
      this.screened = screened;
      this.readded = readded;
    }
  }

  /**
   * Solves at lambda from {@code warm} (null: M = 0), screening with the gradient norms
   * {@code prevNorms} of the solution at {@code prevLambda} (null: no screening).
   */
  static Outcome solve(GroupLassoSolver solver, GroupLassoProblem problem, double lambda, DenseMatrix warm,
      double prevLambda, double[] prevNorms, History history) {
    int h = problem.outputs();
    int p = problem.inputs();
    double tol = solver.tolerance();
    boolean screen = prevNorms != null && !problem.hasColumnGroups() && lambda > 0 && lambda < problem.lambdaMax();
    boolean[] in = new boolean[p];
    int size = 0;
    double threshold = lambda - Math.abs(lambda - prevLambda);
    int[] warmCols = warm == null ? new int[0] : GroupLassoProblem.nonzeroColumns(warm);
    for (int j : warmCols) {
      in[j] = true;
    }
    for (int j = 0; j < p; j++) {
      in[j] |= !screen || !problem.isPenalised(j) || prevNorms[j] >= threshold;
      size += in[j] ? 1 : 0;
    }
    int screened = p - size;
    double scale = problem.kktScale(lambda);
    DenseMatrix m = warm == null ? new DenseMatrix(h, p) : warm.copy();
    int iterations = 0;
    int readded = 0;
    String method;
    boolean subConverged;
    for (;;) {
      if (size == p) { // nothing left out: the full problem
        LnrResult r = solver.lasso(problem, lambda, m, tol, history, problem.penalisedCount());
        return new Outcome(r, gradientNorms(problem, r.lassoMatrix), screened, readded);
      }
      int[] k = new int[size];
      for (int j = 0, a = 0; j < p; j++) {
        if (in[j]) {
          k[a++] = j;
        }
      }
      GroupLassoProblem sub = restrict(problem, k, solver.eliminatesUnpenalised());
      double subScale = sub.kktScale(lambda);
      LnrResult r = solver.lasso(sub, lambda, m.selectColumns(k), tol * scale / subScale, history,
          problem.penalisedCount());
      iterations += r.iterations;
      method = r.method;
      subConverged = r.converged;
      m = new DenseMatrix(h, p);
      for (int a = 0; a < k.length; a++) {
        System.arraycopy(r.lassoMatrix.data, a * h, m.data, k[a] * h, h);
      }
      // the certificate of the discarded columns: ||G_j|| <= lambda (to the tolerance) keeps them at zero
      DenseMatrix g = problem.gradient(m);
      int added = 0;
      for (int j = 0; j < p; j++) {
        if (!in[j] && Kkt.columnViolation(true, m.data, j * h, g.data, j * h, h, lambda) > tol * scale) {
          in[j] = true;
          added++;
        }
      }
      if (added == 0) {
        double kkt = Kkt.residual(problem, m.data, g.data, lambda) / scale;
        LnrResult full = LnrResult.ofLasso(method, problem, lambda, m, null, iterations, subConverged && kkt <= tol,
            kkt);
        return new Outcome(full, norms(g), screened, readded);
      }
      readded += added;
      size += added;
    }
  }

  /**
   * The problem on columns K only: C_K, R_KK, the same yy, unpenalised columns mapped into K; with
   * {@code withElimination} also its {@link UnpenalisedElimination}, restricted from the problem's
   * where that is already built.
   */
  static GroupLassoProblem restrict(GroupLassoProblem problem, int[] k, boolean withElimination) {
    int[] free = Arrays.stream(k).filter(j -> !problem.isPenalised(j)).toArray();
    int[] local = new int[free.length];
    for (int a = 0, b = 0; a < k.length; a++) {
      if (!problem.isPenalised(k[a])) {
        local[b++] = a;
      }
    }
    GroupLassoProblem sub = GroupLassoProblem.general(problem.c.selectColumns(k), problem.r.selectSymmetric(k),
        problem.yy, local);
    double l = problem.cachedLipschitz();
    if (l > 0 && !Double.isInfinite(l)) {
      sub.withLipschitz(l); // lambda_max(R_KK) <= lambda_max(R): a valid (slightly larger) step bound
    }
    // the problem's elimination where already built (the sub's own costs O(|K|^2) otherwise): never
    // built here, as a screened search of a large layer may never solve the whole problem
    UnpenalisedElimination e = withElimination ? problem.cachedElimination() : null;
    if (e != null) {
      sub.elimination(e.restrict(sub, k));
    }
    return sub;
  }

  /** ||G_j|| of every column of the gradient at M. */
  static double[] gradientNorms(GroupLassoProblem problem, DenseMatrix m) {
    return norms(problem.gradient(m));
  }

  private static double[] norms(DenseMatrix g) {
    double[] n = new double[g.cols];
    for (int j = 0; j < g.cols; j++) {
      n[j] = Math.sqrt(GroupLassoProblem.columnSquaredNorm(g.data, g.rows, j));
    }
    return n;
  }
}
