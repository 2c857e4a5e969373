package io.nncompress.bench;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.FistaGroupLasso;
import io.nncompress.lnr.GroupLassoBcd;
import io.nncompress.lnr.GroupLassoMethod;
import io.nncompress.lnr.GroupLassoProblem;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.lnr.IterationCounts;
import io.nncompress.lnr.IterationCounts.History;
import io.nncompress.lnr.IterationCounts.Start;
import io.nncompress.lnr.LnrResult;
import io.nncompress.lnr.SolverCost;
import java.util.Map;
import java.util.Random;

/**
 * {@code FistaBenchmark --grid}: FISTA against BCD over h x p x kept fraction, as the lambda path
 * meets them, and the choice of {@link GroupLassoSolver} AUTO (cost model) in each cell.
 *
 * <p>A cell (h, p, f): a synthetic layer (R of {@link #reluAutocorrelation} synthetic ReLU activations,
 * or with {@code --grid-data gauss} of {@link FistaBenchmark#correlatedAutocorrelation}, d = p - 1, W
 * random h x d, a bias); the path is walked as the lambda search walks it (lambda_max * 0.7^i, each
 * solve warm-started from the previous one by AUTO, the iteration counts accumulated in the history)
 * until a solve keeps round(f (p - 1)) inputs or more: that last step is the cell (one walk per layer
 * serves all its kept fractions). Timed from its warm start at its lambda: FISTA and BCD to the
 * tolerance, in interleaved rounds; the rule's choice (and the old fixed rule's) from the same warm
 * start and history; "ok" when the chosen one is within 20% of the faster by the wall clock. Printed
 * per cell: seconds, iterations and milliseconds per iteration of each, BCD's CPU time over FISTA's,
 * the model's predicted iterations, per-iteration and total BCD / FISTA ratios, and the history; at
 * the end the cells within 20% and the summed seconds of the model's choice against the faster method's.
 * {@code --demo} adds cells on the demo's LeNet-300-100 layers ({@link DemoLayers}).
 *
 * <p>Why ReLU activations: on the correlated Gaussian inputs BCD needed 0.2-0.4 sweeps per FISTA
 * iteration at 81% kept, on the demo's trained layers 2.2-5.5; on these synthetic activations
 * (nonnegative, mean of the order of the spread, a decaying spectrum) 1.3-3.5, like the real ones.
 */
final class SolverGrid {
  private SolverGrid() {
  }

