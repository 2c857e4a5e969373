package io.nncompress.bench;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.FistaGroupLasso;
import io.nncompress.lnr.GroupLassoBcd;
import io.nncompress.lnr.GroupLassoProblem;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.lnr.IterationCounts.History;
import io.nncompress.lnr.IterationCounts.Start;
import io.nncompress.lnr.LnrResult;
import io.nncompress.lnr.SolverCost;
import java.util.Map;

/**
 * {@code FistaBenchmark --grid-counts}: both methods' iteration counts at every step of the grid's path
 * walks ({@link SolverGrid}: lambda_max x 0.7^i from the unpenalised optimum, the path continued by the
 * cost model's choice), the data for {@link SolverCost}'s count predictions. Per step: the warm start's
 * kept columns and the solution's, the strong rule's candidates (zero penalised columns with
 * ||G_j|| &gt;= 2 lambda - lambda' at the warm start: the columns that may enter), lambda in units of
 * the absolute tolerance (tol x kktScale), FISTA's iterations and BCD's sweeps from the same warm start
 * with one timing each (indicative only: one round), and the model's choice. A walk ends when a
 * solution keeps the largest {@code --grid-kept} fraction. With {@code --grid-steps 0.98,0.9,0.5} each
 * step's warm start (the solution at lambda') is also solved by both methods to lambda' x each ratio,
 * their counts printed under the step: the data for {@link io.nncompress.lnr.IterationCounts}' step factors.
 */
final class PathCounts {
  private PathCounts() {
  }

  /** {@code --grid-steps}: ratios lambda / lambda' to solve to from each step's warm start as well (null: none). */
  static double[] steps = null;

  static void run(int[] hs, int[] ps, double[] kept, double tol, long seed, double maxFlops, String demo,
      int images) throws Exception {
    System.out.printf("%n== path counts: tolerance %g, load %s%n", tol, SolverGrid.loadAverages());
    double last = java.util.Arrays.stream(kept).max().orElse(0.95);
    for (int rep = 0; rep < 20; rep++) { // JIT warm-up
      GroupLassoProblem w = SolverGrid.synthetic(10, 100, seed);
      new FistaGroupLasso().tolerance(tol).solve(w, 0.2 * w.lambdaMax(), null);
      new GroupLassoBcd().tolerance(tol).solve(w, 0.2 * w.lambdaMax(), null);
    }
    for (int h : "demo".equals(SolverGrid.only) ? new int[0] : hs) {
      for (int p : ps) {
        if (2.0 * h * p * p <= maxFlops) {
          walk("h " + h + ", p " + p, SolverGrid.synthetic(h, p - 1, seed), last, tol);
        }
      }
    }
    if (demo != null && !"synthetic".equals(SolverGrid.only)) {
      Map<String, GroupLassoProblem> layers = DemoLayers.load(java.nio.file.Path.of("."),
          io.nncompress.data.LabeledImages.FASHION_MNIST_DIR, images);
      for (String name : demo.split(",")) {
        if (layers.containsKey(name)) {
          walk("demo " + name, layers.get(name), last, tol);
        }
      }
    }
    System.out.printf("load at the end %s%n", SolverGrid.loadAverages());
  }

  private static void walk(String name, GroupLassoProblem given, double last, double tol) {
    GroupLassoProblem problem = SolverGrid.iterated(given);
    int h = problem.outputs();
    int p = problem.inputs();
    int pen = problem.penalisedCount();
    DenseMatrix warm = problem.unpenalisedOptimum();
    History hist = History.NONE;
    double lambda = problem.lambdaMax();
    System.out.printf("%s (h %d, p %d)%n%4s %6s %6s %6s %9s | %6s %8s | %6s %8s | %s%n", name, h, p, "step", "kept0",
        "kept1", "strong", "lambda/tol", "F it", "F s", "B sw", "B s", "model");
    for (int step = 0; step < 80; step++) {
      double prev = lambda;
      lambda *= 0.7;
      Start start = Start.of(prev, lambda, tol * problem.kktScale(lambda));
      int k0 = 0;
      for (int j : GroupLassoProblem.nonzeroColumns(warm)) {
        k0 += problem.isPenalised(j) ? 1 : 0;
      }
      int strong = strongCandidates(problem, warm, lambda, prev);
      GroupLassoSolver.Method m = SolverCost.choose(h, p, pen, k0, start, hist);
      long t = System.nanoTime();
      LnrResult f = new FistaGroupLasso().tolerance(tol).solve(problem, lambda, warm);
      double fs = (System.nanoTime() - t) * 1e-9;
      t = System.nanoTime();
      LnrResult b = new GroupLassoBcd().tolerance(tol).solve(problem, lambda, warm);
      double bs = (System.nanoTime() - t) * 1e-9;
      LnrResult r = m == GroupLassoSolver.Method.FISTA ? f : b;
      System.out.printf("%4d %6.3f %6d %6d %9.3g | %6d %8.4f | %6d %8.4f | %s%n", step, k0 / (double) pen,
          r.keptGroupCount(), strong, lambda / (tol * problem.kktScale(lambda)), f.iterations, fs, b.iterations, bs, m);
      if (steps != null) { // the same warm start, shorter and longer steps: iterations, sweeps
        StringBuilder sb = new StringBuilder("       the same warm start to lambda' x");
        for (double ratio : steps) {
          LnrResult fr = new FistaGroupLasso().tolerance(tol).solve(problem, prev * ratio, warm);
          LnrResult br = new GroupLassoBcd().tolerance(tol).solve(problem, prev * ratio, warm);
          sb.append(String.format(" %.2f: F %d B %d;", ratio, fr.iterations, br.iterations));
        }
        System.out.println(sb);
      }
      hist = r.iterations > 0 ? hist.after(r.method, r.iterations, k0 / (double) pen, start) : hist;
      warm = r.lassoMatrix;
      if (r.keptGroupCount() >= Math.round(last * problem.groupCount())) {
        return;
      }
    }
  }

  /**
   * The sequential strong rule's candidates moving from lambda' to lambda from {@code warm}: the penalised
   * columns zero in it with ||G_j|| &gt;= 2 lambda - lambda' (G = warm R - C), the columns that may enter.
   */
  static int strongCandidates(GroupLassoProblem problem, DenseMatrix warm, double lambda, double prevLambda) {
    int h = problem.outputs();
    boolean[] nonzero = new boolean[problem.inputs()];
    for (int j : GroupLassoProblem.nonzeroColumns(warm)) {
      nonzero[j] = true;
    }
    DenseMatrix g = problem.gradient(warm);
    int strong = 0;
    for (int j = 0; j < problem.inputs(); j++) {
      double n = 0;
      for (int i = 0; i < h; i++) {
        n += g.data[j * h + i] * g.data[j * h + i];
      }
      strong += problem.isPenalised(j) && !nonzero[j] && Math.sqrt(n) >= 2 * lambda - prevLambda ? 1 : 0;
    }
    return strong;
  }
}
