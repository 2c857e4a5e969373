package io.nncompress.compress;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.GroupLassoProblem;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.lnr.LambdaSearch;
import io.nncompress.model.Layer;
import io.nncompress.model.Network;
import io.nncompress.progress.Eta;
import io.nncompress.progress.Phase;
import io.nncompress.progress.Progress;
import io.nncompress.stats.AutocorrelationStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Linear Neural Reconstruction of a whole network: for every weighted layer, the group lasso
 * min_M 1/2 E||Y - M X||^2 + lambda sum_g ||M_g|| on the layer's statistics (lambda found from the
 * layer's target), then debiasing; the chaining strategy decides X and Y. Neurons are removed
 * consistently: an input group dropped by layer k+1 removes the matching output row (and bias) of
 * layer k; groups dropped by the first layer become input features the network no longer reads.
 */
public final class LnrCompressor {
  private static final Logger LOG = LoggerFactory.getLogger(LnrCompressor.class);

  /** The outcome: the compressed network and a report per weighted layer. */
  public static final class Result {
    public final Network original;
    public final Network compressed;
    public final ChainingStrategy strategy;
    public final List<LayerReport> layers;
    /** For each weighted layer, the kept input groups of the original layer (ascending). */
    public final List<int[]> keptGroups;

    Result(Network original, Network compressed, ChainingStrategy strategy, List<LayerReport> layers,
        List<int[]> keptGroups) {
      this.original = original;
      this.compressed = compressed;
      this.strategy = strategy;
      this.layers = layers;
      this.keptGroups = keptGroups;
    }
  }

  /** A layer's solved reconstruction, as a checkpoint keeps it. */
  public static final class SolvedLayer implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    public final DenseMatrix matrix;
    public final int[] keptGroups;
    public final LayerReport report;

