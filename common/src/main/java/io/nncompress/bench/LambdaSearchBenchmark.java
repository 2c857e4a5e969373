package io.nncompress.bench;

import io.nncompress.linalg.Blas;
import io.nncompress.lnr.GroupLassoProblem;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.lnr.LambdaSearch;
import io.nncompress.lnr.LambdaSearch.Target;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The lambda search before and after issue 18 on the demo's LeNet-300-100 layers ({@link DemoLayers}),
 * per target kind: before = {@link LambdaSearch.Strategy#BISECTION} with the old fixed solver rule
 * ({@link GroupLassoSolver#fixedRule}), after = {@link LambdaSearch.Strategy#PATH} (screening, bracket
 * interpolation) with the cost-model rule. Each layer gets the demo's keep fraction f (fc1 0.8, fc2
 * 0.55, fc3 0.9), the same as a count (keep round(f n)), and an error target equal to the debiased
 * error the fraction reaches (so all three kinds aim at about the same support). Prints solves,
 * iterations, seconds and whether both searches keep the same inputs.
 *
 * <p>Run (from the repository root):
 * <pre>
 * mvn -q -o -pl common compile exec:java -Dexec.mainClass=io.nncompress.bench.LambdaSearchBenchmark \
 *     -Dexec.classpathScope=compile -Dexec.args="--images 10000 --tol 1e-4"
 * </pre>
 * Arguments: {@code --images} training images for R (10000), {@code --tol} relative KKT tolerance
 * (1e-4, the demo's), {@code --layers} comma list (fc1,fc2,fc3), {@code --home} the repository (.),
 * {@code --fashion-mnist} the data directory, {@code --paths} to print every solve of both searches,
 * {@code --probe} to compare instead the path search with the BCD probe off (before) and on (after,
 * {@link GroupLassoSolver#probe}), each target searched both ways in turn, {@code --tie} to compare the
 * path search narrowing every bracket to 1e-9 (before) with the default, which ends a bracket the
 * solver's tolerance cannot resolve (after, {@link LambdaSearch#resolvableTie}), {@code --eliminate} to
 * compare the solver with the bias column in the iterations (before) and eliminated in closed form
 * (after, the default: {@link GroupLassoSolver#eliminateUnpenalised}).
 */
public final class LambdaSearchBenchmark {
  private LambdaSearchBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    int images = 10000;
    boolean paths = false;
    String mode = "strategy"; // before: bisection and the fixed rule; or --probe, --tie, --eliminate
    double tol = 1e-4;
    String[] layers = {"fc1", "fc2", "fc3"};
    Path home = Path.of(".");
    Path data = io.nncompress.data.LabeledImages.FASHION_MNIST_DIR;
    for (int a = 0; a < args.length; a++) {
      switch (args[a]) {
        case "--images":
          images = Integer.parseInt(args[++a]);
          break;
        case "--tol":
          tol = Double.parseDouble(args[++a]);
          break;
        case "--layers":
          layers = args[++a].split(",");
          break;
        case "--home":
          home = Path.of(args[++a]);
          break;
        case "--paths":
          paths = true;
          break;
        case "--fashion-mnist":
          data = Path.of(args[++a]);
          break;
        case "--probe":
          mode = "probe";
          break;
        case "--tie":
          mode = "tie";
          break;
        case "--eliminate":
          mode = "eliminate";
          break;
        default:
          throw new IllegalArgumentException("Unknown argument: " + args[a]
              + " (expected --images, --tol, --layers, --home, --fashion-mnist, --paths, --probe, --tie, --eliminate)");
      }
    }
    Map<String, Double> fractions = new LinkedHashMap<>();
    fractions.put("fc1", 0.8);
    fractions.put("fc2", 0.55);
    fractions.put("fc3", 0.9);
    long t0 = System.nanoTime();
    Map<String, GroupLassoProblem> problems = DemoLayers.load(home, data, images);
    System.out.printf("LambdaSearchBenchmark: %s, %d cores, tolerance %g, R from %d images (%.1f s)%n",
        Blas.describe(), Runtime.getRuntime().availableProcessors(), tol, images, seconds(t0));
    System.out.println(mode.equals("probe") ? "before: path search, the model's choice alone (probe off); after: the BCD probe on"
        : mode.equals("tie") ? "before: path search, every bracket narrowed to 1e-9; after: the defaults (a tie as wide as the tolerance resolves)"
        : mode.equals("eliminate") ? "before: path search, the bias column solved with the rest; after: the defaults (bias eliminated in closed form)"
        : "before: bisection, the fixed solver rule; after: path search, the defaults");
    System.out.printf("%n%-5s %-24s | %-6s %6s %8s %8s | %-6s %6s %8s %8s | %6s %s%n", "layer", "target", "before",
        "solves", "iter", "s", "after", "solves", "iter", "s", "ratio", "same kept set");
    double[][] total = new double[3][4]; // per kind: before solves, before s, after solves, after s
    for (String name : layers) {
      GroupLassoProblem problem = problems.get(name);
      if (problem == null) {
        throw new IllegalArgumentException("--layers: no dense layer " + name + " in the demo network " + problems.keySet());
      }
      double f = fractions.getOrDefault(name, 0.5);
      // warm-up of L (of R and of the eliminated problem) and lambda_max, shared by both searches (cached)
      problem.lipschitz();
      problem.eliminated().lipschitz();
      problem.lambdaMax();
      Target frac = Target.keepFraction(f);
      LambdaSearch.Result reached = new LambdaSearch(GroupLassoSolver.defaults().tolerance(tol)).search(problem, frac);
      Target[] targets = {Target.keepCount((int) Math.round(f * problem.groupCount())), frac,
          Target.maxRelativeError(reached.solution.relativeErrorDebiased * (1 + 1e-6))};
      for (int k = 0; k < targets.length; k++) {
        long tb = System.nanoTime();
        LambdaSearch.Result b = before(mode, tol).search(problem, targets[k]);
        double sb = seconds(tb);
        long ta = System.nanoTime();
        LambdaSearch.Result r = after(mode, tol).search(problem, targets[k]);
        double sa = seconds(ta);
        int differ = symmetricDifference(b.solution.keptColumns, r.solution.keptColumns);
        System.out.printf("%-5s %-24s | %6d %6d %8d %8.2f | %6d %6d %8d %8.2f | %5.1fx %s%n", name, label(targets[k]),
            b.solution.keptCount(), b.path.size(), b.totalIterations, sb, r.solution.keptCount(), r.path.size(),
            r.totalIterations, sa, sb / sa, differ == 0 ? "yes" : "NO: " + differ + " inputs differ");
        if (paths) {
          b.path.forEach(pt -> System.out.println("    before " + pt));
          r.path.forEach(pt -> System.out.println("    after  " + pt));
        }
        total[k][0] += b.path.size();
        total[k][1] += sb;
        total[k][2] += r.path.size();
        total[k][3] += sa;
      }
    }
    String[] kinds = {"keep", "keep_fraction", "max_relative_error"};
    System.out.printf("%nper target kind, all layers: solves and seconds before -> after%n");
    for (int k = 0; k < 3; k++) {
      System.out.printf("%-20s %4.0f solves %8.2f s  ->  %4.0f solves %8.2f s  (%.1fx)%n", kinds[k], total[k][0],
          total[k][1], total[k][2], total[k][3], total[k][1] / total[k][3]);
    }
  }

  /** The search measured first: the baseline of the mode. */
  private static LambdaSearch before(String mode, double tol) {
    switch (mode) {
      case "probe":
        return new LambdaSearch(GroupLassoSolver.defaults().tolerance(tol).probe(false));
      case "tie":
        return after(mode, tol).resolvableTie(false);
      case "eliminate":
        return new LambdaSearch(GroupLassoSolver.defaults().tolerance(tol).eliminateUnpenalised(false));
      default: // before issue 18: no elimination either
        return new LambdaSearch(GroupLassoSolver.defaults().tolerance(tol).fixedRule(true).eliminateUnpenalised(false))
            .strategy(LambdaSearch.Strategy.BISECTION);
    }
  }

  private static String label(Target t) {
    return t.keepCount() >= 0 ? "keep " + t.keepCount() : t.toString().startsWith("relative error")
        ? String.format("max_relative_error %.3g", Double.parseDouble(t.toString().substring(18))) : t.toString();
  }

  private static int symmetricDifference(int[] a, int[] b) {
    java.util.Set<Integer> x = new java.util.HashSet<>();
    Arrays.stream(a).forEach(x::add);
    int n = 0;
    for (int j : b) {
      n += x.remove(j) ? 0 : 1;
    }
    return n + x.size();
  }

  /** The search measured second: the defaults, with the BCD probe on in the probe mode. */
  private static LambdaSearch after(String mode, double tol) {
    return new LambdaSearch(GroupLassoSolver.defaults().tolerance(tol).probe(mode.equals("probe")));
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) * 1e-9;
  }
}
