package io.nncompress.bench;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.FistaGroupLasso;
import io.nncompress.lnr.GroupLassoBcd;
import io.nncompress.lnr.GroupLassoMethod;
import io.nncompress.lnr.GroupLassoProblem;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.lnr.LnrResult;
import io.nncompress.lnr.SolverCost;
import java.util.Map;
import java.util.Random;

/**
 * {@code FistaBenchmark --grid}: FISTA against BCD over h x p x kept fraction, as the lambda path
 * meets them, and the choice of {@link GroupLassoSolver} AUTO (cost model) in each cell.
 *
 * <p>A cell (h, p, f): a synthetic layer (R from {@link FistaBenchmark#correlatedAutocorrelation}, d = p - 1,
 * W random h x d, a bias); the path is walked as the lambda search walks it (lambda_max * 0.7^i, each
 * solve warm-started from the previous one by AUTO, the iteration counts accumulated in the history)
 * until a solve keeps round(f (p - 1)) inputs or more: that last step is the cell. Timed from its warm
 * start at its lambda: FISTA and BCD to the tolerance; the rule's choice (and the old fixed rule's)
 * from the same warm start and history; "ok" when the chosen one is within 20% of the faster.
 * {@code --demo} adds cells on the demo's LeNet-300-100 layers ({@link DemoLayers}).
 */
final class SolverGrid {
  private SolverGrid() {
  }

  static void run(int[] hs, int[] ps, double[] kept, double tol, long seed, double maxFlops, String demo,
      int images) throws Exception {
    System.out.printf("%n== solver grid: tolerance %g, cells with 2 h p^2 <= %.2g flops%n", tol, maxFlops);
    // JIT warm-up of both solvers on a small problem, unprinted
    GroupLassoProblem warmUp = synthetic(50, 100, seed);
    for (int rep = 0; rep < 3; rep++) {
      new FistaGroupLasso().tolerance(tol).solve(warmUp, 0.2 * warmUp.lambdaMax(), null);
      new GroupLassoBcd().tolerance(tol).solve(warmUp, 0.2 * warmUp.lambdaMax(), null);
    }
    header();
    int ok = 0;
    int cells = 0;
    for (int h : hs) {
      for (int p : ps) {
        if (2.0 * h * p * p > maxFlops) {
          System.out.printf("%6d %6d  (skipped: 2 h p^2 = %.2g flops > --grid-max-flops)%n", h, p, 2.0 * h * p * p);
          continue;
        }
        GroupLassoProblem problem = synthetic(h, p - 1, seed);
        for (double f : kept) {
          ok += cell("synthetic", problem, f, tol) ? 1 : 0;
          cells++;
        }
      }
    }
    if (demo != null) {
      java.util.List<String> names = java.util.Arrays.asList(demo.split(","));
      Map<String, GroupLassoProblem> layers = DemoLayers.load(java.nio.file.Path.of("."),
          io.nncompress.data.LabeledImages.FASHION_MNIST_DIR, images);
      for (Map.Entry<String, GroupLassoProblem> e : layers.entrySet()) {
        if (!names.contains(e.getKey())) {
          continue;
        }
        for (double f : kept) {
          ok += cell("demo " + e.getKey(), e.getValue(), f, tol) ? 1 : 0;
          cells++;
        }
      }
    }
    System.out.printf("%nthe cost model's choice is within 20%% of the faster solver in %d of %d cells%n", ok, cells);
  }

  private static void header() {
    System.out.printf("%-10s %6s %6s %6s %6s | %8s %6s | %8s %6s | %-6s %-6s %s%n", "data", "h", "p", "kept%", "kept",
        "FISTA s", "iter", "BCD s", "sweeps", "model", "fixed", "model within 20% of the faster");
  }

  static GroupLassoProblem synthetic(int h, int d, long seed) {
    DenseMatrix r = FistaBenchmark.correlatedAutocorrelation(d, Math.max(2 * d, 200), seed);
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

  /** One cell; true when the model's choice is within 20% of the faster method. */
  private static boolean cell(String data, GroupLassoProblem problem, double f, double tol) {
    int h = problem.outputs();
    int p = problem.inputs();
    // walk the path as the lambda search does (grid ratio 0.7 from lambda_max, warm starts, AUTO with the
    // accumulated history) until the target count is reached; the cell is that last step
    int want = Math.max(1, (int) Math.round(f * problem.groupCount()));
    GroupLassoSolver auto = GroupLassoSolver.defaults().tolerance(tol).debias(false);
    double lmax = problem.lambdaMax();
    DenseMatrix warm = problem.unpenalisedOptimum();
    SolverCost.History h2 = SolverCost.History.NONE;
    double lambda = lmax;
    for (int step = 0; step < 60; step++) {
      lambda *= 0.7;
      LnrResult r = auto.lasso(problem, lambda, warm, h2);
      if (r.keptGroupCount() >= want) {
        break; // the cell: lambda, from warm with history h2
      }
      int before = GroupLassoSolverAccess.kept(problem, warm);
      h2 = r.iterations > 0 ? h2.after(r.method, r.iterations, before / (double) problem.penalisedCount()) : h2;
      warm = r.lassoMatrix;
    }
    GroupLassoSolver.Method model = GroupLassoSolver.choose(problem, lambda, warm, h2);
    GroupLassoSolver.Method fixed = GroupLassoSolver.chooseFixed(problem, lambda, warm);
    double[] fr = timed(new FistaGroupLasso().tolerance(tol), problem, lambda, warm);
    double[] br = timed(new GroupLassoBcd().tolerance(tol), problem, lambda, warm);
    double best = Math.min(fr[0], br[0]);
    double chosen = model == GroupLassoSolver.Method.FISTA ? fr[0] : br[0];
    boolean ok = chosen <= 1.2 * best;
    int kept = GroupLassoSolverAccess.kept(problem, warm);
    System.out.printf("%-10s %6d %6d %6.0f %6d | %8.3f %6.0f | %8.3f %6.0f | %-6s %-6s %-12s | history F %d B %d,"
        + " predicted BCD/FISTA %.2f%n", data, h, p, 100 * f, (int) fr[2], fr[0], fr[1], br[0], br[1], model, fixed,
        ok ? "ok" : String.format("NO (%.1fx)", chosen / best), h2.fistaIterations, h2.bcdSweeps,
        SolverCost.bcd(h, p, problem.penalisedCount(), kept, h2) / SolverCost.fista(h, p, problem.penalisedCount(), kept, h2));
    return ok;
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
   * {seconds, iterations, kept} of one solve: the best of up to 5 runs while they total under 0.5 s
   * (small cells take milliseconds: one run would measure the JIT and the machine's load).
   */
  private static double[] timed(GroupLassoMethod m, GroupLassoProblem problem, double lambda, DenseMatrix warm) {
    double best = Double.POSITIVE_INFINITY;
    double total = 0;
    LnrResult r = null;
    for (int rep = 0; rep < 5 && total < 0.5; rep++) {
      long t = System.nanoTime();
      r = m.solve(problem, lambda, warm);
      double s = (System.nanoTime() - t) * 1e-9;
      best = Math.min(best, s);
      total += s;
    }
    return new double[] {best, r.iterations, r.keptGroupCount()};
  }
}
