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
 * At the end: how far the counts' predictions miss, and the model's choices' work ({@link Errors}).
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
    errors.print();
    System.out.printf("load at the end %s%n", SolverGrid.loadAverages());
  }

  private static void walk(String name, GroupLassoProblem given, double last, double tol) {
    GroupLassoProblem problem = SolverGrid.iterated(given);
    int h = problem.outputs();
    int p = problem.inputs();
    int pen = problem.penalisedCount();
    DenseMatrix warm = problem.unpenalisedOptimum();
    History hist = History.NONE;
    java.util.List<double[]> measured = new java.util.ArrayList<>(); // {f, step, x, F it, B sw} per step
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
      errors.choice(h, p, k0 + p - pen, f.iterations, b.iterations, m == GroupLassoSolver.Method.FISTA);
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
      measured.add(new double[] {k0 / (double) pen, start.step, start.x, f.iterations, b.iterations});
      errors.add(measured);
      hist = r.iterations > 0 ? hist.after(r.method, r.iterations, k0 / (double) pen, start) : hist;
      warm = r.lassoMatrix;
      if (r.keptGroupCount() >= Math.round(last * problem.groupCount())) {
        return;
      }
    }
  }

  /** The count predictions' errors and the model's choices over every walk. */
  private static final Errors errors = new Errors();

  /**
   * How well {@link io.nncompress.lnr.IterationCounts} predicts a step's counts from those measured
   * 1 to {@value #GAP} steps before it on the same walk (as the cost model does, from the latest count of
   * each method): the factor by which the prediction misses the measured count, for FISTA's iterations,
   * BCD's sweeps and their ratio (the ratio is what picks the method; both anchored at the same step);
   * and the ratio's misses by the age of the anchor, up to {@value #AGES} steps. Also the work of the
   * model's choice at each step against the cheaper method's ({@link #choice}).
   */
  static final class Errors {
    static final int GAP = 4;
    /** The ratio's misses by the anchor's age, 1 to {@value #AGES} steps. */
    static final int AGES = 8;
    final java.util.List<java.util.List<Double>> byAge = new java.util.ArrayList<>();
    final java.util.List<Double> fista = new java.util.ArrayList<>();
    final java.util.List<Double> bcd = new java.util.ArrayList<>();
    final java.util.List<Double> ratio = new java.util.ArrayList<>();
    /** The model's choices, summed over the steps: {their work, the cheaper method's, steps over 1.2x, steps}. */
    final double[] work = new double[4];

    /** The errors of predicting the walk's last step from the steps before it. */
    void add(java.util.List<double[]> walk) {
      int j = walk.size() - 1;
      double[] t = walk.get(j);
      Start target = new Start(t[1], t[2]);
      while (byAge.size() < AGES) {
        byAge.add(new java.util.ArrayList<>());
      }
      for (int i = Math.max(0, j - AGES); i < j; i++) {
        double[] a = walk.get(i);
        if (a[3] < 1 || a[4] < 1 || t[3] < 1 || t[4] < 1) {
          continue; // a solve that started converged: no count to carry or to predict
        }
        Start at = new Start(a[1], a[2]);
        History hist = new History((int) a[3], a[0], at, (int) a[4], a[0], at, Double.NaN);
        double pf = io.nncompress.lnr.IterationCounts.fista(t[0], target, hist);
        double pb = io.nncompress.lnr.IterationCounts.bcd(t[0], target, hist);
        double miss = Math.log((t[4] / t[3]) / (pb / pf));
        byAge.get(j - i - 1).add(miss);
        if (j - i <= GAP) {
          fista.add(Math.log(t[3] / pf));
          bcd.add(Math.log(t[4] / pb));
          ratio.add(miss);
        }
      }
    }

    /**
     * Adds a step's choice, its work the measured count times {@link SolverCost}'s work per iteration
     * (s columns kept, unpenalised included; BCD's working set as the model counts it).
     */
    void choice(int h, int p, int s, int fistaIterations, int bcdSweeps, boolean fistaChosen) {
      double f = fistaIterations * SolverCost.fistaIteration(h, p, Math.max(1, s));
      double b = bcdSweeps * SolverCost.bcdSweep(h, p, SolverCost.bcdWorkingSet(p, s));
      double chosen = fistaChosen ? f : b;
      double best = Math.min(f, b);
      work[0] += chosen;
      work[1] += best;
      work[2] += chosen > 1.2 * best ? 1 : 0;
      work[3]++;
    }

    void print() {
      if (work[3] > 0) {
        System.out.printf("the model's choice at every step, as measured count x modelled work per iteration: %.3fx the "
            + "cheaper method's work (%d of %d steps over 1.2x)%n", work[0] / work[1], (int) work[2], (int) work[3]);
      }
      System.out.printf("count predictions from 1-%d steps before (pairs: %d): factor by which they miss "
          + "| geometric rms | median | within 1.2x | within 1.5x | within 2x%n", GAP, fista.size());
      line("FISTA iterations", fista);
      line("BCD sweeps", bcd);
      line("BCD sweeps / FISTA iterations", ratio);
      StringBuilder sb = new StringBuilder("  the ratio within 1.5x, by the age of the counts it is carried from:");
      for (int a = 0; a < byAge.size(); a++) {
        if (!byAge.get(a).isEmpty()) {
          double[] v = byAge.get(a).stream().mapToDouble(Math::abs).toArray();
          sb.append(String.format(" %d step%s %.0f%% (%d);", a + 1, a == 0 ? "" : "s", 100 * share(v, 1.5), v.length));
        }
      }
      System.out.println(sb);
    }

    private static void line(String what, java.util.List<Double> logs) {
      if (logs.isEmpty()) {
        return;
      }
      double[] a = logs.stream().mapToDouble(Math::abs).sorted().toArray();
      double ss = 0;
      for (double v : a) {
        ss += v * v;
      }
      System.out.printf("  %-30s | %.2fx | %.2fx | %3.0f%% | %3.0f%% | %3.0f%%%n", what, Math.exp(Math.sqrt(ss / a.length)),
          Math.exp(a[a.length / 2]), 100 * share(a, 1.2), 100 * share(a, 1.5), 100 * share(a, 2));
    }

    private static double share(double[] sortedAbsLogs, double factor) {
      int n = 0;
      for (double v : sortedAbsLogs) {
        n += v <= Math.log(factor) ? 1 : 0;
      }
      return n / (double) sortedAbsLogs.length;
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