    public SolvedLayer(DenseMatrix matrix, int[] keptGroups, LayerReport report) {
      this.matrix = matrix;
      this.keptGroups = keptGroups;
      this.report = report;
    }
  }

  /** Where solved layers are kept so that a rerun after a failure skips them. */
  public interface Checkpoints {
    /** The layer as solved by an earlier run with the same inputs, or null. */
    SolvedLayer load(String layer);

    void save(String layer, SolvedLayer solved);
  }

  private final ChainingStrategy strategy;
  private final Function<String, LambdaSearch.Target> targets;
  private final LambdaSearch search;
  private Checkpoints checkpoints;
  private final GroupLassoSolver solver;
  private SharedSolves shared;
  private Network sharedNetwork;

  /**
   * Takes a layer another compression of the same network already solved for the same problem (see
   * {@link SharedSolves}) instead of solving it again, and keeps the layers it solves there.
   */
  public LnrCompressor sharedSolves(SharedSolves s) {
    this.shared = s;
    return this;
  }

  /** Keeps every solved layer in {@code c}, and takes layers already there instead of solving them. */
  public LnrCompressor checkpoints(Checkpoints c) {
    this.checkpoints = c;
    return this;
  }

  /**
   * @param targets the target of each weighted layer, by layer name (null: the layer is kept whole)
   */
  public LnrCompressor(ChainingStrategy strategy, Function<String, LambdaSearch.Target> targets,
      GroupLassoSolver solver) {
    this.strategy = strategy;
    this.targets = targets;
    this.solver = solver;
    this.search = new LambdaSearch(solver);
  }

  /**
   * The network with the given input groups of each weighted layer removed and NO reconstruction:
   * the weights of the kept columns unchanged, output rows dropped where the next layer no longer
   * reads them. It computes exactly what the original computes with the dropped neurons masked.
   */
  public static Network removeNeurons(Network original, List<int[]> keptGroups) {
    return NetworkAssembly.removeNeurons(original, keptGroups);
  }

  public Result compress(Network original, StatisticsSource stats) {
    sharedNetwork = original;
    Network net = original.foldBatchNorm();
    LayerChain chain = LayerChain.of(net);
    int n = chain.size();
    int[] all = new int[n];
    for (int k = 0; k < n; k++) {
      all[k] = chain.networkIndex(k);
    }
    DenseMatrix[] m = new DenseMatrix[n]; // reconstruction, rows = outRows[k], cols = d + 1 (zero columns dropped)
    int[][] outRows = new int[n][];
    int[][] kept = new int[n][];
    LayerReport[] solved = new LayerReport[n];
    Phase phase = Progress.phase("lnr").strategy(strategy.id).message("LNR of " + n + " layers, "
        + strategy.id).start();
    layerProgress = new LayerProgress(chain);

    switch (strategy) {
      case PARALLEL: {
        AutocorrelationStats[] r = solvedInputs(stats, net, chain, all);
        for (int k = 0; k < n; k++) {
          outRows[k] = LayerProblems.range(chain.outputUnits(k));
          int kk = k;
          solve(chain, k, outRows[k], r[kk], () -> LayerProblems.layerProblem(chain, kk, outRows[kk], r[kk]), m, kept, solved);
        }
        break;
      }
      case BOTTOM_UP: {
        AutocorrelationStats[] r = solvedInputs(stats, net, chain, all);
        for (int k = n - 1; k >= 0; k--) {
          outRows[k] = k == n - 1 ? LayerProblems.range(chain.outputUnits(k)) : kept[k + 1];
          int kk = k;
          solve(chain, k, outRows[k], r[kk], () -> LayerProblems.layerProblem(chain, kk, outRows[kk], r[kk]), m, kept, solved);
        }
        break;
      }
      case TOP_DOWN: {
        Network current = net; // layers 0..k-1 replaced by their reconstructions, same shapes
        for (int k = 0; k < n; k++) {
          outRows[k] = LayerProblems.range(chain.outputUnits(k));
          java.util.function.Supplier<GroupLassoProblem> p;
          AutocorrelationStats same = null; // the statistics of a problem parallel solves too
          if (!solves(chain, k)) {
            p = null; // kept whole: no statistics needed
          } else if (k == 0) {
            AutocorrelationStats r0 = stats.inputs(net, new int[] {all[0]})[0];
            same = r0;
            p = () -> LayerProblems.layerProblem(chain, 0, outRows[0], r0);
          } else {
            AutocorrelationStats j = stats.joint(net, new int[] {all[k]}, current, new int[] {all[k]})[0];
            int kk = k;
            p = () -> LayerProblems.crossProblem(chain, kk, j);
          }
          solve(chain, k, outRows[k], same, p, m, kept, solved);
          if (m[k] != null) { // null: kept whole with its weight on file, the same layer
            current = NetworkAssembly.replace(current, chain, k, m[k]);
          }
        }
        break;
      }
      default:
        throw new IllegalStateException(strategy.name());
    }
    phase.close();
    for (int k = 0; k < n; k++) {
      if (solved[k] == null) { // kept whole on file by the run that wrote the checkpoint
        solved[k] = report(chain, k, kept[k], null);
      }
    }
    NetworkAssembly.Assembled a = NetworkAssembly.assemble(net, chain, m, outRows, kept, solved);
    return new Result(net, a.compressed(), strategy, a.reports(), new ArrayList<>(Arrays.asList(kept)));
  }

  /** Whether layer k is solved (has a target and does not read the network's input channels), else kept whole. */
  private boolean solves(LayerChain chain, int k) {
    boolean firstReadsChannels = k == 0 && chain.groupCount(0) != LayerChain.weightCols(chain.layer(0));
    return targets.apply(chain.layer(k).name()) != null && !firstReadsChannels;
  }

  /**
   * The input statistics of the layers that are solved, in one pass (none when every layer is kept
   * whole: a plan of stages alone reads no calibration data here); null for a layer kept whole.
   */
  private AutocorrelationStats[] solvedInputs(StatisticsSource stats, Network net, LayerChain chain, int[] all) {
    int[] solved = java.util.stream.IntStream.range(0, all.length).filter(k -> solves(chain, k)).toArray();
    AutocorrelationStats[] r = new AutocorrelationStats[all.length];
    if (solved.length == all.length) {
      return stats.inputs(net, all);
    }
    if (solved.length > 0) {
      AutocorrelationStats[] some = stats.inputs(net, java.util.Arrays.stream(solved).map(k -> all[k]).toArray());
      for (int i = 0; i < solved.length; i++) {
        r[solved[i]] = some[i];
      }
    }
    return r;
  }

  /**
   * The layers' share of the solving work (about h p^2 each: h outputs, p inputs) and the time spent
   * solving, for the time left of LNR (shown from 1% of the work done on).
   */
  private final class LayerProgress {
    private final double[] weight;
    private double total;
    private double done;
    private int count;
    private double seconds;

    LayerProgress(LayerChain chain) {
      weight = new double[chain.size()];
      for (int k = 0; k < weight.length; k++) {
        double p = LayerChain.weightCols(chain.layer(k)) + 1.0; // from the shape: a layer kept on file is not read
        weight[k] = chain.outputUnits(k) * p * p;
        total += weight[k];
      }
    }

    Phase start(LayerChain chain, int k) {
      String name = chain.layer(k).name();
      LambdaSearch.Target t = targets.apply(name);
      double f = done / total; // too early to tell below 1% (small layers take mostly fixed costs)
      return Progress.phase("solve").layer(name).step(count, weight.length)
          .eta(f >= 0.01 ? Eta.seconds(seconds, f) : Double.NaN)
          .message((t == null ? "kept whole" : "target " + t) + ", " + chain.groupCount(k) + " inputs").start();
    }

    void done(int k, Phase p) {
      count++;
      done += weight[k];
      seconds += p.elapsedSeconds();
    }
  }

  private LayerProgress layerProgress;

  private void solve(LayerChain chain, int k, int[] rows, AutocorrelationStats r,
      java.util.function.Supplier<GroupLassoProblem> p, DenseMatrix[] m, int[][] kept, LayerReport[] solved) {
    try (Phase phase = layerProgress.start(chain, k)) {
      SolvedLayer s = SharedSolves.once(shared, sharedNetwork, r, solver, chain.layer(k).name(), rows,
          targets.apply(chain.layer(k).name()), () -> {
            solveOrLoad(chain, k, rows, p, m, kept, solved);
            return new SolvedLayer(m[k], kept[k], solved[k]);
          });
      m[k] = s.matrix;
      kept[k] = s.keptGroups;
      solved[k] = s.report;
      phase.result(kept[k].length + " of " + chain.groupCount(k) + " inputs kept"
          + (solved[k] == null || Double.isNaN(solved[k].relativeErrorDebiased) ? ""
              : String.format(java.util.Locale.ROOT, ", relative error %.4g", solved[k].relativeErrorDebiased)));
      layerProgress.done(k, phase);
    }
  }

  private void solveOrLoad(LayerChain chain, int k, int[] rows, java.util.function.Supplier<GroupLassoProblem> p,
      DenseMatrix[] m, int[][] kept, LayerReport[] solved) {
    Layer l = chain.layer(k);
    if (checkpoints != null) {
      SolvedLayer done = checkpoints.load(l.name());
      if (done != null) {
        m[k] = done.matrix;
        kept[k] = done.keptGroups;
        solved[k] = done.report;
        LOG.info("Layer {}: taken from the checkpoint of an earlier run ({} of {} inputs kept)", l.name(),
            kept[k].length, chain.groupCount(k));
        return;
      }
    }
    solveFresh(chain, k, rows, p, m, kept, solved);
    if (checkpoints != null) {
      checkpoints.save(l.name(), new SolvedLayer(m[k], kept[k], solved[k]));
    }
  }

  private void solveFresh(LayerChain chain, int k, int[] rows, java.util.function.Supplier<GroupLassoProblem> problem,
      DenseMatrix[] m, int[][] kept, LayerReport[] solved) {
    Layer l = chain.layer(k);
    LambdaSearch.Target t = targets.apply(l.name());
    if (!solves(chain, k)) {
      // kept whole (no target, or input channels of the network's first layer); a weight left on
      // file stays there: null, the rows are selected from the file in assemble
      m[k] = LayerChain.deferredWeight(l) != null ? null : LayerProblems.augmented(l, rows);
      kept[k] = LayerProblems.range(chain.groupCount(k));
      solved[k] = report(chain, k, kept[k], null);
      LOG.info("Layer {}: kept whole", l.name());
      return;
    }
    GroupLassoProblem gp = problem.get();
    LambdaSearch.Result r = search.search(gp, t);
    if (!r.noInputHelps && r.solution.keptGroups.length == 0) {
      // a layer cannot read nothing (the previous layer would have no units): the one input the path keeps first
      LOG.warn("Layer {}: target {} keeps none of its {} inputs; a layer needs at least one, keeping 1", l.name(), t,
          chain.groupCount(k));
      r = search.search(gp, LambdaSearch.Target.keepCount(1)).withTargetReached(false);
    }
    if (r.noInputHelps || r.solution.keptGroups.length == 0) {
      // no input lowers the error (an all-zero weight, constant inputs): the layer as it is reconstructs itself
      m[k] = LayerProblems.augmented(l, rows);
      kept[k] = LayerProblems.range(chain.groupCount(k));
      solved[k] = report(chain, k, kept[k], r.withTargetReached(false));
      LOG.warn("Layer {}: target {} not reached: no input changes what is left of its output (lambda_max = {}: an "
          + "all-zero weight, or constant inputs?); kept whole", l.name(), t, r.lambdaMax);
      return;
    }
    m[k] = r.solution.matrix;
    kept[k] = r.solution.keptGroups;
    if (!Arrays.equals(kept[k], keptGroups(chain.groupOfColumn(k), r.solution.keptColumns))) {
      throw new IllegalStateException("Layer " + l.name() + ": kept groups " + Arrays.toString(kept[k])
          + " do not match the kept columns " + Arrays.toString(r.solution.keptColumns));
    }
    solved[k] = report(chain, k, kept[k], r);
    if (!r.targetReached) {
      LOG.warn("Layer {}: target {} cannot be met ({} strategy): reached {} of {} inputs kept, debiased relative error "
          + "{} at lambda {}", l.name(), t, strategy.id, kept[k].length, chain.groupCount(k),
          r.solution.relativeErrorDebiased, r.lambda());
    }
    LOG.info("Layer {}: {} of {} inputs kept, lambda {} (max {}), relative error {} lasso, {} debiased, {} iterations",
        l.name(), kept[k].length, chain.groupCount(k), r.lambda(), r.lambdaMax, r.solution.relativeErrorLasso,
        r.solution.relativeErrorDebiased, r.totalIterations);
  }

  private LayerReport report(LayerChain chain, int k, int[] kept, LambdaSearch.Result r) {
    return LayerReport.of(chain, k, kept, r, String.valueOf(targets.apply(chain.layer(k).name())));
  }

  // the groups of the kept columns, ascending
  private static int[] keptGroups(int[] groupOf, int[] keptColumns) {
    TreeSet<Integer> g = new TreeSet<>();
    for (int j : keptColumns) {
      g.add(groupOf[j]);
    }
    return g.stream().mapToInt(Integer::intValue).toArray();
  }
}
