package io.nncompress.lnr;

import io.nncompress.linalg.DenseMatrix;

/**
 * A measured choice between BCD and FISTA (issue 18): where {@link SolverCost}'s two predictions are
 * close ({@link SolverCost#PROBE_BAND}), AUTO starts with BCD for a budget of sweeps costing at most
 * {@link SolverCost#PROBE_SHARE} of FISTA's predicted solve (at least the {@value #RATE_SWEEPS} sweeps a
 * rate needs, up to {@link SolverCost#PROBE_MAX_SHARE}), reads BCD's convergence rate from the
 * KKT residual over its working set after each sweep, extrapolates the sweeps it still needs (geometric
 * rate) and then either lets BCD finish or stops it and hands its iterate to FISTA as the warm start,
 * whichever is predicted cheaper from there (between the checks, as soon as BCD's remaining sweeps
 * are predicted to cost over {@value #HOPELESS} times FISTA's solve). BCD decreases the objective at every step, so its iterate
 * is a valid warm start: the probe's work is not lost. BCD continued is checked again when its sweep
 * count doubles (at 2, 4, 8 ... times the budget), so an extrapolation that was too hopeful still hands
 * over.
 *
 * <p>The rate: with r_k the residual after sweep k of the current working set (W changes when the
 * gradient is refreshed, so the sequence restarts there), rho = (r_k / r_{k-m})^(1/m) over the later half
 * of the round's sweeps (m = n / 2 of its n sweeps); the sweeps still needed for the round's target t,
 * log(t / r_k) / log(rho) (none when r_k is already below, unbounded when rho >= 1). Before a round has
 * {@value #RATE_SWEEPS} sweeps the previous round's rate is used (the first sweeps after the working set
 * grew move its new columns: on a synthetic h 100, p 301 layer a rate read over 3 sweeps of a new round
 * handed a 100-sweep BCD solve over to FISTA after 28, 2.6x slower); without one the check waits.
 *
 * <p>Used once per solve (it keeps the residuals and the iterate where BCD stopped); not thread-safe.
 */
final class BcdProbe {
  /** BCD's remaining sweeps are taken when they cost at most this share of FISTA's predicted solve. */
  static final double CONTINUE = 0.8;
  /**
   * Before the budget is spent, BCD hands over as soon as its remaining sweeps are predicted to cost more
   * than this times FISTA's solve (the probe is then mostly spared where FISTA is clearly the faster).
   */
  static final double HOPELESS = 1.5;

  private final int budget;
  private final double fistaCost;
  private final int h;
  private final int p;
  private int nextCheck;
  private final double[] round = new double[SWEEPS_CAP];
  private int n;
  private double lastRate = Double.NaN;
  private double extrapolated = Double.NaN;
  private DenseMatrix stoppedAt;
  private int stoppedSweeps;

  /** Residuals kept per round: at most the sweeps of one round of {@link GroupLassoBcd}. */
  private static final int SWEEPS_CAP = 64;

  /**
   * A probe of at least {@code budget} sweeps of a problem with h outputs and p inputs, against FISTA's
   * predicted cost (GEMM flops, {@link SolverCost#fista}).
   */
  BcdProbe(int budget, double fistaCost, int h, int p) {
    if (budget < 1) {
      throw new IllegalArgumentException("probe budget must be at least 1 sweep, cannot be: " + budget);
    }
    this.budget = budget;
    this.fistaCost = fistaCost;
    this.h = h;
    this.p = p;
    this.nextCheck = budget;
  }

  /** Sweeps of a round from which its rate is read (the first sweeps after W grew move the new columns). */
  static final int RATE_SWEEPS = 4;

  /** BCD refreshed its gradient and starts a new round over a new working set. */
  void newRound() {
    if (n >= RATE_SWEEPS) {
      lastRate = rate();
    }
    n = 0;
  }

  /**
   * After sweep {@code sweeps} (counted over the whole solve) over a working set of w columns, whose
   * residual is {@code residual} against the round's target {@code target}: true when BCD should stop
   * here and hand over to FISTA.
   */
  boolean stopAfter(int sweeps, int w, double residual, double target) {
    if (n < SWEEPS_CAP) {
      round[n++] = residual;
    }
    if (sweeps < nextCheck) {
      if (n >= RATE_SWEEPS) { // between the checks: hand over only where BCD is hopeless
        double early = remainingSweeps(residual, target);
        if (early * SolverCost.bcdSweep(h, p, w) > HOPELESS * fistaCost) {
          extrapolated = sweeps + early;
          return true;
        }
      }
      return false;
    }
    if (n < RATE_SWEEPS && Double.isNaN(lastRate)) {
      nextCheck = sweeps + 1; // no rate yet: decide at the next sweep
      return false;
    }
    nextCheck = 2 * sweeps;
    double remaining = remainingSweeps(residual, target);
    extrapolated = sweeps + remaining;
    return !(remaining * SolverCost.bcdSweep(h, p, w) <= CONTINUE * fistaCost);
  }

  /** BCD stopped here after {@code sweeps}: its iterate goes to FISTA. */
  void stopped(DenseMatrix m, int sweeps) {
    this.stoppedAt = m;
    this.stoppedSweeps = sweeps;
  }

  /** The sweeps still needed from residual r to the target t at the measured rate (see class comment). */
  double remainingSweeps(double r, double t) {
    if (r <= t) {
      return 0;
    }
    double rho = n >= RATE_SWEEPS ? rate() : lastRate;
    if (!(rho < 1) || !(rho > 0)) {
      return Double.POSITIVE_INFINITY;
    }
    return Math.log(t / r) / Math.log(rho);
  }

  /** The geometric rate over the later half of the current round's sweeps. */
  double rate() {
    int m = Math.max(1, n / 2);
    double a = round[n - 1 - m];
    double b = round[n - 1];
    if (!(a > 0)) {
      return 0;
    }
    return Math.pow(b / a, 1.0 / m);
  }

  int budget() {
    return budget;
  }

  /** BCD's total sweeps as extrapolated at the last check (NaN before one). */
  double extrapolatedSweeps() {
    return extrapolated;
  }

  /** Where BCD stopped (null when it ran to convergence). */
  DenseMatrix stoppedAt() {
    return stoppedAt;
  }

  int stoppedSweeps() {
    return stoppedSweeps;
  }
}