  static void run(int[] hs, int[] ps, double[] kept, double tol, long seed, double maxFlops, String demo,
      int images) throws Exception {
    System.out.printf("%n== solver grid: tolerance %g, cells with 2 h p^2 <= %.2g flops (--grid-max-flops), load %s "
        + "(/proc/loadavg: 1, 5, 15 min)%n", tol, maxFlops, loadAverages());
    // JIT warm-up of both solvers (both BCD paths) on small problems, unprinted: tens of thousands of
    // iterations, so that the first cells (h 10, p 101: milliseconds) do not time code still being compiled
    // (3 solves were too few: FISTA's ms per iteration halved over the first four cells)
    for (int[] hd : new int[][] {{10, 100}, {100, 300}}) {
      GroupLassoProblem warmUp = synthetic(hd[0], hd[1], seed);
      for (int rep = 0; rep < 20; rep++) {
        for (double ratio : new double[] {0.5, 0.2, 0.05}) {
          new FistaGroupLasso().tolerance(tol).solve(warmUp, ratio * warmUp.lambdaMax(), null);
          new GroupLassoBcd().tolerance(tol).solve(warmUp, ratio * warmUp.lambdaMax(), null);
          new GroupLassoBcd().tolerance(tol).serialCalls(false).solve(warmUp, ratio * warmUp.lambdaMax(), null);
        }
      }
    }
    header();
    int ok = 0;
    int cells = 0;
    int old = 0;
    int prev = 0;
    int noProbe = 0;
    for (int h : "demo".equals(only) ? new int[0] : hs) {
      for (int p : ps) {
        if (2.0 * h * p * p > maxFlops) {
          System.out.printf("%6d %6d  (skipped: 2 h p^2 = %.2g flops > --grid-max-flops)%n", h, p, 2.0 * h * p * p);
          continue;
        }
        int[] r = cells("synthetic", synthetic(h, p - 1, seed), kept, tol);
        ok += r[0];
        cells += r[1];
        old += r[2];
        prev += r[3];
        noProbe += r[4];
      }
    }
    if (demo != null && !"synthetic".equals(only)) {
      java.util.List<String> names = java.util.Arrays.asList(demo.split(","));
      Map<String, GroupLassoProblem> layers = DemoLayers.load(java.nio.file.Path.of("."),
          io.nncompress.data.LabeledImages.FASHION_MNIST_DIR, images);
      for (Map.Entry<String, GroupLassoProblem> e : layers.entrySet()) {
        if (!names.contains(e.getKey())) {
          continue;
        }
        int[] r = cells("demo " + e.getKey(), e.getValue(), kept, tol);
        ok += r[0];
        cells += r[1];
        old += r[2];
        prev += r[3];
        noProbe += r[4];
      }
    }
    System.out.printf("%nload at the end %s; the cost model with the previous trial rule (within 2x anywhere): %d of %d "
        + "cells%n", loadAverages(), prev, cells);
    System.out.printf("AUTO with the BCD probe (GroupLassoSolver.probe(true), off by default): %d of %d cells%n", ok,
        cells);
    System.out.printf("within 20%%: %d of %d cells (old rule: %d of %d)%n", noProbe, cells, old, cells);
    System.out.printf("summed seconds of the cells: the model's choice %.3f, the faster per cell %.3f (%.3fx), FISTA in every "
        + "cell %.3f, BCD in every cell %.3f, the old rule %.3f%n", sums[0], sums[1], sums[0] / sums[1], sums[2], sums[3], sums[4]);
  }

  /** Summed over the cells: seconds of {the model's choice, the faster, FISTA, BCD, the old rule's choice}. */
  private static final double[] sums = new double[5];

