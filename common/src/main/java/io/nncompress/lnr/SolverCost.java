package io.nncompress.lnr;

import io.nncompress.lnr.IterationCounts.History;
import io.nncompress.lnr.IterationCounts.Start;

/**
 * The predicted cost of one FISTA solve and one BCD solve, from which {@link GroupLassoSolver} AUTO
 * picks the cheaper: predicted work = (iterations) x (work per iteration), in units of one GEMM flop.
 *
 * <p>Work per iteration, with h outputs, p inputs, s = kept penalised columns of the warm start plus
 * the unpenalised ones:
 * <pre>
 *   FISTA iteration:  2 (h + H0) p s' / P(2 h p s')  +  STEP h p   (s' = p above 80% nonzero: the GEMM runs dense)
 *   BCD sweep:        BCD_GEMM 2 (h + H0) (w^2 + p w / 25)  +  DGER (1 + min(h, 1024) / 256) 2 h w min(w, 64)  +  CALL w
 *                     (from h = 512 the first two terms divided by P of their sum: BCD's calls are then threaded)
 *                     (w = s + the columns it adds; the gradient is refreshed at most every 25 sweeps)
 * </pre>
 * STEP (the fused O(hp) scalar step), BCD_GEMM (BCD's level-3 work runs on smaller GEMMs), DGER (the
 * extra cost of the level-2 updates inside a block) and CALL (the column loop's scalar work and the
 * JNI call of its dger) are in GEMM flops; CALL is what makes BCD slow at small h. P(g) is the
 * wall-clock speedup of a GEMM of g flops on the machine's cores ({@link #parallelSpeedup}): FISTA's
 * one large GEMM per iteration runs on every core, BCD's column loop below
 * {@link GroupLassoBcd#SERIAL_MAX_ROWS} outputs on one (measured: on the demo's fc1, h 300, p 785, BCD
 * used 0.9x FISTA's CPU time but took 1.9x its wall-clock time); from there its calls go through the
 * threaded BLAS and its sweep's work is divided by P of it as well.
 *
 * <p>Iterations: {@link IterationCounts}, from the counts the previous solves on the path measured
 * ({@link History}), carried to this solve by its warm start's kept fraction and its {@link Start}; a
 * method not run yet gets the other's count converted by a prior ratio. Measured on ReLU-activation
 * inputs (the demo's trained LeNet-300-100 layers and {@code FistaBenchmark --grid}'s synthetic ones)
 * that ratio is 0.3-1.6 at f = 25% and 1.3-5.5 at 81%: the data moves it by about 2x either way (the
 * converted counts came within 1.6x of the measured ones), so when one count is measured and the
 * other's prediction is within a factor {@value #EXPLORE}, the other method is run once to measure it,
 * but only early on the path (warm start keeping at most {@value #PROBE_KEPT}), where solves are
 * cheap; later only within {@value #EXPLORE_LATE}. The previous rule (within 2x anywhere) tried the
 * other method where the path happened to come within 2x, often at the kept fractions users ask for:
 * on the grid's 12 path walks it tried at 16-29% kept in 8, twice at the cell itself, 8.5 s of trials
 * in all; this rule tried at 1-6% kept, never at a cell, 4.9 s in all (one walk each, load about 6).
 *
 * <p>The constants were fitted on the seconds per iteration and per sweep that
 * {@code FistaBenchmark --grid} measured with native OpenBLAS on 2 cores, h from 10 to 1024, under a
 * load of 16-28 from other jobs: per iteration the model and the measurements agree within about 1.5x
 * (the noise of the measurements themselves), the rest is the iteration counts (see there and
 * {@link GroupLassoSolver}). The choice reads the warm start's kept columns once (O(hp)) and is
 * otherwise arithmetic: nothing is timed. Those fits had the bias column in the iterations; since
 * the solver eliminates it ({@link UnpenalisedElimination}) both methods need fewer iterations, the
 * per-iteration costs are the same, and the grid on the eliminated problems gave 47 of 52 cells
 * within 20% against 46 of 52 whole in the same session. {@link IterationCounts#fistaGrowth} was fitted
 * on the eliminated problems' counts: 46 -> 50 of 52 cells in back-to-back grid runs (docs/benchmarks.md).
 *
 * <p>With {@link GroupLassoSolver#probe} on (off by default), where the counts are the uncertain part
 * (FISTA's measured on the path, BCD predicted dearer but within {@value #PROBE_BAND}x), AUTO measures
 * instead of predicting ({@link #probeSweeps}, {@link BcdProbe}): BCD for a budget of sweeps costing
 * {@value #PROBE_SHARE} of FISTA's predicted solve (at most {@value #PROBE_MAX_SHARE}), its rate read from
 * its residual, then BCD to the end or FISTA from BCD's iterate. The model's BCD count was off by up to
 * 9x near the end of a path (demo fc1 at 95% kept: 50 sweeps, 435 predicted from the 275 at 57%), its
 * FISTA count within about 1.3x.
 */
public final class SolverCost {
  private SolverCost() {
  }

