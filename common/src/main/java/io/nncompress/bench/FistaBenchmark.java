package io.nncompress.bench;

import io.nncompress.linalg.Blas;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.linalg.Level3;
import io.nncompress.linalg.VectorKernels;
import io.nncompress.lnr.FistaGroupLasso;
import io.nncompress.lnr.GroupLassoBcd;
import io.nncompress.lnr.GroupLassoMethod;
import io.nncompress.lnr.GroupLassoProblem;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.lnr.LnrResult;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Benchmark of the LNR group-lasso solvers on a synthetic layer (h = d, bias-augmented R from
 * correlated synthetic data, W random).
 *
 * <p>Prints, per size: one DGEMM (h x p times p x p) through the same BLAS as the baseline, the
 * time of the dsyevr top eigenvalue, the time of one dense FISTA iteration and its ratio to the
 * DGEMM, then per lambda (fractions of lambda_max): iterations and time to the certified relative
 * KKT tolerance for FISTA with momentum + gradient restart, FISTA with momentum but no restart,
 * plain proximal gradient (no momentum), and BCD; and which method {@link GroupLassoSolver} picks.
 *
 * <p>Run:
 * <pre>
 * MAVEN_OPTS="--add-modules jdk.incubator.vector" mvn -q -o -pl common compile exec:java \
 *     -Dexec.mainClass=io.nncompress.bench.FistaBenchmark -Dexec.classpathScope=compile \
 *     -Dexec.args="--sizes 1024 --tol 1e-6 --lambdas 0.5,0.2,0.05,0.01 --cap 3000"
 * </pre>
 * (exec:java runs in Maven's JVM: MAVEN_OPTS gives it the Vector API module, without which the Vector API
 * kernels are skipped in the side-by-side comparison.)
 * Arguments: {@code --sizes} comma list of h = d (default 1024), {@code --tol} relative KKT tolerance
 * (1e-6), {@code --lambdas} fractions of lambda_max (0.5,0.2,0.05,0.01), {@code --cap} iteration cap
 * for the slow variants (no restart, no momentum, and BCD at lambda = 0; default 3000), {@code --skip-slow} to skip them,
 * {@code --seed}, {@code --kernels} the level-3 implementations to compare side by side on the DGEMM and the
 * dense FISTA iteration ({@link KernelComparison}: comma list of native, vector, java, or all (default), or none).
 *
 * <p>{@code --grid}: instead, the solver grid ({@link SolverGrid}): FISTA vs BCD time and the cost
 * model's choice per cell over {@code --grid-h} (10,100,1024,4096) x {@code --grid-p} (101,301,1025)
 * x {@code --grid-kept} (0.25,0.5,0.81,0.95), cells with 2 h p^2 above {@code --grid-max-flops}
 * (2.5e9) skipped (and printed as skipped); synthetic inputs {@code --grid-data relu} (a hidden layer's
 * ReLU activations, the default) or {@code gauss} (correlated Gaussian inputs, on which BCD converges
 * far faster than on any trained layer); {@code --demo fc1,fc2,fc3} adds those of the demo's
 * LeNet-300-100 layers (R from {@code --images} Fashion-MNIST training images, 10000).
 * The cells, walks and counts solve each layer as {@link io.nncompress.lnr.GroupLassoSolver} iterates on
 * it, the bias column eliminated ({@link GroupLassoProblem#eliminated}; p then counts the weight columns
 * only); {@code --grid-whole} keeps the bias column in the iterations, as before the elimination.
 * {@code --grid-only demo} runs the demo's cells alone ({@code synthetic} the synthetic ones alone);
 * {@code --grid-bcd-before} times BCD with its small calls through the BLAS in use as well (the path
 * before issue 18's single-threaded calls, {@link io.nncompress.lnr.GroupLassoBcd#serialCalls});
 * {@code --grid-walks} instead walks the same paths under the cost model's trial rule and the previous
 * one and prints where each tried the method not run yet ({@link TrialWalks}); {@code --grid-counts} walks them
 * printing both methods' counts at every step ({@link PathCounts}), {@code --grid-steps 0.98,0.9,0.5} adds
 * the counts from each step's warm start to lambda' times each ratio. Where AUTO with the BCD probe
 * ({@link io.nncompress.lnr.GroupLassoSolver#probe}, off by default) would probe
 * ({@link io.nncompress.lnr.SolverCost#probeSweeps}), the grid times that solve in the same rounds
 * (columns "AUTO s", "probe->method it": the probe's budget, the method that finished, its count,
 * "AUTO ok"); elsewhere it is the model's choice and gets its time. The grid ends with the probe's count
 * and {@code within 20%: N of M cells (old rule: K of M)}, N the model's choice (the default). Example:
 * <pre>
 * mvn -q -o -pl common compile exec:java -Dexec.mainClass=io.nncompress.bench.FistaBenchmark \
 *     -Dexec.classpathScope=compile -Dexec.args="--grid --grid-max-flops 8e8 --demo fc1,fc2,fc3 --tol 1e-4"
 * </pre>
 *
 * <p>Figures seen (h = d = 1024, native OpenBLAS, 2 cores shared with other jobs, load 5-8, tolerance
 * 1e-6): DGEMM 1024x1025x1025 36-84 ms (25-59 GFlop/s depending on load); one dense FISTA
 * iteration 1.14x-1.18x that DGEMM (best of 5 interleaved rounds); dsyevr top eigenvalue 0.05-0.14 s.
 * Iterations to tolerance at lambda = 0.2 lambda_max (477 of 1024 kept): FISTA + gradient restart
 * 426, + function restart 420, momentum without restart &gt; 1500 (KKT 2.8e-5 at the cap), no momentum
 * &gt; 1500 (KKT 3.5e-3); BCD 192 sweeps. Times per lambda: see {@link io.nncompress.lnr.GroupLassoSolver}.
 * At h = d = 4096 (load about 10): DGEMM 6.3 s (best of 5, contended), dense FISTA iteration 2.8 s,
 * dsyevr 5.1 s; lambda = 0.5 lambda_max keeps 321: FISTA 582 iterations in 438 s, BCD 154 sweeps in 2.2 s.
 */
public final class FistaBenchmark {
  private FistaBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    int[] sizes = {1024};
    boolean grid = false;
    boolean walks = false;
    boolean counts = false;
    int[] gridH = {10, 100, 1024, 4096};
    int[] gridP = {101, 301, 1025};
    double[] gridKept = {0.25, 0.5, 0.81, 0.95};
    double gridMaxFlops = 2.5e9;
    String demo = null;
    int images = 10000;
    double tol = 1e-6;
    double[] lambdas = {0.5, 0.2, 0.05, 0.01};
    int cap = 3000;
    boolean slow = true;
    long seed = 1;
    String kernels = "all";
    for (int a = 0; a < args.length; a++) {
      switch (args[a]) {
        case "--sizes":
          sizes = parseInts(args[++a]);
          break;
        case "--tol":
          tol = Double.parseDouble(args[++a]);
          break;
        case "--lambdas":
          lambdas = parseDoubles(args[++a]);
          break;
        case "--cap":
          cap = Integer.parseInt(args[++a]);
          break;
        case "--skip-slow":
          slow = false;
          break;
        case "--seed":
          seed = Long.parseLong(args[++a]);
          break;
        case "--kernels":
          kernels = args[++a];
          break;
        case "--grid":
          grid = true;
          break;
        case "--grid-h":
          gridH = parseInts(args[++a]);
          break;
        case "--grid-p":
          gridP = parseInts(args[++a]);
          break;
        case "--grid-kept":
          gridKept = parseDoubles(args[++a]);
          break;
        case "--grid-max-flops":
          gridMaxFlops = Double.parseDouble(args[++a]);
          break;
        case "--grid-data":
          SolverGrid.data = args[++a];
          break;
        case "--grid-walks":
          walks = true;
          break;
        case "--grid-counts":
          counts = true;
          break;
        case "--grid-steps":
          counts = true;
          PathCounts.steps = parseDoubles(args[++a]);
          break;
        case "--grid-bcd-before":
          SolverGrid.bcdBefore = true;
          break;
        case "--grid-only":
          SolverGrid.only = args[++a];
          break;
        case "--grid-whole":
          SolverGrid.whole = true;
          break;
        case "--demo":
          demo = args[++a];
          break;
        case "--images":
          images = Integer.parseInt(args[++a]);
          break;
        default:
          throw new IllegalArgumentException("Unknown argument: " + args[a]
              + " (expected --sizes, --tol, --lambdas, --cap, --skip-slow, --seed, --kernels, --grid, --grid-h, --grid-p,"
              + " --grid-kept, --grid-max-flops, --grid-data, --grid-bcd-before, --grid-only, --grid-whole, --grid-walks, --grid-counts,"
              + " --grid-steps,"
              + " --demo, --images)");
      }
    }
    System.out.println("FistaBenchmark: " + Blas.describe() + ", " + Runtime.getRuntime().availableProcessors()
        + " cores, tolerance " + tol);
    if (counts) {
      PathCounts.run(gridH, gridP, gridKept, tol, seed, gridMaxFlops, demo, images);
      return;
    }
    if (walks) {
      TrialWalks.run(gridH, gridP, gridKept, tol, seed, gridMaxFlops, demo, images);
      return;
    }
    if (grid) {
      SolverGrid.run(gridH, gridP, gridKept, tol, seed, gridMaxFlops, demo, images);
      return;
    }
    for (int n : sizes) {
      run(n, tol, lambdas, cap, slow, seed, kernels);
    }
  }

  private static void run(int d, double tol, double[] lambdas, int cap, boolean slow, long seed, String kernels) {
    int h = d;
    long t0 = System.nanoTime();
    DenseMatrix r = correlatedAutocorrelation(d, 2 * d, seed);
    DenseMatrix w = new DenseMatrix(h, d);
    Random rnd = new Random(seed + 1);
    for (int k = 0; k < w.data.length; k++) {
      w.data[k] = rnd.nextGaussian() / Math.sqrt(d);
    }
    double[] bias = new double[h];
    for (int i = 0; i < h; i++) {
      bias[i] = 0.1 * rnd.nextGaussian();
    }
    GroupLassoProblem problem = GroupLassoProblem.forLayer(w, bias, r);
    int p = problem.inputs();
    System.out.printf("%n== h x d = %d x %d (p = %d with bias), R from %d correlated samples, setup %.1f s%n", h, d, p,
        2 * d, seconds(t0));

    // baseline: one DGEMM of the FISTA shape, same BLAS
    DenseMatrix m = new DenseMatrix(h, p);
    for (int k = 0; k < m.data.length; k++) {
      m.data[k] = rnd.nextGaussian();
    }
    DenseMatrix out = new DenseMatrix(h, p);
    DenseMatrix.gemm(1.0, m, false, r, false, 0.0, out); // warm-up
    new FistaGroupLasso().tolerance(1e-300).maxIterations(3).solve(problem, 0.0, null); // warm-up (and L)
    // The machine is shared: interleave DGEMM and dense FISTA iterations (lambda = 0 keeps every column)
    // over several rounds and keep the best time of each, so both see the same contention.
    int rounds = 5;
    int dense = Math.max(5, (int) (2e10 / (2.0 * h * p * p)));
    double gemm = Double.POSITIVE_INFINITY;
    double perIter = Double.POSITIVE_INFINITY;
    for (int round = 0; round < rounds; round++) {
      long tg = System.nanoTime();
      for (int k = 0; k < dense; k++) {
        DenseMatrix.gemm(1.0, m, false, r, false, 0.0, out);
      }
      gemm = Math.min(gemm, seconds(tg) / dense);
      long tf = System.nanoTime();
      LnrResult dr = new FistaGroupLasso().tolerance(1e-300).maxIterations(dense).solve(problem, 0.0, null);
      perIter = Math.min(perIter, seconds(tf) / dr.iterations);
    }
    System.out.printf("DGEMM %dx%d * %dx%d: %.2f ms (%.1f GFlop/s, best of %d rounds of %d)%n", h, p, p, p,
        1e3 * gemm, 2.0 * h * p * p / gemm / 1e9, rounds, dense);
    System.out.printf("dense FISTA iteration (lambda = 0, all columns nonzero): %.2f ms = %.2fx one DGEMM"
        + " (target <= 1.3x)%n", 1e3 * perIter, perIter / gemm);

    List<Level3> kinds = kernels.equals("none") ? List.of() : KernelComparison.available(kernels);
    if (!kinds.isEmpty()) {
      Map<Level3, Double> g = KernelComparison.time(kinds, 3, () -> DenseMatrix.gemm(1.0, m, false, r, false, 0.0, out));
      KernelComparison.print(String.format("%nLevel-3 kernels side by side, DGEMM %dx%d * %dx%d (best of 3 interleaved "
          + "rounds; Vector API threads %d):", h, p, p, p, VectorKernels.threads()), g, 2.0 * h * p * p);
      FistaGroupLasso fista = new FistaGroupLasso().tolerance(1e-300).maxIterations(2);
      Map<Level3, Double> f = KernelComparison.time(kinds, 3, () -> fista.solve(problem, 0.0, null));
      KernelComparison.print(String.format("Dense FISTA, 2 iterations (lambda = 0):"), f, 2 * 2.0 * h * p * p);
      System.out.printf("vector / native at d = %d: DGEMM %.3f, FISTA %.3f (target >= 0.25)%n", d,
          KernelComparison.ratioToNative(g, Level3.VECTOR), KernelComparison.ratioToNative(f, Level3.VECTOR));
    }

    long te = System.nanoTime();
    double lip = io.nncompress.lnr.SymmetricEigen.largestEigenvalue(r); // timed again (the problem caches it)
    double eig = seconds(te);
    long tl = System.nanoTime();
    double lmax = problem.lambdaMax();
    System.out.printf("L = lambda_max(R) = %.4g by dsyevr: %.2f s (= %.1f DGEMMs); lambda_max = %.4g (%.2f s)%n", lip,
        eig, eig / gemm, lmax, seconds(tl));

    System.out.printf("%n%-8s %-28s %6s %8s %9s %10s %9s %9s %s%n", "lam/max", "method", "kept", "iter", "time s",
        "ms/iter", "KKT", "relErr", "converged");
    for (double frac : lambdas) {
      double lambda = frac * lmax;
      row(problem, lambda, frac, "fista+restart", new FistaGroupLasso().tolerance(tol).maxIterations(100000));
      if (slow) {
        row(problem, lambda, frac, "fista no restart",
            new FistaGroupLasso().tolerance(tol).restart(FistaGroupLasso.Restart.NONE).maxIterations(cap));
        row(problem, lambda, frac, "fista function restart",
            new FistaGroupLasso().tolerance(tol).restart(FistaGroupLasso.Restart.FUNCTION).maxIterations(cap));
        row(problem, lambda, frac, "ista (no momentum)",
            new FistaGroupLasso().tolerance(tol).momentum(false).maxIterations(cap));
      }
      row(problem, lambda, frac, "bcd (sweeps)", new GroupLassoBcd().tolerance(tol).maxSweeps(frac == 0 ? cap : 100000));
      long tf = System.nanoTime();
      LnrResult auto = GroupLassoSolver.defaults().tolerance(tol).debias(false).run(problem, lambda, null);
      double s = seconds(tf);
      System.out.printf("%-8s %-28s %6d %8d %9.2f %10s %9.1e %9.4f %s%n", fmt(frac), "facade AUTO -> " + auto.method,
          auto.keptCount(), auto.iterations, s, "", auto.kktResidual, auto.relativeErrorLasso,
          auto.converged ? "yes" : "NO (cap)");
    }
  }

  private static void row(GroupLassoProblem problem, double lambda, double frac, String name, GroupLassoMethod solver) {
    long t = System.nanoTime();
    LnrResult res = solver.solve(problem, lambda, null);
    double s = seconds(t);
    System.out.printf("%-8s %-28s %6d %8d %9.2f %10.2f %9.1e %9.4f %s%n", fmt(frac), name, res.keptCount(),
        res.iterations, s, 1e3 * s / Math.max(1, res.iterations), res.kktResidual, res.relativeErrorLasso,
        res.converged ? "yes" : "NO (cap)");
  }

  /**
   * Bias-augmented R = (1/n) sum x~ x~^T over n synthetic rows x = z diag(s) + 0.5 F g + mu: independent
   * noise with log-uniform scales s in [0.1, 1], 32 shared factors g (correlated columns), a mean.
   */
  static DenseMatrix correlatedAutocorrelation(int d, int n, long seed) {
    Random rnd = new Random(seed);
    int k = 32;
    double[] s = new double[d];
    double[] mu = new double[d];
    for (int j = 0; j < d; j++) {
      s[j] = Math.exp(Math.log(0.1) * rnd.nextDouble());
      mu[j] = 0.2 * rnd.nextGaussian();
    }
    DenseMatrix f = new DenseMatrix(k, d); // F^T
    for (int q = 0; q < f.data.length; q++) {
      f.data[q] = 0.5 * rnd.nextGaussian() / Math.sqrt(k);
    }
    DenseMatrix g = new DenseMatrix(n, k);
    for (int q = 0; q < g.data.length; q++) {
      g.data[q] = rnd.nextGaussian();
    }
    DenseMatrix x = new DenseMatrix(n, d + 1);
    // X[:, 0:d] = G F^T, written into the first n*d values of X (its first d columns)
    Blas.dgemm("N", "N", n, d, k, 1.0, g.data, n, f.data, k, 0.0, x.data, n);
    for (int j = 0; j < d; j++) {
      for (int i = 0; i < n; i++) {
        x.data[i + j * n] += s[j] * rnd.nextGaussian() + mu[j];
      }
    }
    java.util.Arrays.fill(x.data, n * d, n * (d + 1), 1.0); // the constant input
    DenseMatrix r = new DenseMatrix(d + 1, d + 1);
    DenseMatrix.gemm(1.0 / n, x, true, x, false, 0.0, r); // R = X~^T X~ / n
    return r;
  }

  private static String fmt(double v) {
    return String.format("%.3g", v);
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) * 1e-9;
  }

  private static int[] parseInts(String s) {
    String[] parts = s.split(",");
    int[] out = new int[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = Integer.parseInt(parts[i].trim());
    }
    return out;
  }

  private static double[] parseDoubles(String s) {
    String[] parts = s.split(",");
    double[] out = new double[parts.length];
    for (int i = 0; i < parts.length; i++) {
      out[i] = Double.parseDouble(parts[i].trim());
    }
    return out;
  }
}
