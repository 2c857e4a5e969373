package io.nncompress.lnr;

/**
 * The iterations a FISTA solve and a BCD solve will need, predicted from the counts the previous
 * solves on the lambda path measured ({@link History}); {@link SolverCost} multiplies them by the work
 * per iteration.
 *
 * <p>A measured count is carried to the next solve by three factors, each the ratio of its value
 * there to its value where the count was measured:
 * <ul>
 *   <li>the warm start's kept fraction f: FISTA's count hardly moves past the path's first steps
 *   ({@link #fistaGrowth}); BCD's grows linearly with f + {@value #F0} ({@link #ratio}: cyclic
 *   coordinate descent over a block of correlated inputs needs sweeps in proportion to the columns it
 *   cycles over);</li>
 *   <li>the step from the warm start's lambda, d = |lambda' - lambda| / lambda ({@link Start#step}):
 *   the nearer the warm start, the fewer columns enter and the less the solution moves. Up to the
 *   path's grid step (lambda x 0.7) BCD's count grows as d^{@value #BCD_STEP_POWER}, FISTA's as
 *   sqrt(d / (d + {@value #FISTA_STEP_HALF})) ({@link #bcdStart}, {@link #fistaStart}); longer steps
 *   count as that one;</li>
 *   <li>lambda in units of the absolute tolerance, x = lambda / (tol kktScale) ({@link Start#x}): once
 *   lambda is within a few tens of the tolerance, the warm start is within a small multiple of it and
 *   both methods stop early, BCD's count falling in proportion to x below x = {@value #BCD_KNEE}, FISTA's
 *   as sqrt(x) below x = {@value #FISTA_KNEE}.</li>
 * </ul>
 * A method not run yet gets the other's count converted by the prior ratio sweeps / iterations =
 * {@value #RATIO} (f + {@value #F0}) at the reference start (the grid's step lambda x 0.7, x large),
 * times the two start factors. Without history: FISTA {@value #FISTA_PRIOR} iterations.
 *
 * <p>Measured ({@code FistaBenchmark --grid-counts}, and the same warm starts solved to lambda' x
 * 0.98, 0.9, 0.7 and 0.5 on the demo's fc1 and fc2 and two synthetic layers, tolerance 1e-4): from
 * 0.7 to 0.9 and 0.98, BCD's sweeps fell to 0.37-0.79 and 0.09-0.36 of their count, FISTA's
 * iterations to 0.36-0.73 and 0.15-0.41; on the path (lambda x 0.7) BCD's sweeps stopped rising with
 * f and fell from x = 10-30 (fc1: 208 sweeps at x 138, 56 at x 5.6; fc2: 214 at x 33, 8 from x 0.05
 * on), FISTA's from x = 1-2 (fc2: 110 at x 3.9, 5 at x 0.0015). The factors are central fits: the
 * layers move each of them by about 1.5x either way.
 */
public final class IterationCounts {
  private IterationCounts() {
  }

  /** The kept fraction up to which FISTA's count grows ({@link #fistaGrowth}). */
  static final double FISTA_EARLY = 0.05;
  /** FISTA iterations without history (only the ratio to BCD's prior matters for the choice). */
  static final double FISTA_PRIOR = 300;
  /** BCD sweeps per FISTA iteration without history: RATIO (f + F0) at kept fraction f. */
  static final double RATIO = 2.7;
  static final double F0 = 0.05;
  /** The reference step: lambda x 0.7, the path's grid step, at which RATIO was measured. */
  static final double REFERENCE_STEP = 0.3 / 0.7;
  /**
   * Steps are counted from this one up to the reference step; a longer step (the extrapolated path's
   * go down to lambda x 0.25) counts as the reference: to lambda x 0.5 BCD's sweeps rose by 1.2-2.7x
   * over lambda x 0.7, FISTA's by 1.05-1.4x, and the power laws, carried on to lambda x 0.25, had the
   * demo's fc1 and fc2 searches take FISTA on those steps, where BCD had needed fewer sweeps
   * (fc1 from lambda 0.92 to 0.23: BCD 89 sweeps, FISTA 176 iterations).
   */
  static final double MIN_STEP = 0.005;
  /** BCD's count grows as the step to this power. */
  static final double BCD_STEP_POWER = 0.6;
  /** FISTA's count grows as sqrt(step / (step + this)). */
  static final double FISTA_STEP_HALF = 0.2;
  /** Below this lambda / absolute tolerance BCD's count falls in proportion (at most to 1 / BCD_KNEE). */
  static final double BCD_KNEE = 15;
  /** Below this lambda / absolute tolerance FISTA's count falls as its square root. */
  static final double FISTA_KNEE = 1;

  /**
   * Where a solve starts: the step from its warm start's lambda relative to its lambda (NaN: unknown,
   * counted as the reference step), and its lambda in units of its absolute KKT tolerance
   * (tol x kktScale; infinite: unknown).
   */
  public static final class Start {
    public final double step;
    public final double x;

    public Start(double step, double x) {
      this.step = step;
      this.x = x;
    }

    /** Unknown: both factors 1, the counts carried by the kept fraction alone. */
    public static final Start UNKNOWN = new Start(Double.NaN, Double.POSITIVE_INFINITY);

    /**
     * The start of a solve at lambda from a warm start solved at {@code from} (NaN: unknown), to the
     * absolute tolerance {@code absoluteTolerance} (tol x kktScale(lambda)).
     */
    public static Start of(double from, double lambda, double absoluteTolerance) {
      if (!(lambda > 0)) {
        return UNKNOWN;
      }
      double x = absoluteTolerance > 0 ? lambda / absoluteTolerance : Double.POSITIVE_INFINITY;
      return new Start(Double.isNaN(from) ? Double.NaN : Math.abs(from - lambda) / lambda, x);
    }

