package io.nncompress.bench;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.GroupLassoProblem;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.lnr.IterationCounts.History;
import io.nncompress.lnr.IterationCounts.Start;
import io.nncompress.lnr.LnrResult;
import io.nncompress.lnr.SolverCost;
import java.util.Map;

/**
 * {@code FistaBenchmark --grid-walks}: the grid's path walks ({@link SolverGrid}: lambda_max x 0.7^i,
 * warm starts, the cost model's choice with the path's history) under the trial rule of
 * {@link SolverCost} and under the previous one ({@link SolverCost#choosePreviousTrialRule}): per step
 * the warm start's kept fraction, the method, its seconds, "(trial)" where the model ran the method the
 * path had not run yet although predicted dearer, and [brackets] around the steps that are grid cells;
 * per walk the total seconds and the trials' seconds.
 */
final class TrialWalks {
  private TrialWalks() {
  }

  static void run(int[] hs, int[] ps, double[] kept, double tol, long seed, double maxFlops, String demo,
      int images) throws Exception {
    System.out.printf("%n== trial walks: tolerance %g, load %s%n", tol, SolverGrid.loadAverages());
    double[] fs = kept.clone();
    java.util.Arrays.sort(fs);
    for (int rep = 0; rep < 20; rep++) { // JIT warm-up
      GroupLassoProblem w = SolverGrid.synthetic(10, 100, seed);
      GroupLassoSolver.defaults().tolerance(tol).debias(false).lasso(w, 0.2 * w.lambdaMax(), null,
          History.NONE);
    }
    for (int h : "demo".equals(SolverGrid.only) ? new int[0] : hs) {
      for (int p : ps) {
        if (2.0 * h * p * p <= maxFlops) {
          GroupLassoProblem problem = SolverGrid.synthetic(h, p - 1, seed);
          walk("h " + h + ", p " + p, problem, false, fs, tol);
          walk("h " + h + ", p " + p, problem, true, fs, tol);
        }
      }
    }
    if (demo != null && !"synthetic".equals(SolverGrid.only)) {
      Map<String, GroupLassoProblem> layers = DemoLayers.load(java.nio.file.Path.of("."),
          io.nncompress.data.LabeledImages.FASHION_MNIST_DIR, images);
      for (String name : demo.split(",")) {
        if (layers.containsKey(name)) {
          walk("demo " + name, layers.get(name), false, fs, tol);
          walk("demo " + name, layers.get(name), true, fs, tol);
        }
      }
    }
    System.out.printf("load at the end %s%n", SolverGrid.loadAverages());
  }

  private static void walk(String name, GroupLassoProblem given, boolean previous, double[] fs, double tol) {
    GroupLassoProblem problem = SolverGrid.iterated(given);
    int h = problem.outputs();
    int p = problem.inputs();
    int pen = problem.penalisedCount();
    DenseMatrix warm = problem.unpenalisedOptimum();
    History hist = History.NONE;
    double lambda = problem.lambdaMax();
    StringBuilder steps = new StringBuilder();
    double total = 0;
    double trials = 0;
    int next = 0;
    for (int step = 0; step < 80 && next < fs.length; step++) {
      double from = lambda;
      lambda *= 0.7;
      Start start = Start.of(from, lambda, tol * problem.kktScale(lambda));
      int k0 = 0;
      for (int j : GroupLassoProblem.nonzeroColumns(warm)) {
        k0 += problem.isPenalised(j) ? 1 : 0;
      }
      GroupLassoSolver.Method m = previous ? SolverCost.choosePreviousTrialRule(h, p, pen, k0, start, hist)
          : SolverCost.choose(h, p, pen, k0, start, hist);
      boolean fista = m == GroupLassoSolver.Method.FISTA;
      boolean unmeasured = fista ? hist.fistaIterations < 0 && hist.bcdSweeps >= 0
          : hist.bcdSweeps < 0 && hist.fistaIterations >= 0;
      double f = SolverCost.fista(h, p, pen, k0, start, hist);
      double b = SolverCost.bcd(h, p, pen, k0, start, hist);
      boolean trial = unmeasured && (fista ? f > b : b > f);
      long t = System.nanoTime();
      LnrResult r = GroupLassoSolver.defaults().tolerance(tol).debias(false).method(m).lasso(problem, lambda, warm,
          hist.from(from));
      double s = (System.nanoTime() - t) * 1e-9;
      total += s;
      trials += trial ? s : 0;
      boolean cell = false;
      while (next < fs.length && r.keptGroupCount() >= Math.max(1, (int) Math.round(fs[next] * problem.groupCount()))) {
        cell = true;
        next++;
      }
      steps.append(String.format(" %s%.0f%%:%s%.3fs%s%s", cell ? "[" : "", 100.0 * k0 / pen, fista ? "F" : "B", s,
          trial ? "(trial)" : "", cell ? "]" : ""));
      hist = r.iterations > 0 ? hist.after(r.method, r.iterations, k0 / (double) pen, start) : hist;
      warm = r.lassoMatrix;
    }
    System.out.printf("%-22s %-8s total %.2f s, trials %.3f s:%s%n", name, previous ? "previous" : "new", total, trials,
        steps);
  }
}
