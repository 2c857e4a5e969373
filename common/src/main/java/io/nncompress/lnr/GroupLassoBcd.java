package io.nncompress.lnr;

import io.nncompress.linalg.Blas;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.progress.Progress;
import io.nncompress.progress.SolverProgress;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cyclic block coordinate descent for the group lasso on the Gram form (R, C), the method behind
 * scikit-learn's MultiTaskLasso, with an active (working) set.
 *
 * <p>Exact minimisation over one column j with the others fixed, G = M R - C:
 * <pre>
 *   Z_j = M_j - G_j / R_jj,   M_j <- max(0, 1 - (lambda / R_jj) / ||Z_j||) Z_j   (unpenalised: M_j <- Z_j)
 *   G_{:,W} <- G_{:,W} + (M_j_new - M_j) R_{j,W}                                  (rank-1 update, dger)
 * </pre>
 * Outer loop: compute the full gradient G = M_S R_{S,:} - C with one GEMM over the nonzero columns,
 * stop when the relative KKT residual (see {@link Kkt}) is below the tolerance, else set the working
 * set W = nonzero columns + unpenalised columns + the worst KKT violators among the zero columns (at
 * most max(16, |W|) added per round) and sweep W until its own KKT residual is below the tolerance,
 * at most 25 sweeps per round (so the set grows quickly and the gradient is refreshed exactly). The
 * full check follows at once: a round that swept on to half the tolerance, as before, spent its last
 * sweeps after convergence (the stop was seen at the next refresh only, up to 25 sweeps late).
 * A sweep costs 2 h |W|^2 flops; the rank-1 updates are blocked (64 columns: dger inside a block,
 * one dgemm G_W += Delta_B R_{B,W} per block) so most of the work is level-3; these calls are small and
 * many, so those native OpenBLAS would thread run on the calling thread ({@link #serialCalls}). BCD wins when the
 * solution keeps few columns; FISTA wins when it keeps most (see {@link GroupLassoSolver}).
 *
 * <p>Column groups (conv channels, {@link GroupLassoProblem#withColumnGroups(int[])}): the block of a
 * group G has no closed-form minimiser, so each block update is a short run of proximal gradient
 * steps on the block's own subproblem, with the block Lipschitz constant L_G = lambda_max(R_GG)
 * (dsyevr, once per group):
 * <pre>
 *   repeat (at most {@value #BLOCK_STEPS} times, until the step is negligible)
 *     Z_G = M_G - G_G / L_G,   M_G <- max(0, 1 - (lambda / L_G) / ||Z_G||_F) Z_G
 *     G <- G + (M_G_new - M_G) R_{G,:}                                            (one dgemm, h x p x |G|)
 * </pre>
 * Every step decreases the objective (block coordinate proximal gradient), cyclic over the
 * unpenalised columns and the groups; a zero group whose gradient satisfies ||G_G||_F <= lambda is
 * skipped (its step would leave it at zero). The full gradient is recomputed with one GEMM after each
 * sweep to certify M. No working set and no blocking here: a sweep costs about 2 h p (p + steps).
 * {@link GroupLassoSolver} AUTO uses FISTA for grouped problems (see there); BCD runs when asked.
 */
public final class GroupLassoBcd implements GroupLassoMethod {
  private static final Logger LOG = LoggerFactory.getLogger(GroupLassoBcd.class);

  /** Sweeps over one working set before the full gradient is recomputed and the set revised. */
  private static final int SWEEPS_PER_ROUND = 25;
  /** Columns per block: updates inside a block use dger, across blocks one dgemm. */
  private int block = 64;

  /** Proximal gradient steps at most per group update in the grouped variant. */
  static final int BLOCK_STEPS = 10;

  /** Outputs (h) from which the column loop's calls all go through the BLAS in use (see {@link BcdCalls}). */
  public static final int SERIAL_MAX_ROWS = BcdCalls.SERIAL_MAX_ROWS;

  private double tolerance = 1e-6;
  private int maxSweeps = 20000;
  private boolean serialCalls = true;
  private double reportScale = 1;

  /** Relative KKT tolerance (default 1e-6), must be positive. */
  public GroupLassoBcd tolerance(double tol) {
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
  GroupLassoBcd reportScale(double s) {
    this.reportScale = s;
    return this;
  }

  /** Cap on the total number of sweeps (default 20000); reaching it logs a WARN, result not converged. */
  public GroupLassoBcd maxSweeps(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("maxSweeps must be at least 1, cannot be: " + n);
    }
    this.maxSweeps = n;
    return this;
  }

  /** Columns per block (default 64); small values only serve tests of the blocking. */
  GroupLassoBcd blockSize(int b) {
    if (b < 1) {
      throw new IllegalArgumentException("blockSize must be at least 1, cannot be: " + b);
    }
    this.block = b;
    return this;
  }

  /**
   * Whether the column loop's small calls that native OpenBLAS would thread, at h below
   * {@value #SERIAL_MAX_ROWS}, run on the calling thread (default true, see {@link BcdCalls})
   * or through the BLAS in use, as before issue 18 (for before/after comparisons: on 2 cores native
   * OpenBLAS woke its threads for each call and BCD waited in them; the results agree to rounding).
   */
  public GroupLassoBcd serialCalls(boolean on) {
    this.serialCalls = on;
    return this;
  }

  @Override
  public double tolerance() {
    return tolerance;
  }

  @Override
  public LnrResult solve(GroupLassoProblem problem, double lambda, DenseMatrix warmStart) {
    return solve(problem, lambda, warmStart, null);
  }

  /**
   * The solve with a {@link BcdProbe} watching its sweeps (null: none): null when the probe stopped BCD
   * (its iterate is then {@link BcdProbe#stoppedAt}), else the result as {@link #solve} gives it.
   */
  LnrResult solve(GroupLassoProblem problem, double lambda, DenseMatrix warmStart, BcdProbe probe) {
    if (!(lambda >= 0) || Double.isInfinite(lambda)) {
      throw new IllegalArgumentException("lambda must be non-negative and finite, cannot be: " + lambda);
    }
    if (lambda >= problem.lambdaMax()) { // closed form: penalised columns 0, the rest least squares
      return problem.solutionAboveLambdaMax("bcd", lambda, tolerance);
    }
    if (problem.hasNonSingletonGroups()) {
      return solveGrouped(problem, lambda, warmStart);
    }
    int h = problem.outputs();
    int p = problem.inputs();
    double scale = problem.kktScale(lambda);
    double[] rd = problem.r.data;
    DenseMatrix mMat = warmStart == null ? new DenseMatrix(h, p) : warmStart.copy();
    problem.requireShape(mMat);
    double[] m = mMat.data;
    int sweeps = 0;
    double kkt;
    boolean converged;
    double[] deltas = new double[h * block];
    SolverProgress progress = Progress.solver("bcd", lambda, tolerance * reportScale);
    for (;;) {
      DenseMatrix g = problem.gradient(mMat); // G = M_S R_{S,:} - C, one GEMM
      double[] violation = new double[p];
      double worst = 0;
      for (int j = 0; j < p; j++) {
        violation[j] = Kkt.columnViolation(problem.isPenalised(j), m, j * h, g.data, j * h, h, lambda);
        worst = Math.max(worst, violation[j]);
      }
      kkt = worst / scale;
      converged = kkt <= tolerance;
      if (progress.due(sweeps, kkt * reportScale, converged || sweeps >= maxSweeps)) { // F(M) in O(hp), when due
        progress.report(sweeps, objective(problem, m, g.data, lambda), kkt * reportScale,
            converged || sweeps >= maxSweeps ? converged : null);
      }
      if (converged) {
        break;
      }
      if (sweeps >= maxSweeps) {
        LOG.warn("BCD stopped at the sweep cap {} before convergence: relative KKT residual {} > tolerance {} "
            + "(lambda = {}, {}x{})", maxSweeps, kkt * reportScale, tolerance * reportScale, lambda, h, p);
        break;
      }
      int[] work = workingSet(problem, m, violation, tolerance * scale);
      int w = work.length;
      // G_W (h x w) and R_WW (w x w), gathered
      double[] gw = new double[h * w];
      for (int a = 0; a < w; a++) {
        System.arraycopy(g.data, work[a] * h, gw, a * h, h);
      }
      double[] rww = problem.r.selectSymmetric(work).data;
      double innerTol = tolerance * scale;
      if (probe != null) {
        probe.newRound();
      }
      for (int sweep = 0; sweep < SWEEPS_PER_ROUND && sweeps < maxSweeps; sweep++) {
        sweeps++;
        // Blocks of consecutive working-set columns: inside a block each update reaches the
        // block's own gradient columns through dger (h x b, in cache); at the end of the block its
        // updates Delta_B (h x b) reach the rest of G_W with one GEMM, G_W += Delta_B R_{B,W}.
        // Every column still sees every earlier update, so this is exact cyclic BCD.
        for (int a0 = 0; a0 < w; a0 += block) {
          int a1 = Math.min(w, a0 + block);
          int b = a1 - a0;
          boolean moved = false;
          for (int a = a0; a < a1; a++) {
            int j = work[a];
            int db = (a - a0) * h;
            double rjj = rd[j + j * p];
            if (!(rjj > 0)) {
              Arrays.fill(deltas, db, db + h, 0.0);
              continue; // input identically 0: its column does not change the fit
            }
            int mb = j * h;
            int gb = a * h;
            double zz = 0;
            for (int i = 0; i < h; i++) {
              double zi = m[mb + i] - gw[gb + i] / rjj; // Z_j = M_j - G_j / R_jj
              deltas[db + i] = zi;
              zz += zi * zi;
            }
            double shrink = !problem.isPenalised(j) ? 1.0
                : (zz > 0 && Math.sqrt(zz) > lambda / rjj ? 1.0 - lambda / (rjj * Math.sqrt(zz)) : 0.0);
            double dd = 0;
            for (int i = 0; i < h; i++) {
              double mn = shrink * deltas[db + i];
              double di = mn - m[mb + i]; // delta = M_j_new - M_j
              deltas[db + i] = di;
              m[mb + i] = mn;
              dd += di * di;
            }
            if (dd > 0) {
              moved = true;
              // G_B += delta R_{j,B}  (R_WW symmetric: rows a0..a1 of its column a)
              BcdCalls.dger(serialCalls, h, b, deltas, db, rww, a0 + a * w, gw, a0 * h);
            }
          }
          if (moved) { // G_{W \ B} += Delta_B R_{B, W \ B}: the columns before and after the block
            if (a0 > 0) {
              BcdCalls.gemm(serialCalls, h, a0, b, deltas, rww, a0, w, gw, 0);
            }
            if (a1 < w) {
              BcdCalls.gemm(serialCalls, h, w - a1, b, deltas, rww, a0 + a1 * w, w, gw, a1 * h);
            }
          }
        }
        double inner = 0; // KKT residual restricted to W, from the maintained G_W
        for (int a = 0; a < w; a++) {
          inner = Math.max(inner,
              Kkt.columnViolation(problem.isPenalised(work[a]), m, work[a] * h, gw, a * h, h, lambda));
        }
        if (inner <= innerTol) {
          break;
        }
        if (probe != null && probe.stopAfter(sweeps, w, inner, innerTol)) {
          probe.stopped(mMat, sweeps);
          return null;
        }
      }
    }
    return LnrResult.ofLasso("bcd", problem, lambda, mMat, null, sweeps, converged, kkt);
  }

  /** The grouped variant (see class comment). */
  private LnrResult solveGrouped(GroupLassoProblem problem, double lambda, DenseMatrix warmStart) {
    int h = problem.outputs();
    int p = problem.inputs();
    double scale = problem.kktScale(lambda);
    DenseMatrix mMat = warmStart == null ? new DenseMatrix(h, p) : warmStart.copy();
    problem.requireShape(mMat);
    double[] m = mMat.data;
    double[] rd = problem.r.data;
    // units: the unpenalised columns alone, then the groups; each with its block Lipschitz constant
    int[] free = problem.unpenalisedColumns();
    int n = free.length + problem.groupCount();
    int[][] units = new int[n][];
    double[] lip = new double[n];
    int widest = 1;
    for (int u = 0; u < n; u++) {
      units[u] = u < free.length ? new int[] {free[u]} : problem.groupColumnsUnsafe(u - free.length);
      int[] cols = units[u];
      lip[u] = cols.length == 1 ? rd[cols[0] + cols[0] * p]
          : SymmetricEigen.largestEigenvalue(problem.r.selectSymmetric(cols)); // L_G = lambda_max(R_GG)
      widest = Math.max(widest, cols.length);
    }
    double[] delta = new double[h * widest];
    double[] rCols = new double[p * widest];
    int sweeps = 0;
    double kkt;
    boolean converged;
    SolverProgress progress = Progress.solver("bcd", lambda, tolerance * reportScale);
    for (;;) {
      DenseMatrix gMat = problem.gradient(mMat); // G = M_S R_{S,:} - C, one GEMM
      double[] g = gMat.data;
      kkt = Kkt.residual(problem, m, g, lambda) / scale;
      converged = kkt <= tolerance;
      if (progress.due(sweeps, kkt * reportScale, converged || sweeps >= maxSweeps)) { // F(M) in O(hp), when due
        progress.report(sweeps, objective(problem, m, g, lambda), kkt * reportScale,
            converged || sweeps >= maxSweeps ? converged : null);
      }
      if (converged) {
        break;
      }
      if (sweeps >= maxSweeps) {
        LOG.warn("BCD (groups) stopped at the sweep cap {} before convergence: relative KKT residual {} > tolerance {} "
            + "(lambda = {}, {}x{})", maxSweeps, kkt * reportScale, tolerance * reportScale, lambda, h, p);
        break;
      }
      sweeps++;
      for (int u = 0; u < n; u++) {
        int[] cols = units[u];
        boolean pen = u >= free.length;
        double lu = lip[u];
        if (!(lu > 0)) {
          continue; // inputs identically 0: the block does not change the fit
        }
        int k = cols.length;
        if (pen) { // a zero group with ||G_G||_F <= lambda stays zero
          double mm = GroupLassoProblem.groupSquaredNorm(m, h, cols);
          if (mm == 0 && GroupLassoProblem.groupSquaredNorm(g, h, cols) <= lambda * lambda) {
            continue;
          }
        }
        for (int a = 0; a < k; a++) { // R_{:,G} = (R_{G,:})^T, p x k
          System.arraycopy(rd, cols[a] * p, rCols, a * p, p);
        }
        double t = lambda / lu;
        for (int step = 0; step < BLOCK_STEPS; step++) {
          double zz = 0;
          double mm = 0;
          for (int a = 0; a < k; a++) {
            int base = cols[a] * h;
            for (int i = 0; i < h; i++) {
              double zi = m[base + i] - g[base + i] / lu; // Z_G = M_G - G_G / L_G
              delta[a * h + i] = zi;
              zz += zi * zi;
              mm += m[base + i] * m[base + i];
            }
          }
          double shrink = !pen ? 1.0 : (zz > t * t ? 1.0 - t / Math.sqrt(zz) : 0.0);
          double dd = 0;
          for (int a = 0; a < k; a++) {
            int base = cols[a] * h;
            for (int i = 0; i < h; i++) {
              double mn = shrink * delta[a * h + i];
              double di = mn - m[base + i]; // Delta = M_G_new - M_G
              delta[a * h + i] = di;
              m[base + i] = mn;
              dd += di * di;
            }
          }
          if (dd == 0) {
            break;
          }
          // G += Delta R_{G,:} = Delta (R_{:,G})^T
          Blas.dgemm("N", "T", h, p, k, 1.0, delta, 0, h, rCols, 0, p, 1.0, g, 0, h);
          if (dd <= 1e-6 * Math.max(mm, Double.MIN_NORMAL)) {
            break; // the block has (nearly) reached its own minimiser
          }
        }
      }
    }
    return LnrResult.ofLasso("bcd", problem, lambda, mMat, null, sweeps, converged, kkt);
  }

  /**
   * F(M) = 1/2 E||Y - M X||^2 + lambda (sum of the penalised groups' norms), from the gradient
   * G = M R - C: E||Y - M X||^2 = yy + sum_ij M_ij (G_ij - C_ij).
   */
  static double objective(GroupLassoProblem problem, double[] m, double[] g, double lambda) {
    double[] c = problem.c.data;
    double q = 0;
    for (int k = 0; k < m.length; k++) {
      q += m[k] * (g[k] - c[k]);
    }
    return 0.5 * (problem.yy + q) + lambda * problem.penalty(m, problem.outputs());
  }

  /** Nonzero and unpenalised columns, plus the worst violators among the rest (at most max(16, size)). */
  private static int[] workingSet(GroupLassoProblem problem, double[] m, double[] violation, double threshold) {
    int h = problem.outputs();
    int p = problem.inputs();
    boolean[] in = new boolean[p];
    int n = 0;
    for (int j = 0; j < p; j++) {
      if (!problem.isPenalised(j) || GroupLassoProblem.columnSquaredNorm(m, h, j) > 0) {
        in[j] = true;
        n++;
      }
    }
    Integer[] candidates = new Integer[p - n];
    int nc = 0;
    for (int j = 0; j < p; j++) {
      if (!in[j] && violation[j] > threshold) {
        candidates[nc++] = j;
      }
    }
    Arrays.sort(candidates, 0, nc, (x, y) -> Double.compare(violation[y], violation[x]));
    int add = Math.min(nc, Math.max(16, n));
    for (int k = 0; k < add; k++) {
      in[candidates[k]] = true;
    }
    int[] out = new int[n + add];
    int k = 0;
    for (int j = 0; j < p; j++) {
      if (in[j]) {
        out[k++] = j;
      }
    }
    return out;
  }
}
