package io.nncompress.lnr;

import io.nncompress.linalg.Blas;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.progress.Progress;
import io.nncompress.progress.SolverProgress;
import java.util.Arrays;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FISTA for the group lasso min_M 1/2 E||Y - M X||^2 + lambda sum_{j penalised} ||M_j||, working on
 * R and C only (LNR talk, Algorithm 1), with adaptive restart.
 *
 * <pre>
 *   L = lambda_max(R) (dsyevr), t = lambda / L, k = 1
 *   repeat
 *     theta = (k - 1) / (k + 2), k = k + 1          (theta = 0 without momentum)
 *     A = M + theta (M - P)                          extrapolation
 *     Z = A - (A R - C) / L                          gradient step
 *     P = M,  M_j = max(0, 1 - t / ||Z_j||) Z_j      group soft-thresholding (unpenalised: M_j = Z_j)
 *             (column groups: M_G = max(0, 1 - t / ||Z_G||_F) Z_G)
 *     restart (k = 1) if  tr((A - M)^T (M - P)) > 0  (gradient scheme, O'Donoghue and Candes 2015)
 *                  or  F(M) > F(P)                   (function scheme)
 *   until  KKT residual of M / max(lambda, max_j ||C_j||)  <=  tolerance
 * </pre>
 *
 * <p>Exactly one GEMM per iteration: the solver keeps MR = M R and the previous PR = P R, so the
 * gradient at the extrapolated point is A R - C = (1 + theta) MR - theta PR - C (linear), and the
 * gradient at M, which certifies M, is MR - C for free. The GEMM only multiplies the nonzero columns
 * S of M: MR = M_S R_{S,:} (h x |S| times |S| x p), so sparse iterates are cheaper. Everything else
 * is O(h p) and fused column by column.
 */
public final class FistaGroupLasso implements GroupLassoMethod {
  /** Momentum restart schemes. */
  public enum Restart {
    NONE, GRADIENT, FUNCTION
  }

  private static final Logger LOG = LoggerFactory.getLogger(FistaGroupLasso.class);
  /** Above this fraction of nonzero columns the GEMM runs on the full M (no gather). */
  private static final double DENSE_FRACTION = 0.8;

  private double tolerance = 1e-6;
  private int maxIterations = 20000;
  private boolean momentum = true;
  private Restart restart = Restart.GRADIENT;
  private double reportScale = 1;

  /** Relative KKT tolerance (default 1e-6), must be positive. */
  public FistaGroupLasso tolerance(double tol) {
    if (!(tol > 0)) {
      throw new IllegalArgumentException("tolerance must be positive, cannot be: " + tol);
    }
    this.tolerance = tol;
    return this;
  }

  /**
   * The factor by which progress reports and the cap's warning multiply the relative KKT residual and
   * the tolerance (default 1): {@link GroupLassoSolver} solves reduced problems (the bias eliminated, the
   * screened columns left out) at the same absolute tolerance, and reports them relative to the problem
   * it was given, so that a user sees the tolerance they configured.
   */
  FistaGroupLasso reportScale(double s) {
    this.reportScale = s;
    return this;
  }

  /** Iteration (GEMM) cap (default 20000); reaching it logs a WARN and marks the result not converged. */
  public FistaGroupLasso maxIterations(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("maxIterations must be at least 1, cannot be: " + n);
    }
    this.maxIterations = n;
    return this;
  }

  /** Nesterov momentum on (default) or off (plain proximal gradient, ISTA). */
  public FistaGroupLasso momentum(boolean on) {
    this.momentum = on;
    return this;
  }

  /** The restart scheme (default GRADIENT); ignored without momentum. */
  public FistaGroupLasso restart(Restart scheme) {
    this.restart = Objects.requireNonNull(scheme, "restart");
    return this;
  }

  @Override
  public double tolerance() {
    return tolerance;
  }

  @Override
  public LnrResult solve(GroupLassoProblem problem, double lambda, DenseMatrix warmStart) {
    if (!(lambda >= 0) || Double.isInfinite(lambda)) {
      throw new IllegalArgumentException("lambda must be non-negative and finite, cannot be: " + lambda);
    }
    if (lambda >= problem.lambdaMax()) { // closed form: penalised columns 0, the rest least squares
      return problem.solutionAboveLambdaMax("fista", lambda, tolerance);
    }
    int h = problem.outputs();
    int p = problem.inputs();
    double[] c = problem.c.data;
    double scale = problem.kktScale(lambda);
    double lip = problem.lipschitz();
    if (!(lip > 0)) { // R = 0: f is constant in M, M = 0 is optimal
      DenseMatrix zero = new DenseMatrix(h, p);
      return LnrResult.ofLasso("fista", problem, lambda, zero, null, 0,
          true, problem.kktResidual(zero, lambda));
    }
    double invL = 1.0 / lip; // step 1/L, threshold t = lambda / L (in Step)

    Gemm gemm = new Gemm(problem);
    double[] m = new double[h * p];
    double[] mr = new double[h * p];
    int gemms = 0;
    if (warmStart != null) {
      problem.requireShape(warmStart);
      System.arraycopy(warmStart.data, 0, m, 0, m.length);
      gemm.multiply(m, mr); // MR = M R
      gemms++;
    }
    double[] prev = m.clone();
    double[] prevR = mr.clone();
    Step step = new Step(problem, lambda, invL);
    SolverProgress progress = Progress.solver("fista", lambda, tolerance * reportScale);

    int k = 1;
    double fPrev = Double.POSITIVE_INFINITY;
    double kkt;
    boolean converged;
    for (;;) {
      double theta = 0.0;
      if (momentum) {
        if (restart == Restart.FUNCTION) {
          double f = objective(problem, m, mr, lambda); // F(M), O(hp)
          if (f > fPrev) {
            k = 1;
          }
          fPrev = f;
        }
        theta = (k - 1) / (double) (k + 2);
        k++;
      }
      // the O(hp) part, column by column (in parallel chunks for large problems)
      step.set(m, prev, mr, prevR, theta);
      double[] wd = step.run();
      double worst = wd[0]; // KKT residual of M
      double restartDot = wd[1]; // tr((A - M_new)^T (M_new - M))
      kkt = worst / scale;
      if (kkt <= tolerance) {
        converged = true;
        break;
      }
      if (gemms >= maxIterations) {
        converged = false;
        LOG.warn("FISTA stopped at the iteration cap {} before convergence: relative KKT residual {} > tolerance {} "
            + "(lambda = {}, {}x{})", maxIterations, kkt * reportScale, tolerance * reportScale, lambda, h, p);
        break;
      }
      if (progress.due(gemms, kkt * reportScale, false)) { // F(M) in O(hp), only when a report is due
        progress.report(gemms, objective(problem, m, mr, lambda) + 0.5 * problem.yy, kkt * reportScale, null);
      }
      if (momentum && restart == Restart.GRADIENT && restartDot > 0) {
        k = 1; // the step went against the momentum: restart it
      }
      // rotate: P <- M, M <- M_new (held in prev), PR <- MR, MR <- M_new R
      double[] tmp = m;
      m = prev;
      prev = tmp;
      tmp = mr;
      mr = prevR;
      prevR = tmp;
      gemm.multiply(m, mr);
      gemms++;
    }
    if (progress.due(gemms, kkt * reportScale, true)) {
      progress.report(gemms, objective(problem, m, mr, lambda) + 0.5 * problem.yy, kkt * reportScale, converged);
    }
    DenseMatrix result = new DenseMatrix(h, p, m);
    return LnrResult.ofLasso("fista", problem, lambda, result, new DenseMatrix(h, p, mr), gemms, converged, kkt);
  }

  /**
   * One FISTA step minus its GEMM, fused per column: the KKT violation of M (G = MR - C), the
   * extrapolation, gradient step, group soft-thresholding (written over P) and the restart inner
   * product. Columns are independent, so large problems split them into chunks run in parallel.
   */
  private static final class Step {
    /** Below this many entries (h p) the step runs on the calling thread. */
    private static final int PARALLEL_MIN = 1 << 18;
    private final GroupLassoProblem problem;
    private final double[] c;
    private final int h;
    private final int p;
    private final double lambda;
    private final double invL;
    private final double t;
    private final double[][] z;
    /** With column groups: the units of the step (unpenalised columns alone, then the groups); else null. */
    private final int[][] units;
    private final boolean[] unitPenalised;
    private double[] m;
    private double[] prev;
    private double[] mr;
    private double[] prevR;
    private double theta;

    Step(GroupLassoProblem problem, double lambda, double invL) {
      this.problem = problem;
      this.c = problem.c.data;
      this.h = problem.outputs();
      this.p = problem.inputs();
      this.lambda = lambda;
      this.invL = invL;
      this.t = lambda * invL;
      if (problem.hasColumnGroups()) {
        int[] free = problem.unpenalisedColumns();
        int n = free.length + problem.groupCount();
        units = new int[n][];
        unitPenalised = new boolean[n];
        int widest = 1;
        for (int k = 0; k < n; k++) {
          units[k] = k < free.length ? new int[] {free[k]} : problem.groupColumnsUnsafe(k - free.length);
          unitPenalised[k] = k >= free.length;
          widest = Math.max(widest, units[k].length);
        }
        int chunks = (long) h * p >= PARALLEL_MIN ? Math.min(n, Runtime.getRuntime().availableProcessors()) : 1;
        this.z = new double[Math.max(1, chunks)][h * widest];
      } else {
        units = null;
        unitPenalised = null;
        int chunks = (long) h * p >= PARALLEL_MIN ? Math.min(p, Runtime.getRuntime().availableProcessors()) : 1;
        this.z = new double[Math.max(1, chunks)][h];
      }
    }

    void set(double[] m, double[] prev, double[] mr, double[] prevR, double theta) {
      this.m = m;
      this.prev = prev;
      this.mr = mr;
      this.prevR = prevR;
      this.theta = theta;
    }

    /** {max_j violation_j, restart inner product} over all columns. */
    double[] run() {
      int chunks = z.length;
      int n = units == null ? p : units.length;
      if (chunks == 1) {
        return units == null ? columns(0, p, z[0]) : units(0, n, z[0]);
      }
      double[][] parts = new double[chunks][];
      java.util.stream.IntStream.range(0, chunks).parallel()
          .forEach(k -> parts[k] = units == null ? columns(k * p / chunks, (k + 1) * p / chunks, z[k])
              : units(k * n / chunks, (k + 1) * n / chunks, z[k]));
      double worst = 0;
      double dot = 0;
      for (double[] part : parts) {
        worst = Math.max(worst, part[0]);
        dot += part[1];
      }
      return new double[] {worst, dot};
    }

    private double[] columns(int j0, int j1, double[] z) {
      double worst = 0;
      double restartDot = 0;
      for (int j = j0; j < j1; j++) {
        int base = j * h;
        boolean pen = problem.isPenalised(j);
        // pass 1: certificate of M (G = MR - C), and Z_j = A_j - (A R - C)_j / L
        double mm = 0;
        double gg = 0;
        double zz = 0;
        for (int i = 0; i < h; i++) {
          int q = base + i;
          double mi = m[q];
          double g = mr[q] - c[q];
          mm += mi * mi;
          gg += g * g;
          double a = mi + theta * (mi - prev[q]); // A = M + theta (M - P)
          double ar = mr[q] + theta * (mr[q] - prevR[q]); // A R = MR + theta (MR - PR)
          double zi = a - (ar - c[q]) * invL;
          z[i] = zi;
          zz += zi * zi;
        }
        double v;
        if (!pen) {
          v = Math.sqrt(gg);
        } else if (mm == 0) {
          v = Math.max(0.0, Math.sqrt(gg) - lambda);
        } else {
          double s = lambda / Math.sqrt(mm); // ||G_j + lambda M_j / ||M_j|| ||
          double acc = 0;
          for (int i = 0; i < h; i++) {
            double g = mr[base + i] - c[base + i] + s * m[base + i];
            acc += g * g;
          }
          v = Math.sqrt(acc);
        }
        worst = Math.max(worst, v);
        // pass 2: M_new_j = max(0, 1 - t / ||Z_j||) Z_j, written over P_j (P_j is read first)
        double shrink = !pen ? 1.0 : (zz > t * t ? 1.0 - t / Math.sqrt(zz) : 0.0);
        for (int i = 0; i < h; i++) {
          int q = base + i;
          double mi = m[q];
          double a = mi + theta * (mi - prev[q]);
          double mn = shrink * z[i];
          restartDot += (a - mn) * (mn - mi);
          prev[q] = mn;
        }
      }
      return new double[] {worst, restartDot};
    }

    /** The grouped step over units u0..u1-1: same as {@link #columns} with Frobenius norms over a group. */
    private double[] units(int u0, int u1, double[] z) {
      double worst = 0;
      double restartDot = 0;
      for (int u = u0; u < u1; u++) {
        int[] cols = units[u];
        boolean pen = unitPenalised[u];
        // pass 1: certificate of M (G = MR - C), and Z_G = A_G - (A R - C)_G / L
        double mm = 0;
        double gg = 0;
        double zz = 0;
        for (int a = 0; a < cols.length; a++) {
          int base = cols[a] * h;
          for (int i = 0; i < h; i++) {
            int q = base + i;
            double mi = m[q];
            double g = mr[q] - c[q];
            mm += mi * mi;
            gg += g * g;
            double av = mi + theta * (mi - prev[q]); // A = M + theta (M - P)
            double ar = mr[q] + theta * (mr[q] - prevR[q]); // A R = MR + theta (MR - PR)
            double zi = av - (ar - c[q]) * invL;
            z[a * h + i] = zi;
            zz += zi * zi;
          }
        }
        double v;
        if (!pen) {
          v = Math.sqrt(gg);
        } else if (mm == 0) {
          v = Math.max(0.0, Math.sqrt(gg) - lambda); // zero group: ||G_G||_F <= lambda
        } else {
          double s = lambda / Math.sqrt(mm); // ||G_G + lambda M_G / ||M_G||_F ||_F
          double acc = 0;
          for (int j : cols) {
            for (int q = j * h; q < (j + 1) * h; q++) {
              double g = mr[q] - c[q] + s * m[q];
              acc += g * g;
            }
          }
          v = Math.sqrt(acc);
        }
        worst = Math.max(worst, v);
        // pass 2: M_new_G = max(0, 1 - t / ||Z_G||_F) Z_G, written over P_G (P_G is read first)
        double shrink = !pen ? 1.0 : (zz > t * t ? 1.0 - t / Math.sqrt(zz) : 0.0);
        for (int a = 0; a < cols.length; a++) {
          int base = cols[a] * h;
          for (int i = 0; i < h; i++) {
            int q = base + i;
            double mi = m[q];
            double av = mi + theta * (mi - prev[q]);
            double mn = shrink * z[a * h + i];
            restartDot += (av - mn) * (mn - mi);
            prev[q] = mn;
          }
        }
      }
      return new double[] {worst, restartDot};
    }
  }

  /** F(M) - yy/2 = sum_ij M_ij (MR_ij / 2 - C_ij) + lambda sum_{j penalised} ||M_j|| (or sum_g ||M_G||_F). */
  static double objective(GroupLassoProblem problem, double[] m, double[] mr, double lambda) {
    int h = problem.outputs();
    double[] c = problem.c.data;
    double f = 0;
    if (problem.hasColumnGroups()) { // smooth part, then lambda sum_g ||M_G||_F
      for (int q = 0; q < m.length; q++) {
        f += m[q] * (0.5 * mr[q] - c[q]);
      }
      return f + lambda * problem.penalty(m, h);
    }
    for (int j = 0; j < problem.inputs(); j++) {
      double mm = 0;
      for (int q = j * h; q < (j + 1) * h; q++) {
        f += m[q] * (0.5 * mr[q] - c[q]);
        mm += m[q] * m[q];
      }
      if (problem.isPenalised(j)) {
        f += lambda * Math.sqrt(mm);
      }
    }
    return f;
  }

  /**
   * MR = M R through one dgemm over the nonzero columns S of M: M_S (R_{:,S})^T, using R symmetric
   * so the gathered block is a set of whole columns of R (contiguous copies). The gathered R block is
   * reused while S does not change.
   */
  static final class Gemm {
    private final GroupLassoProblem problem;
    private final int h;
    private final int p;
    private int[] support = new int[0];
    private double[] rCols = new double[0];
    private double[] mCols = new double[0];
    private final int[] scratch;

    Gemm(GroupLassoProblem problem) {
      this.problem = problem;
      this.h = problem.outputs();
      this.p = problem.inputs();
      this.scratch = new int[p];
    }

    void multiply(double[] m, double[] out) {
      int s = 0;
      for (int j = 0; j < p; j++) {
        for (int q = j * h; q < (j + 1) * h; q++) {
          if (m[q] != 0.0) {
            scratch[s++] = j;
            break;
          }
        }
      }
      if (s == 0 || h == 0) {
        Arrays.fill(out, 0.0);
        return;
      }
      if (s >= DENSE_FRACTION * p) { // MR = M R (zero columns contribute nothing)
        Blas.dgemm("N", "N", h, p, p, 1.0, m, h, problem.r.data, p, 0.0, out, h);
        return;
      }
      if (s != support.length || !Arrays.equals(scratch, 0, s, support, 0, s)) {
        support = Arrays.copyOf(scratch, s);
        if (rCols.length < s * p) {
          rCols = new double[Math.min(p * p, Math.max(s * p, 2 * rCols.length))];
        }
        for (int k = 0; k < s; k++) { // R_{:,S}, p x s
          System.arraycopy(problem.r.data, support[k] * p, rCols, k * p, p);
        }
      }
      if (mCols.length < s * h) {
        mCols = new double[Math.min(p * h, Math.max(s * h, 2 * mCols.length))];
      }
      for (int k = 0; k < s; k++) { // M_S, h x s
        System.arraycopy(m, support[k] * h, mCols, k * h, h);
      }
      // MR = M_S (R_{:,S})^T = M_S R_{S,:}
      Blas.dgemm("N", "T", h, p, s, 1.0, mCols, h, rCols, p, 0.0, out, h);
    }
  }
}
