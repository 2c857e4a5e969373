package io.nncompress.lnr;

import io.nncompress.linalg.DenseMatrix;
import java.util.Arrays;

/**
 * The outcome of one group-lasso solve at a fixed lambda, optionally debiased.
 *
 * <p>{@link #keptColumns} are the penalised input columns whose lasso column is nonzero (the input
 * neurons that survive); unpenalised columns (e.g. the bias) are always part of the model and listed
 * separately by {@link #support()}. With column groups ({@link GroupLassoProblem#withColumnGroups(int[])})
 * a group is kept when any of its columns is nonzero, {@link #keptGroups} lists the kept groups and
 * {@link #keptColumns} all columns of the kept groups. Without groups every penalised column is its
 * own group, numbered in column order among the penalised columns.
 */
public final class LnrResult {
  /** Which solver produced the lasso solution ("fista", "bcd"). */
  public final String method;
  public final double lambda;
  /** Kept penalised columns (with groups: every column of a kept group), ascending. */
  public final int[] keptColumns;
  /** Kept groups, ascending group ids (without groups: ranks of the kept columns among the penalised). */
  public final int[] keptGroups;
  /** The columns used by the model: kept plus unpenalised, ascending. */
  private final int[] support;
  /** The group-lasso solution, h x p, zero columns included. */
  public final DenseMatrix lassoMatrix;
  /** The reconstruction to use: the debiased matrix when debiased, else the lasso matrix. */
  public final DenseMatrix matrix;
  /** Iterations of the solver (FISTA: gradient steps = GEMMs; BCD: sweeps over the working set). */
  public final int iterations;
  public final boolean converged;
  /** Relative KKT residual of the lasso solution (see {@link Kkt}). */
  public final double kktResidual;
  /** E||Y - M X||^2 / E||Y||^2 of the lasso solution (NaN when E||Y||^2 is unknown). */
  public final double relativeErrorLasso;
  /** The same after debiasing (NaN when not debiased). */
  public final double relativeErrorDebiased;
  public final boolean debiased;
  /** Whether debiasing needed the pseudo-inverse because R_SS was singular or ill-conditioned. */
  public final boolean debiasFallback;

  LnrResult(String method, double lambda, int[] keptColumns, int[] keptGroups, int[] support, DenseMatrix lassoMatrix,
      DenseMatrix matrix, int iterations, boolean converged, double kktResidual, double relativeErrorLasso,
      double relativeErrorDebiased, boolean debiased, boolean debiasFallback) {
    this.method = method;
    this.lambda = lambda;
    this.keptColumns = keptColumns;
    this.keptGroups = keptGroups;
    this.support = support;
    this.lassoMatrix = lassoMatrix;
    this.matrix = matrix;
    this.iterations = iterations;
    this.converged = converged;
    this.kktResidual = kktResidual;
    this.relativeErrorLasso = relativeErrorLasso;
    this.relativeErrorDebiased = relativeErrorDebiased;
    this.debiased = debiased;
    this.debiasFallback = debiasFallback;
  }

  /** A lasso result before debiasing: kept columns and relative error are derived from M. */
  static LnrResult ofLasso(String method, GroupLassoProblem problem, double lambda, DenseMatrix m, DenseMatrix mr,
      int iterations, boolean converged, double kktResidual) {
    int[] nz = GroupLassoProblem.nonzeroColumns(m);
    int[] kept = Arrays.stream(nz).filter(problem::isPenalised).toArray();
    int[] groups = problem.groupsOfColumns(kept);
    if (problem.hasColumnGroups()) { // every column of a kept group
      kept = Arrays.stream(groups).flatMap(g -> Arrays.stream(problem.groupColumnsUnsafe(g))).sorted().toArray();
    }
    int[] support = supportOf(problem, kept);
    double e = mr == null ? problem.squaredError(m) : problem.squaredError(m, mr);
    double rel = problem.yy > 0 ? e / problem.yy : (e == 0 ? 0.0 : Double.NaN);
    return new LnrResult(method, lambda, kept, groups, support, m, m, iterations, converged, kktResidual, rel,
        Double.NaN, false, false);
  }

  static int[] supportOf(GroupLassoProblem problem, int[] kept) {
    int[] u = problem.unpenalisedColumns();
    int[] s = Arrays.copyOf(kept, kept.length + u.length);
    System.arraycopy(u, 0, s, kept.length, u.length);
    Arrays.sort(s);
    return s;
  }

  /** This result with the debiased matrix attached. */
  LnrResult withDebiased(DenseMatrix debiasedMatrix, double relativeError, boolean fallback) {
    return new LnrResult(method, lambda, keptColumns, keptGroups, support, lassoMatrix, debiasedMatrix, iterations,
        converged, kktResidual, relativeErrorLasso, relativeError, true, fallback);
  }

  /** Number of kept columns. */
  public int keptCount() {
    return keptColumns.length;
  }

  /** Number of kept groups (= kept columns without groups). */
  public int keptGroupCount() {
    return keptGroups.length;
  }

  /** Kept plus unpenalised columns, ascending. */
  public int[] support() {
    return support.clone();
  }

  /** The relative error of {@link #matrix}: debiased when available. */
  public double relativeError() {
    return debiased ? relativeErrorDebiased : relativeErrorLasso;
  }

  @Override
  public String toString() {
    return String.format("LnrResult[%s lambda=%.4g kept=%d groups=%d iter=%d converged=%s kkt=%.2e relErr=%.4g%s%s]",
        method, lambda, keptColumns.length, keptGroups.length, iterations, converged, kktResidual, relativeErrorLasso,
        debiased ? String.format(" debiased=%.4g", relativeErrorDebiased) : "", debiasFallback ? " (pinv fallback)" : "");
  }
}