    @Override
    public String toString() {
      return String.format("step %.3g, x %.3g", step, x);
    }
  }

  /**
   * The iteration counts measured on a path so far: the latest of each method, -1 when that method
   * has not run, with the warm start's kept fraction and the start of the solve that measured it; and
   * the warm start's lambda of the solve about to be made ({@link #from}, NaN: unknown).
   */
  public static final class History {
    public final int fistaIterations;
    public final double fistaKept;
    public final Start fistaStart;
    public final int bcdSweeps;
    public final double bcdKept;
    public final Start bcdStart;
    public final double warmLambda;

    public History(int fistaIterations, double fistaKept, int bcdSweeps, double bcdKept) {
      this(fistaIterations, fistaKept, Start.UNKNOWN, bcdSweeps, bcdKept, Start.UNKNOWN, Double.NaN);
    }

    public History(int fistaIterations, double fistaKept, Start fistaStart, int bcdSweeps, double bcdKept,
        Start bcdStart, double warmLambda) {
      this.fistaIterations = fistaIterations;
      this.fistaKept = fistaKept;
      this.fistaStart = fistaStart;
      this.bcdSweeps = bcdSweeps;
      this.bcdKept = bcdKept;
      this.bcdStart = bcdStart;
      this.warmLambda = warmLambda;
    }

    /** No history. */
    public static final History NONE = new History(-1, 0, -1, 0);

    /** This history for a solve warm-started from the solution at {@code lambda}. */
    public History from(double lambda) {
      return new History(fistaIterations, fistaKept, fistaStart, bcdSweeps, bcdKept, bcdStart, lambda);
    }

    /**
     * The history after a solve by {@code method} with {@code iterations} from a warm start keeping f,
     * the solve having started at {@code start}.
     */
    public History after(String method, int iterations, double f, Start start) {
      if ("fista".equals(method)) {
        return new History(iterations, f, start, bcdSweeps, bcdKept, bcdStart, Double.NaN);
      }
      if ("bcd".equals(method)) {
        return new History(fistaIterations, fistaKept, fistaStart, iterations, f, start, Double.NaN);
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

  /**
   * Predicted FISTA iterations at warm-start kept fraction f from {@code start}: the last measured count
   * carried by {@link #fistaGrowth} and {@link #fistaStart}, else converted from BCD's by the prior ratio,
   * else the prior.
   */
  public static double fista(double f, Start start, History hist) {
    if (hist.hasFista()) {
      return Math.max(hist.fistaIterations, 1) * fistaGrowth(f) / fistaGrowth(hist.fistaKept)
          * fistaStart(start) / fistaStart(hist.fistaStart);
    }
    if (hist.hasBcd()) {
      return Math.max(hist.bcdSweeps, 1) / ratio(hist.bcdKept) / bcdStart(hist.bcdStart) * fistaStart(start);
    }
    return FISTA_PRIOR * fistaStart(start);
  }

  /**
   * Predicted BCD sweeps at warm-start kept fraction f from {@code start}: the last measured count carried
   * by {@link #ratio} and {@link #bcdStart}, else converted from FISTA's by the prior ratio.
   */
  public static double bcd(double f, Start start, History hist) {
    if (hist.hasBcd()) {
      return Math.max(hist.bcdSweeps, 1) * ratio(f) / ratio(hist.bcdKept) * bcdStart(start) / bcdStart(hist.bcdStart);
    }
    return fista(f, start, hist) / fistaStart(start) * ratio(f) * bcdStart(start);
  }

  /**
   * FISTA's iterations grow with the warm start's kept fraction f as min(f, {@value #FISTA_EARLY}) +
   * {@value #FISTA_EARLY}: flat past the path's first steps, while a count measured from a warm start
   * keeping almost nothing stands for half of the later ones. On the grid's 13 path walks with the bias
   * eliminated ({@code FistaBenchmark --grid-counts}) the counts measured below 5% kept were under the later
   * ones by 1.46x (geometric mean over 418 pairs), and 1.03x with this growth; from 5% on it changes nothing.
   */
  static double fistaGrowth(double f) {
    return Math.min(Math.max(0, f), FISTA_EARLY) + FISTA_EARLY;
  }

  /**
   * The prior BCD sweeps per FISTA iteration at kept fraction f, RATIO (f + F0): cyclic coordinate
   * descent needs sweeps in proportion to the columns it cycles over (the kept block R_SS of correlated
   * inputs), while FISTA's count hardly moves along the path.
   */
  static double ratio(double f) {
    return RATIO * (Math.max(0, f) + F0);
  }

  /** FISTA's start factor, 1 at the reference start: sqrt(d / (d + FISTA_STEP_HALF)) min(1, sqrt(x / FISTA_KNEE)). */
  static double fistaStart(Start s) {
    double d = step(s);
    double ref = REFERENCE_STEP / (REFERENCE_STEP + FISTA_STEP_HALF);
    return Math.sqrt(d / (d + FISTA_STEP_HALF) / ref) * Math.min(1, Math.sqrt(Math.max(s.x, 1e-9) / FISTA_KNEE));
  }

  /** BCD's start factor, 1 at the reference start: d^BCD_STEP_POWER min(1, max(x, 1) / BCD_KNEE). */
  static double bcdStart(Start s) {
    return Math.pow(step(s) / REFERENCE_STEP, BCD_STEP_POWER) * Math.min(1, Math.max(s.x, 1) / BCD_KNEE);
  }

  private static double step(Start s) {
    return Double.isNaN(s.step) ? REFERENCE_STEP : Math.min(REFERENCE_STEP, Math.max(MIN_STEP, s.step));
  }
}