  /**
   * Rows a GEMM with h rows costs in addition (packing its shared operand): a GEMM h x n x k costs
   * 2 (h + H0) n k, so at h = 10 a flop costs 2.6 times what it costs at h = 1024, in FISTA and in BCD's
   * level-3 work alike, while BCD's per-column cost CALL does not change.
   */
  static final double H0 = 16;
  /** GEMM flops per entry of FISTA's fused O(hp) step. */
  static final double STEP = 24;
  /** GEMM flops per flop of BCD's level-3 work (the blocked updates and its share of the gradient refresh). */
  static final double BCD_GEMM = 1.3;
  /**
   * Extra GEMM flops per flop of BCD's in-block rank-1 updates at small h (dger runs at level-2 speed);
   * times 1 + min(h, 1024) / 256, as the h x 64 block they update leaves the caches.
   */
  static final double DGER = 0.3;
  /** GEMM flops per column of BCD's column loop (its scalar work and the JNI call of its dger). */
  static final double CALL = 5800;
  /** GEMM flops at which FISTA's GEMM gets half of the extra cores (measured wall against CPU time). */
  static final double G0 = 1e8;
  /** The cores the BLAS threads can use. */
  static final int CORES = Math.max(1, Runtime.getRuntime().availableProcessors());
  /**
   * With one method measured and the other predicted within this factor, the other is tried once, early
   * on the path: while the warm start keeps at most {@value #PROBE_KEPT} of the penalised columns (both
   * methods' solves are cheap there: their work grows with the kept columns).
   */
  static final double EXPLORE = 16;
  /** The warm start's kept fraction up to which the unmeasured method is tried within {@value #EXPLORE}. */
  static final double PROBE_KEPT = 0.1;
  /**
   * Beyond {@value #PROBE_KEPT} kept, the unmeasured method is tried only when predicted within this
   * factor (a trial there is a solve near the target, where a slower method costs most).
   */
  static final double EXPLORE_LATE = 1.25;
  /**
   * With the probe on, FISTA's count measured and BCD predicted dearer by at most this factor, AUTO
   * measures instead of predicting: BCD is probed ({@link BcdProbe}) rather than ruled out.
   */
  public static final double PROBE_BAND = 8;
  /** The probe's budget: the sweeps that cost this share of FISTA's predicted solve... */
  public static final double PROBE_SHARE = 0.05;
  /**
   * ... or, where that is fewer than the {@value BcdProbe#RATE_SWEEPS} sweeps a rate needs, those, if
   * they cost at most this share (else no probe: the model's choice).
   */
  public static final double PROBE_MAX_SHARE = 0.1;

  /** GEMM flops of one FISTA iteration with s nonzero columns (its GEMM divided by the cores it gets). */
  public static double fistaIteration(int h, int p, int s) {
    double cols = s >= 0.8 * p ? p : s;
    double gemm = 2.0 * h * p * cols;
    return 2.0 * (h + H0) * p * cols / parallelSpeedup(gemm) + STEP * h * p;
  }

  /**
   * The wall-clock speedup of one GEMM of that many flops from the BLAS threads, 1 + (c - 1) g / (g + G0)
   * with c the cores: a large GEMM keeps every core busy, a small one hardly gains. BCD gets none: its
   * work is a column loop of small level-2 and level-3 calls.
   */
  static double parallelSpeedup(double flops) {
    return 1 + (CORES - 1) * flops / (flops + G0);
  }

  /**
   * GEMM flops of one BCD sweep over a working set of w columns (plus its share of the gradient refresh).
   * From {@link GroupLassoBcd#SERIAL_MAX_ROWS} outputs the column loop's dger and GEMMs go through the
   * threaded BLAS ({@link BcdCalls}), so its level-3 and level-2 work gets the cores as FISTA's GEMM
   * does, by {@link #parallelSpeedup} of the sweep's work: {@code FistaBenchmark --grid} measured a sweep
   * at 1.0-2.0x a FISTA iteration at h 1024 and 4096 where the one-core model said 1.3-2.9x (22 cells and
   * path steps, 20 of them above the measurement by 1.1-2.3x).
   */
  public static double bcdSweep(int h, int p, int w) {
    double work = BCD_GEMM * (2.0 * (h + H0) * (double) w * w + 2.0 * (h + H0) * p * (double) w / 25)
        + DGER * (1 + Math.min(h, 1024) / 256.0) * 2.0 * h * w * Math.min(w, 64);
    if (h >= GroupLassoBcd.SERIAL_MAX_ROWS) {
      work /= parallelSpeedup(work);
    }
    return work + CALL * w;
  }

  /**
   * The working set BCD's sweeps are counted over from a warm start with s columns (unpenalised
   * included) of p: s plus the columns it adds, max(16, s / 10), at most p.
   */
  public static int bcdWorkingSet(int p, int s) {
    return Math.min(p, Math.max(s + 16, (int) Math.ceil(1.1 * s)));
  }

  /** Predicted GEMM flops of a FISTA solve (its start unknown). */
  public static double fista(int h, int p, int penalised, int kept, History hist) {
    return fista(h, p, penalised, kept, penalised, Start.UNKNOWN, hist);
  }

