package io.nncompress.lnr;

/**
 * The predicted cost of one FISTA solve and one BCD solve, from which {@link GroupLassoSolver} AUTO
 * picks the cheaper: predicted work = (iterations) x (work per iteration), in units of one GEMM flop.
 *
 * <p>Work per iteration, with h outputs, p inputs, s = kept penalised columns of the warm start plus
 * the unpenalised ones:
 * <pre>
 *   FISTA iteration:  2 h p s'  +  STEP h p          (s' = p above 80% nonzero: the GEMM runs dense)
 *   BCD sweep:        2 h w^2  +  DGER h w min(w, 64)  +  COLUMN h w  +  CALL w      (w = s + the columns it adds)
 * </pre>
 * STEP (the fused O(hp) scalar step), DGER (the extra cost of the level-2 updates inside a block),
 * COLUMN (BCD's scalar work per column) and CALL (the fixed cost of a BLAS call from the column loop)
 * are in GEMM flops; CALL is what makes BCD slow at small h, where each column's dger is tiny.
 *
 * <p>Iterations: the previous solve on the path measured one of the two counts directly (its
 * iteration count for the method it used, warm-started like this one); the other is converted with
 * the prior ratio at the warm start's kept fraction f. Without history the priors apply:
 * FISTA {@value #FISTA_PRIOR} iterations, BCD {@value #BCD_PRIOR} / (1 - f) sweeps (cyclic
 * coordinate descent slows down as the kept block R_SS grows and becomes ill-conditioned; FISTA's
 * acceleration depends on it only through a square root). Constants fitted on
 * {@code FistaBenchmark --grid} (see there and {@link GroupLassoSolver}).
 */
public final class SolverCost {
  private SolverCost() {
  }

  /** GEMM flops per entry of FISTA's fused O(hp) step. */
  static final double STEP = 60;
  /** Extra GEMM flops per flop of BCD's in-block rank-1 updates (dger runs at level-2 speed). */
  static final double DGER = 4;
  /** GEMM flops per entry of BCD's per-column scalar work. */
  static final double COLUMN = 60;
  /** GEMM flops per BLAS call from BCD's column loop (JNI and call overhead). */
  static final double CALL = 20000;
  /** FISTA iterations without history. */
  static final double FISTA_PRIOR = 300;
  /** BCD sweeps without history, times (1 - kept fraction). */
  static final double BCD_PRIOR = 40;

  /** The iteration counts of the previous solve on a path: -1 when that method was not run. */
  public static final class History {
    public final int fistaIterations;
    public final int bcdSweeps;
    /** The kept fraction of the warm start of the solve that measured them. */
    public final double keptFraction;

    public History(int fistaIterations, int bcdSweeps, double keptFraction) {
      this.fistaIterations = fistaIterations;
      this.bcdSweeps = bcdSweeps;
      this.keptFraction = keptFraction;
    }

    /** No history. */
    public static final History NONE = new History(-1, -1, 0);

    /** The history after a solve by {@code method} with {@code iterations} from a warm start keeping f. */
    public History after(String method, int iterations, double f) {
      if ("fista".equals(method)) {
        return new History(iterations, -1, f);
      }
      if ("bcd".equals(method)) {
        return new History(-1, iterations, f);
      }
      return this;
    }
  }

  /** GEMM flops of one FISTA iteration with s nonzero columns. */
  public static double fistaIteration(int h, int p, int s) {
    double cols = s >= 0.8 * p ? p : s;
    return 2.0 * h * p * cols + STEP * h * p;
  }

  /** GEMM flops of one BCD sweep over a working set of w columns (plus its share of the gradient refresh). */
  public static double bcdSweep(int h, int p, int w) {
    return 2.0 * h * (double) w * w + DGER * 2.0 * h * w * Math.min(w, 64) + COLUMN * h * (double) w + CALL * w
        + 2.0 * h * p * (double) w / 25;
  }

  /** Predicted FISTA iterations at warm-start kept fraction f. */
  static double fistaIterations(double f, History hist) {
    if (hist.fistaIterations >= 0) {
      return Math.max(hist.fistaIterations, 1);
    }
    if (hist.bcdSweeps >= 0) { // convert with the prior ratio at the fraction the sweeps were measured
      return Math.max(hist.bcdSweeps, 1) * FISTA_PRIOR / bcdPrior(hist.keptFraction);
    }
    return FISTA_PRIOR;
  }

  /** Predicted BCD sweeps at warm-start kept fraction f. */
  static double bcdSweeps(double f, History hist) {
    if (hist.bcdSweeps >= 0) {
      return Math.max(hist.bcdSweeps, 1) * bcdPrior(f) / bcdPrior(hist.keptFraction);
    }
    if (hist.fistaIterations >= 0) {
      return Math.max(hist.fistaIterations, 1) * bcdPrior(f) / FISTA_PRIOR;
    }
    return bcdPrior(f);
  }

  private static double bcdPrior(double f) {
    return BCD_PRIOR / Math.max(0.02, 1 - f);
  }

  /** Predicted GEMM flops of a FISTA solve. */
  public static double fista(int h, int p, int penalised, int kept, History hist) {
    return fista(h, p, penalised, kept, penalised, hist);
  }

  /**
   * The same for a screened problem (p columns, {@code penalised} of them penalised) whose kept
   * fraction counts against the whole problem's {@code base} penalised columns.
   */
  static double fista(int h, int p, int penalised, int kept, int base, History hist) {
    int s = kept + (p - penalised);
    double f = base == 0 ? 1 : kept / (double) base;
    return fistaIterations(f, hist) * fistaIteration(h, p, Math.max(1, s));
  }

  /** Predicted GEMM flops of a BCD solve (the working set starts at the warm start and grows by max(16, w)). */
  public static double bcd(int h, int p, int penalised, int kept, History hist) {
    return bcd(h, p, penalised, kept, penalised, hist);
  }

  static double bcd(int h, int p, int penalised, int kept, int base, History hist) {
    int s = kept + (p - penalised);
    double f = base == 0 ? 1 : kept / (double) base;
    int w = Math.min(p, Math.max(s + 16, (int) Math.ceil(1.1 * s)));
    return bcdSweeps(f, hist) * bcdSweep(h, p, w);
  }

  /** The cheaper method by the model. */
  public static GroupLassoSolver.Method choose(int h, int p, int penalised, int kept, History hist) {
    return choose(h, p, penalised, kept, penalised, hist);
  }

  static GroupLassoSolver.Method choose(int h, int p, int penalised, int kept, int base, History hist) {
    return fista(h, p, penalised, kept, base, hist) <= bcd(h, p, penalised, kept, base, hist)
        ? GroupLassoSolver.Method.FISTA : GroupLassoSolver.Method.BCD;
  }
}