  /** The 1, 5 and 15 minute load averages of /proc/loadavg, e.g. "3.10 2.80 2.50" ("?" where there is none). */
  static String loadAverages() {
    try {
      String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (java.io.IOException | RuntimeException e) {
      return "?";
    }
  }

  // the 1 minute load average, NaN where there is none
  private static double load1() {
    try {
      return Double.parseDouble(loadAverages().split(" ")[0]);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }

  private static void header() {
    System.out.printf("%-10s %6s %6s %6s %6s | %8s %6s %7s | %8s %6s %7s | %7s | %6s %6s %6s %6s | %-6s %-6s %-12s %-6s | %8s %-16s %-12s | %-11s | %s%n",
        "data", "h", "p", "kept%", "kept", "FISTA s", "iter", "ms/it", "BCD s", "sweeps", "ms/sw", "B/F cpu", "F it", "B sw",
        "B/F it", "B/F", "model", "fixed", "model ok", "prev", "AUTO s", "probe->method it", "AUTO ok", "rounds load", "history (count@kept fraction of its warm start)"
        + (bcdBefore ? " | BCD before s, before/after" : ""));
  }

  /** Which synthetic inputs: "relu" (a hidden layer's activations, the default) or "gauss" (the earlier data). */
  static String data = "relu";
  /**
   * Also time BCD with its small calls through the BLAS in use (before issue 18's single-threaded calls),
   * at h below {@link GroupLassoBcd#SERIAL_MAX_ROWS} (above, the two are the same code).
   */
  static boolean bcdBefore = false;
  /**
   * The bias column in the solvers' iterations (before its elimination), instead of the problem the
   * solver iterates on ({@link GroupLassoProblem#eliminated}).
   */
  static boolean whole = false;

  /** What the cells, walks and counts solve: the problem as {@link GroupLassoSolver} iterates on it, or whole. */
  static GroupLassoProblem iterated(GroupLassoProblem problem) {
    return whole ? problem : problem.eliminated();
  }

  /** "demo" or "synthetic": only those cells; null: all. */
  static String only = null;

  static GroupLassoProblem synthetic(int h, int d, long seed) {
    DenseMatrix r = data.equals("gauss") ? FistaBenchmark.correlatedAutocorrelation(d, Math.max(2 * d, 200), seed)
        : reluAutocorrelation(d, Math.max(4 * d, 2000), seed);
    DenseMatrix w = new DenseMatrix(h, d);
    Random rnd = new Random(seed + 1);
    for (int k = 0; k < w.data.length; k++) {
      w.data[k] = rnd.nextGaussian() / Math.sqrt(d);
    }
    double[] bias = new double[h];
    for (int i = 0; i < h; i++) {
      bias[i] = 0.1 * rnd.nextGaussian();
    }
    return GroupLassoProblem.forLayer(w, bias, r);
  }

  /**
   * The cells of one problem, one per kept fraction (ascending): the path is walked once (a separate
   * walk per fraction would solve the same steps again); {ok by AUTO (the model with the probe), cells, ok by the
   * old rule, ok by the cost model with the previous trial rule, ok by the model without the probe}.
   */
  private static int[] cells(String data, GroupLassoProblem given, double[] kept, double tol) {
    GroupLassoProblem problem = SolverGrid.iterated(given);
    double[] fs = kept.clone();
    java.util.Arrays.sort(fs);
    GroupLassoSolver auto = GroupLassoSolver.defaults().tolerance(tol).debias(false);
    DenseMatrix warm = problem.unpenalisedOptimum();
    History h2 = History.NONE;
    double lambda = problem.lambdaMax();
    int[] out = new int[5];
    int next = 0;
    for (int step = 0; step < 80 && next < fs.length; step++) {
      double from = lambda;
      lambda *= 0.7;
      Start start = Start.of(from, lambda, tol * problem.kktScale(lambda));
      long t = System.nanoTime();
      LnrResult r = auto.lasso(problem, lambda, warm, h2.from(from));
      double s = (System.nanoTime() - t) * 1e-9;
      // every target this step reaches has it as its cell: lambda, from warm with history h2
      while (next < fs.length && r.keptGroupCount() >= Math.max(1, (int) Math.round(fs[next] * problem.groupCount()))) {
        int ok = cell(data, problem, fs[next], lambda, warm, start, h2.from(from), tol);
        out[0] += ok & 1;
        out[2] += (ok >> 1) & 1;
        out[3] += (ok >> 2) & 1;
        out[4] += (ok >> 3) & 1;
        out[1]++;
        next++;
      }
      int before = GroupLassoSolverAccess.kept(problem, warm);
      h2 = r.iterations > 0 ? h2.after(r.method, r.iterations, before / (double) problem.penalisedCount(), start) : h2;
      warm = r.lassoMatrix;
    }
    return out;
  }

  /**
   * Bias-augmented R of synthetic hidden-layer activations, x = max(0, z), z = F g + s e + b: 16 shared
   * factors g (F of decaying scale, so the spectrum decays as a trained layer's does), independent noise
   * of scale s in [0.05, 0.5], per-unit offsets b ~ N(-0.2, 0.5) (some units rarely active): nonnegative
   * inputs with a mean of the order of their spread, like the ReLU outputs a dense layer reads.
   */
  static DenseMatrix reluAutocorrelation(int d, int n, long seed) {
    Random rnd = new Random(seed);
    int k = 16;
    double[] f = new double[k * d];
    for (int q = 0; q < k; q++) {
      double scale = 1.0 / Math.sqrt(1 + q);
      for (int j = 0; j < d; j++) {
        f[q + j * k] = scale * rnd.nextGaussian();
      }
    }
    double[] s = new double[d];
    double[] b = new double[d];
    for (int j = 0; j < d; j++) {
      s[j] = 0.05 * Math.exp(Math.log(10) * rnd.nextDouble());
      b[j] = -0.2 + 0.5 * rnd.nextGaussian();
    }
    DenseMatrix x = new DenseMatrix(n, d + 1);
    double[] g = new double[k];
    for (int i = 0; i < n; i++) {
      for (int q = 0; q < k; q++) {
        g[q] = rnd.nextGaussian();
      }
      for (int j = 0; j < d; j++) {
        double z = b[j] + s[j] * rnd.nextGaussian();
        for (int q = 0; q < k; q++) {
          z += f[q + j * k] * g[q];
        }
        x.data[i + j * n] = Math.max(0, z);
      }
      x.data[i + d * n] = 1.0; // the constant input
    }
    DenseMatrix r = new DenseMatrix(d + 1, d + 1);
    DenseMatrix.gemm(1.0 / n, x, true, x, false, 0.0, r); // R = X~^T X~ / n
    return r;
  }

  /**
   * One cell: bit 0 set when AUTO is within 20% of the faster method, bit 1 the old rule's choice, bit 2
   * the previous trial rule's ({@link SolverCost#choosePreviousTrialRule}), bit 3 the model's choice
   * without the probe. Where AUTO probes BCD ({@link SolverCost#probeSweeps}) its solve (probe, then BCD
   * or FISTA) is timed in the same rounds; elsewhere it runs the model's choice, whose time it gets.
   */
  private static int cell(String data, GroupLassoProblem problem, double f, double lambda, DenseMatrix warm,
      Start start, History h2, double tol) {
    int h = problem.outputs();
    int p = problem.inputs();
    GroupLassoSolver.Method model = GroupLassoSolver.choose(problem, lambda, warm, start, h2);
    GroupLassoSolver.Method fixed = GroupLassoSolver.chooseFixed(problem, lambda, warm);
    double load0 = load1();
    int kept0 = GroupLassoSolverAccess.kept(problem, warm);
    int probe = SolverCost.probeSweeps(h, p, problem.penalisedCount(), kept0, problem.penalisedCount(), start, h2);
    GroupLassoSolver autoSolver = GroupLassoSolver.defaults().tolerance(tol).debias(false).probe(true);
    GroupLassoMethod auto = probe == 0 ? null : new GroupLassoMethod() {
      @Override
      public LnrResult solve(GroupLassoProblem pr, double l, DenseMatrix w) {
        return autoSolver.lasso(pr, l, w, h2);
      }

      @Override
      public double tolerance() {
        return tol;
      }
    };
    double[][] t = timed(problem, lambda, warm, tol, auto);
    double[] fr = t[0];
    double[] br = t[1];
    String rounds = String.format("%d %.0f-%.0f", (int) fr[4], Math.min(load0, load1()), Math.max(load0, load1()));
    String before = t[2] != null ? String.format(" | %.4f %.2f", t[2][0], t[2][0] / br[0]) : "";
    double best = Math.min(fr[0], br[0]);
    double chosen = model == GroupLassoSolver.Method.FISTA ? fr[0] : br[0];
    double autoTime = t[3] != null ? t[3][0] : chosen;
    String autoWhat = t[3] == null ? "-" : String.format("%d->%s %.0f", probe, t[3][5] > 0 ? "fista" : "bcd", t[3][1]);
    double old = fixed == GroupLassoSolver.Method.FISTA ? fr[0] : br[0];
    GroupLassoSolver.Method previous = SolverCost.choosePreviousTrialRule(h, p, problem.penalisedCount(), kept0, start, h2);
    double prevTime = previous == GroupLassoSolver.Method.FISTA ? fr[0] : br[0];
    double[] secs = {chosen, best, fr[0], br[0], old};
    for (int q = 0; q < secs.length; q++) {
      sums[q] += secs[q];
    }
    boolean ok = autoTime <= 1.2 * best;
    boolean modelOk = chosen <= 1.2 * best;
    int kept = GroupLassoSolverAccess.kept(problem, warm);
    int pen = problem.penalisedCount();
    double fIt = IterationCounts.fista(kept / (double) pen, start, h2);
    double bIt = IterationCounts.bcd(kept / (double) pen, start, h2);
    double fWork = SolverCost.fista(h, p, pen, kept, start, h2) / fIt;
    double bWork = SolverCost.bcd(h, p, pen, kept, start, h2) / bIt;
    System.out.printf("%-10s %6d %6d %6.0f %6d | %8.4f %6.0f %7.3f | %8.4f %6.0f %7.3f | %7s | %6.0f %6.0f %6.2f %6.2f | %-6s %-6s %-12s %-6s | %8.4f %-16s %-12s | %-11s | x %.3g hist F %d@%.2f x %.3g B %d@%.2f x %.3g%s%n",
        data, h, p, 100 * f, kept, fr[0], fr[1], 1e3 * fr[0] / Math.max(1, fr[1]), br[0], br[1], 1e3 * br[0] / Math.max(1, br[1]),
        Math.min(br[3], fr[3]) >= 0.05 ? String.format("%.2f", br[3] / fr[3]) : "-", fIt, bIt, bWork / fWork, bIt * bWork / (fIt * fWork), model, fixed,
        modelOk ? "ok" : String.format("NO (%.1fx)", chosen / best), previous == model ? "same" : previous, autoTime, autoWhat,
        ok ? "ok" : String.format("NO (%.1fx)", autoTime / best), rounds, start.x, h2.fistaIterations, h2.fistaKept, h2.fistaStart.x,
        h2.bcdSweeps, h2.bcdKept, h2.bcdStart.x, before);
    if (!ok) { // why: every round's seconds
      System.out.printf("%-10s   rounds (s): FISTA %s; BCD %s%s%n", "", InterleavedRounds.roundTimes(fr), InterleavedRounds.roundTimes(br),
          t[3] != null ? "; AUTO " + InterleavedRounds.roundTimes(t[3]) : "");
    }
    return (ok ? 1 : 0) | (old <= 1.2 * best ? 2 : 0) | (prevTime <= 1.2 * best ? 4 : 0) | (modelOk ? 8 : 0);
  }

  /** The penalised columns a warm start keeps. */
  private static final class GroupLassoSolverAccess {
    static int kept(GroupLassoProblem problem, DenseMatrix warm) {
      int n = 0;
      for (int j : GroupLassoProblem.nonzeroColumns(warm)) {
        n += problem.isPenalised(j) ? 1 : 0;
      }
      return n;
    }
  }

  /**
   * {@link InterleavedRounds} of FISTA, of BCD (and with {@link #bcdBefore} of BCD with its small calls
   * through the BLAS in use, and of AUTO with the probe when given) from the same warm start:
   * {FISTA, BCD, BCD before or null, AUTO or null}.
   */
  private static double[][] timed(GroupLassoProblem problem, double lambda, DenseMatrix warm, double tol,
      GroupLassoMethod auto) {
    // from SERIAL_MAX_ROWS outputs BCD runs the path before anyway: nothing to compare
    boolean withBefore = bcdBefore && problem.outputs() < GroupLassoBcd.SERIAL_MAX_ROWS;
    java.util.List<GroupLassoMethod> list = new java.util.ArrayList<>(java.util.List.of(
        new FistaGroupLasso().tolerance(tol), new GroupLassoBcd().tolerance(tol)));
    if (withBefore) {
      list.add(new GroupLassoBcd().tolerance(tol).serialCalls(false));
    }
    if (auto != null) {
      list.add(auto);
    }
    double[][] out = InterleavedRounds.time(list.toArray(new GroupLassoMethod[0]), problem, lambda, warm);
    return new double[][] {out[0], out[1], withBefore ? out[2] : null, auto != null ? out[out.length - 1] : null};
  }
}