  /** Predicted GEMM flops of a FISTA solve from {@code start}. */
  public static double fista(int h, int p, int penalised, int kept, Start start, History hist) {
    return fista(h, p, penalised, kept, penalised, start, hist);
  }

  /**
   * The same for a screened problem (p columns, {@code penalised} of them penalised) whose kept
   * fraction counts against the whole problem's {@code base} penalised columns.
   */
  static double fista(int h, int p, int penalised, int kept, int base, Start start, History hist) {
    int s = kept + (p - penalised);
    double f = base == 0 ? 1 : kept / (double) base;
    return IterationCounts.fista(f, start, hist) * fistaIteration(h, p, Math.max(1, s));
  }

  /**
   * Predicted GEMM flops of a BCD solve (its start unknown; the working set starts at the warm start and
   * grows by max(16, w)).
   */
  public static double bcd(int h, int p, int penalised, int kept, History hist) {
    return bcd(h, p, penalised, kept, penalised, Start.UNKNOWN, hist);
  }

  /** Predicted GEMM flops of a BCD solve from {@code start}. */
  public static double bcd(int h, int p, int penalised, int kept, Start start, History hist) {
    return bcd(h, p, penalised, kept, penalised, start, hist);
  }

  static double bcd(int h, int p, int penalised, int kept, int base, Start start, History hist) {
    int s = kept + (p - penalised);
    double f = base == 0 ? 1 : kept / (double) base;
    int w = bcdWorkingSet(p, s);
    return IterationCounts.bcd(f, start, hist) * bcdSweep(h, p, w);
  }

  /**
   * The sweeps of BCD's probe ({@link BcdProbe}) at this warm start, 0 for none: FISTA's count measured
   * on the path, BCD predicted dearer but within {@value #PROBE_BAND}x; the sweeps that cost
   * {@value #PROBE_SHARE} of FISTA's predicted solve, at least the {@value BcdProbe#RATE_SWEEPS} a rate
   * needs, and those only where they cost at most {@value #PROBE_MAX_SHARE} of it. Where BCD is predicted the cheaper, it runs
   * unwatched: probes there handed BCD over to FISTA too early (its rate speeds up once the support
   * settles; demo fc2 and synthetic h 100, p 301 at 25% kept: 1.2-2.6x slower than BCD alone), and the
   * model's choice of BCD was right in every cell of the grid.
   */
  public static int probeSweeps(int h, int p, int penalised, int kept, int base, Start start, History hist) {
    if (!hist.hasFista()) {
      return 0;
    }
    double f = fista(h, p, penalised, kept, base, start, hist);
    double b = bcd(h, p, penalised, kept, base, start, hist);
    if (b <= f || b > PROBE_BAND * f) {
      return 0;
    }
    int s = kept + (p - penalised);
    int w = bcdWorkingSet(p, s);
    double sweep = bcdSweep(h, p, w);
    double sweeps = Math.floor(PROBE_SHARE * f / sweep);
    if (sweeps >= BcdProbe.RATE_SWEEPS) {
      return (int) Math.min(sweeps, 1 << 20);
    }
    return BcdProbe.RATE_SWEEPS * sweep <= PROBE_MAX_SHARE * f ? BcdProbe.RATE_SWEEPS : 0;
  }

  /** The cheaper method by the model (the solve's start unknown). */
  public static GroupLassoSolver.Method choose(int h, int p, int penalised, int kept, History hist) {
    return choose(h, p, penalised, kept, Start.UNKNOWN, hist);
  }

  /** The cheaper method by the model for a solve from {@code start}. */
  public static GroupLassoSolver.Method choose(int h, int p, int penalised, int kept, Start start, History hist) {
    return choose(h, p, penalised, kept, penalised, start, hist);
  }

  static GroupLassoSolver.Method choose(int h, int p, int penalised, int kept, int base, Start start, History hist) {
    double keptFraction = base == 0 ? 1 : kept / (double) base;
    return choose(h, p, penalised, kept, base, start, hist, keptFraction <= PROBE_KEPT ? EXPLORE : EXPLORE_LATE);
  }

  /**
   * The choice by the previous trial rule (the unmeasured method tried whenever predicted within 2x,
   * wherever on the path), for {@code FistaBenchmark --grid}'s comparison.
   */
  public static GroupLassoSolver.Method choosePreviousTrialRule(int h, int p, int penalised, int kept, Start start,
      History hist) {
    return choose(h, p, penalised, kept, penalised, start, hist, 2);
  }

  private static GroupLassoSolver.Method choose(int h, int p, int penalised, int kept, int base, Start start,
      History hist, double band) {
    double f = fista(h, p, penalised, kept, base, start, hist);
    double b = bcd(h, p, penalised, kept, base, start, hist);
    if (hist.hasFista() != hist.hasBcd() && Math.max(f, b) <= band * Math.min(f, b)) {
      // one count measured, the other only converted, and not far apart: measure the other once
      return hist.hasFista() ? GroupLassoSolver.Method.BCD : GroupLassoSolver.Method.FISTA;
    }
    return f <= b ? GroupLassoSolver.Method.FISTA : GroupLassoSolver.Method.BCD;
  }
}
