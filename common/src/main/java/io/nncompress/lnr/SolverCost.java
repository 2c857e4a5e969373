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
 * <p>Iterations: the previous solves on the path measured the counts ({@link History}, warm-started
 * like this one): FISTA's is used as it is, BCD's scaled by the prior's growth with the kept fraction
 * f; a method not run yet gets the other's count converted by the prior ratio
 * sweeps / iterations = {@value #RATIO} / (1 - f)^{@value #GAMMA} (cyclic coordinate descent slows
 * down as the kept block R_SS grows and becomes ill-conditioned, FISTA's acceleration depends on it
 * only through a square root). The ratio depends on the data (measured on the demo's trained
 * LeNet-300-100 layers: 0.4-0.8 at f = 25%, 2.2-5.8 at 81%; on FistaBenchmark's synthetic layers
 * 0.2-0.4 at 81%), so when one count is measured and the other's prediction is within a factor
 * {@value #EXPLORE}, the other method is run once to measure it. Without history: FISTA
 * {@value #FISTA_PRIOR} iterations and the prior ratio. Constants fitted on
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
  /** FISTA iterations without history (only the ratio to BCD's prior matters for the choice). */
  static final double FISTA_PRIOR = 300;
  /** BCD sweeps per FISTA iteration without history: RATIO / (1 - f)^GAMMA at kept fraction f. */
  static final double RATIO = 0.35;
  static final double GAMMA = 1.2;
  /** With one method measured and the other predicted within this factor, the other is tried once. */
  static final double EXPLORE = 8;

  /**
   * The iteration counts measured on a path so far: the latest of each method, -1 when that method
   * has not run, with the warm start's kept fraction of the solve that measured it.
   */
  public static final class History {
    public final int fistaIterations;
    public final double fistaKept;
    public final int bcdSweeps;
    public final double bcdKept;

    public History(int fistaIterations, double fistaKept, int bcdSweeps, double bcdKept) {
      this.fistaIterations = fistaIterations;
      this.fistaKept = fistaKept;
      this.bcdSweeps = bcdSweeps;
      this.bcdKept = bcdKept;
    }

    /** No history. */
    public static final History NONE = new History(-1, 0, -1, 0);

    /** The history after a solve by {@code method} with {@code iterations} from a warm start keeping f. */
    public History after(String method, int iterations, double f) {
      if ("fista".equals(method)) {
        return new History(iterations, f, bcdSweeps, bcdKept);
      }
      if ("bcd".equals(method)) {
        return new History(fistaIterations, fistaKept, iterations, f);
      }
      return this;
    }

    boolean hasFista() {
      return fistaIterations >= 0;
    }

    boolean hasBcd() {
      return bcdSweeps >= 0;
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

  /**
   * Predicted FISTA iterations at warm-start kept fraction f: the last measured count (FISTA's
   * count hardly moves with f), else converted from BCD's by the prior ratio, else the prior.
   */
  public static double fistaIterations(double f, History hist) {
    if (hist.hasFista()) {
      return Math.max(hist.fistaIterations, 1);
    }
    if (hist.hasBcd()) {
      return Math.max(hist.bcdSweeps, 1) / ratio(hist.bcdKept);
    }
    return FISTA_PRIOR;
  }

  /**
   * Predicted BCD sweeps at warm-start kept fraction f: the last measured count scaled by the prior's
   * growth from the fraction it was measured at, else converted from FISTA's, else the prior.
   */
  public static double bcdSweeps(double f, History hist) {
    if (hist.hasBcd()) {
      return Math.max(hist.bcdSweeps, 1) * ratio(f) / ratio(hist.bcdKept);
    }
    return fistaIterations(f, hist) * ratio(f);
  }

  /** The prior BCD sweeps per FISTA iteration at kept fraction f. */
  static double ratio(double f) {
    return RATIO / Math.pow(Math.max(0.02, 1 - f), GAMMA);
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
    double f = fista(h, p, penalised, kept, base, hist);
    double b = bcd(h, p, penalised, kept, base, hist);
    if (hist.hasFista() != hist.hasBcd() && Math.max(f, b) <= EXPLORE * Math.min(f, b)) {
      // one count measured, the other only converted, and not far apart: measure the other once
      return hist.hasFista() ? GroupLassoSolver.Method.BCD : GroupLassoSolver.Method.FISTA;
    }
    return f <= b ? GroupLassoSolver.Method.FISTA : GroupLassoSolver.Method.BCD;
  }
}
