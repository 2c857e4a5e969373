package io.nncompress.compress;

import io.nncompress.format.safetensors.SafetensorsDtype;
import io.nncompress.format.safetensors.SafetensorsFile;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.GroupLassoProblem;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.lnr.LambdaSearch;
import io.nncompress.progress.Phase;
import io.nncompress.progress.Progress;
import io.nncompress.stats.AutocorrelationStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Linear Neural Reconstruction of the layers of a {@link LayerMap}, each from its own input
 * statistics (the parallel strategy of the LNR talk: min_M 1/2 E||W~ x~ - M x~||^2 + lambda sum_g
 * ||M_g||, then debiasing), for models nncompress does not run. A layer with couples loses the input
 * columns LNR removed, and its coupled tensors lose the same entries along dim 0; a layer without
 * keeps its shape, the removed columns written as zeros. Every other tensor is copied through.
 */
public final class LayerMapCompressor {
  private static final Logger LOG = LoggerFactory.getLogger(LayerMapCompressor.class);

  /** One layer after LNR. */
  public static final class Layer {
    public final LayerMap.Entry entry;
    /** "dense" ([out, in]) or "conv2d" ([O, I, kh, kw]). */
    public final String type;
    public final long[] originalShape;
    public final long[] shape;
    /** The stored weight as a matrix [shape[0], the rest] (row-major view, as PyTorch's view(n, -1)). */
    public final DenseMatrix weight;
    /** Null without a bias. */
    public final double[] bias;
    /** Kept input groups (features or channels) of the original layer, ascending. */
    public final int[] keptInputs;
    /** Kept outputs (rows) of the original layer, ascending: fewer where another layer's couples removed them. */
    public final int[] keptOutputs;
    public final LayerReport report;
    /**
     * What the stages encode: {@link #weight} without the zero columns of the inputs LNR removed from a
     * layer that keeps its shape (no couples), else {@link #weight} itself.
     */
    public final DenseMatrix encoded;
    /** The columns of {@link #weight} that {@link #encoded} holds, ascending; null when it holds them all. */
    public final int[] encodedColumns;
    /** The input autocorrelation of the columns {@link #encoded} reads (without the bias). */
    public final DenseMatrix inputAutocorrelation;

    Layer(LayerMap.Entry entry, String type, long[] originalShape, long[] shape, DenseMatrix weight, double[] bias,
        int[] keptInputs, int[] keptOutputs, LayerReport report, int[] encodedColumns,
        DenseMatrix inputAutocorrelation) {
      this.entry = entry;
      this.type = type;
      this.originalShape = originalShape;
      this.shape = shape;
      this.weight = weight;
      this.bias = bias;
      this.keptInputs = keptInputs;
      this.keptOutputs = keptOutputs;
      this.report = report;
      this.encodedColumns = encodedColumns;
      this.encoded = encodedColumns == null ? weight : weight.selectColumns(encodedColumns);
      this.inputAutocorrelation = inputAutocorrelation;
    }

    /** The stored weight from a decoded {@link #encoded}: its columns in place, zeros in the others. */
    public DenseMatrix scatter(DenseMatrix decoded) {
      if (encodedColumns == null) {
        return decoded;
      }
      DenseMatrix w = new DenseMatrix(decoded.rows, weight.cols);
      for (int j = 0; j < encodedColumns.length; j++) {
        for (int i = 0; i < decoded.rows; i++) {
          w.set(i, encodedColumns[j], decoded.get(i, j));
        }
      }
      return w;
    }
  }

  /** The outcome: every layer, and every tensor of the model with the new shapes (user's names). */
  public static final class Result {
    public final List<Layer> layers;
    public final Map<String, Tensor> tensors;

    Result(List<Layer> layers, Map<String, Tensor> tensors) {
      this.layers = layers;
      this.tensors = tensors;
    }
  }

  private final Function<String, LambdaSearch.Target> targets;
  private final LambdaSearch search;

  /** @param targets the target of each layer by its name in the map (null: kept whole) */
  public LayerMapCompressor(Function<String, LambdaSearch.Target> targets, GroupLassoSolver solver) {
    this.targets = targets;
    this.search = new LambdaSearch(solver);
  }

  /**
   * Checks the map against the tensors and the statistics: every named tensor exists, weights are 2-D
   * or 4-D, a bias has one value per output, R has the layer's d inputs (p = d + 1 with the bias
   * column), a bias has bias-augmented statistics, every coupled tensor has as many entries along dim
   * 0 as the layer has input groups, no tensor is coupled twice, no tensor is the weight or bias of two
   * layers, and no layer is coupled to its own weight or bias. The messages name the layer and
   * the tensor; shapes alone are read (the values stay on file).
   */
  public static void validate(LayerMap map, Map<String, long[]> shapes, Map<String, StatsShape> stats) {
    Map<String, String> coupledBy = new HashMap<>();
    Map<String, String> solvedBy = new HashMap<>(); // a weight or bias tensor -> "the weight of layer X"
    for (LayerMap.Entry e : map.entries) {
      for (String[] t : new String[][] {{e.weight, "weight"}, {e.bias, "bias"}}) {
        String role = t[1] + " of layer " + e.name;
        String other = t[0] == null ? null : solvedBy.putIfAbsent(t[0], role);
        if (other != null) {
          // each layer writes its own solution into its tensors: a tensor of two layers would keep only one
          throw new IllegalArgumentException("tensor " + t[0] + " is both the " + other + " and the " + role
              + ": each mapped layer needs tensors of its own (a tied weight cannot be compressed as two layers)");
        }
      }
      for (String c : e.couples) {
        if (c.equals(e.weight) || c.equals(e.bias)) {
          throw new IllegalArgumentException("layer " + e.name + ", couples: tensor " + c + " is the layer's own "
              + (c.equals(e.weight) ? "weight" : "bias") + "; couples name the tensors of other layers that lose "
              + "entries when this layer loses inputs");
        }
      }
      long[] w = shapes.get(e.weight);
      if (w == null) {
        throw new IllegalArgumentException("layer " + e.name + ": no tensor '" + e.weight + "' (weight) in the weights");
      }
      if (w.length != 2 && w.length != 4) {
        throw new IllegalArgumentException("layer " + e.name + ": weight " + e.weight + " must be 2-D [out, in] or 4-D "
            + "[out, in, kh, kw], cannot be: " + Arrays.toString(w));
      }
      if (e.bias != null) {
        long[] b = shapes.get(e.bias);
        if (b == null) {
          throw new IllegalArgumentException("layer " + e.name + ": no tensor '" + e.bias + "' (bias) in the weights");
        }
        if (b.length != 1 || b[0] != w[0]) {
          throw new IllegalArgumentException("layer " + e.name + ": bias " + e.bias + " must be [" + w[0]
              + "] (one value per output of " + e.weight + " " + Arrays.toString(w) + "), cannot be: "
              + Arrays.toString(b));
        }
      }
      StatsShape s = stats.get(e.statistics);
      if (s == null) {
        throw new IllegalArgumentException("layer " + e.name + ": no statistics layer '" + e.statistics
            + "' in the autocorr output; it has " + stats.keySet());
      }
      long d = columns(w);
      if (s.dim != d) {
        throw new IllegalArgumentException("layer " + e.name + ": weight " + e.weight + " " + Arrays.toString(w)
            + " reads " + d + " inputs, but statistics layer '" + e.statistics + "' has d = " + s.dim + " (R is "
            + s.augmentedDim + " x " + s.augmentedDim + ")");
      }
      if (e.bias != null && !s.biasAugmented) {
        throw new IllegalArgumentException("layer " + e.name + " has bias " + e.bias + " but statistics layer '"
            + e.statistics + "' was computed without the bias column (autocorr --no-bias): rerun autocorr with it");
      }
      long groups = w[1];
      for (String c : e.couples) {
        long[] t = shapes.get(c);
        if (t == null) {
          throw new IllegalArgumentException("layer " + e.name + ", couples: no tensor '" + c + "' in the weights");
        }
        if (t.length == 0 || t[0] != groups) {
          throw new IllegalArgumentException("layer " + e.name + ", couples: tensor " + c + " " + Arrays.toString(t)
              + " must have " + groups + " entries along dim 0 (the inputs of " + e.weight + " "
              + Arrays.toString(w) + ")");
        }
        String other = coupledBy.put(c, e.name);
        if (other != null) {
          throw new IllegalArgumentException("tensor " + c + " is coupled to both layer " + other + " and layer "
              + e.name);
        }
      }
    }
  }

  /** What validation needs of a statistics layer. */
  public static final class StatsShape {
    final long dim;
    final long augmentedDim;
    final boolean biasAugmented;

    public StatsShape(long dim, boolean biasAugmented) {
      this.dim = dim;
      this.biasAugmented = biasAugmented;
      this.augmentedDim = dim + (biasAugmented ? 1 : 0);
    }
  }

  private static long columns(long[] w) {
    long c = 1;
    for (int i = 1; i < w.length; i++) {
      c *= w[i];
    }
    return c;
  }

  /** Solves every layer of {@code map} from its statistics ({@code stats} by statistics layer name). */
  public Result compress(LayerMap map, SafetensorsFile model, Map<String, AutocorrelationStats> stats) {
    int n = map.entries.size();
    DenseMatrix[] m = new DenseMatrix[n]; // h x (d + 1): the reconstruction, zero columns where inputs were removed
    int[][] kept = new int[n][];
    LayerReport[] reports = new LayerReport[n];
    Map<String, int[]> removedRows = new HashMap<>(); // tensor -> indices removed along dim 0
    try (Phase phase = Progress.phase("lnr").strategy(ChainingStrategy.PARALLEL.id)
        .message("LNR of " + n + " layers from stored statistics").start()) {
      for (int k = 0; k < n; k++) {
        LayerMap.Entry e = map.entries.get(k);
        try (Phase p = Progress.phase("solve").layer(e.name).step(k, n).start()) {
          solve(k, e, model, stats.get(e.statistics), m, kept, reports);
          p.result(kept[k].length + " of " + groups(model.get(e.weight)) + " inputs kept");
        }
        if (e.shrinks()) {
          int[] removed = complement(kept[k], groups(model.get(e.weight)));
          for (String c : e.couples) {
            removedRows.put(c, removed);
          }
        }
      }
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>(model.tensors());
    for (Map.Entry<String, int[]> r : removedRows.entrySet()) {
      if (r.getValue().length > 0) {
        tensors.put(r.getKey(), dropAlongDim0(tensors.get(r.getKey()), r.getValue()));
      }
    }
    List<Layer> layers = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      layers.add(assemble(map.entries.get(k), model.get(map.entries.get(k).weight), m[k], kept[k],
          removedRows.getOrDefault(map.entries.get(k).weight, new int[0]), reports[k],
          stats.get(map.entries.get(k).statistics), tensors));
    }
    return new Result(layers, tensors);
  }

  private void solve(int k, LayerMap.Entry e, SafetensorsFile model, AutocorrelationStats s, DenseMatrix[] m,
      int[][] kept, LayerReport[] reports) {
    Tensor wt = model.get(e.weight);
    DenseMatrix w = wt.toMatrix();
    double[] b = e.bias == null ? null : model.get(e.bias).values();
    int d = w.cols;
    int g = groups(wt);
    int perGroup = d / g;
    // W~ = [W b]: the bias column is unpenalised; a layer without bias reads R's first d rows and columns
    DenseMatrix r = s.autocorrelation();
    boolean withBias = s.biasAugmented();
    DenseMatrix augmented = new DenseMatrix(w.rows, withBias ? d + 1 : d);
    System.arraycopy(w.data, 0, augmented.data, 0, w.data.length);
    if (b != null) {
      System.arraycopy(b, 0, augmented.data, d * w.rows, w.rows);
    }
    LambdaSearch.Target t = targets.apply(e.name);
    long params = (long) w.rows * d + (b == null ? 0 : b.length);
    String type = wt.rank() == 4 ? "conv2d" : "dense";
    if (t == null) {
      m[k] = augmented;
      kept[k] = range(g);
      reports[k] = new LayerReport(e.name, type, g, g, w.rows, params, null, "none");
      LOG.info("Layer {}: kept whole", e.name);
      return;
    }
    GroupLassoProblem problem = withBias ? GroupLassoProblem.forAugmentedWeights(augmented, r, d)
        : GroupLassoProblem.forAugmentedWeights(augmented, r);
    if (perGroup > 1) {
      int[] groupOf = new int[d];
      for (int j = 0; j < d; j++) {
        groupOf[j] = j / perGroup; // [O, I, kh, kw] viewed as [O, I kh kw]: input channel i owns kh kw columns
      }
      problem = problem.withColumnGroups(groupOf);
    }
    LambdaSearch.Result res = search.search(problem, t);
    m[k] = res.solution.matrix;
    kept[k] = res.solution.keptGroups;
    reports[k] = new LayerReport(e.name, type, g, kept[k].length, w.rows, params, res, String.valueOf(t));
    LOG.info("Layer {}: {} of {} inputs kept, lambda {} (max {}), relative error {} debiased", e.name, kept[k].length,
        g, res.lambda(), res.lambdaMax, res.solution.relativeErrorDebiased);
  }

  private static Layer assemble(LayerMap.Entry e, Tensor original, DenseMatrix mk, int[] keptGroups, int[] removedOut,
      LayerReport report, AutocorrelationStats s, Map<String, Tensor> tensors) {
    long[] shape0 = original.shape();
    int g = (int) shape0[1];
    int d = mk.cols - (s.biasAugmented() ? 1 : 0);
    int perGroup = d / g;
    int[] outRows = complement(removedOut, (int) shape0[0]);
    int[] keptCols = new int[keptGroups.length * perGroup]; // the columns of the kept input groups
    for (int i = 0; i < keptGroups.length; i++) {
      for (int q = 0; q < perGroup; q++) {
        keptCols[i * perGroup + q] = keptGroups[i] * perGroup + q;
      }
    }
    // a layer with couples loses the removed columns; another keeps them as zeros (the shape stays), which
    // the stages leave out: they encode the kept columns, so the removed ones stay exactly zero
    int[] cols = e.shrinks() ? keptCols : range(d);
    int[] encodedColumns = e.shrinks() || keptCols.length == d ? null : keptCols;
    DenseMatrix w = new DenseMatrix(outRows.length, cols.length);
    for (int j = 0; j < cols.length; j++) {
      for (int i = 0; i < outRows.length; i++) {
        w.set(i, j, mk.get(outRows[i], cols[j]));
      }
    }
    double[] b = null;
    if (e.bias != null) {
      b = new double[outRows.length];
      for (int i = 0; i < outRows.length; i++) {
        b[i] = mk.get(outRows[i], d);
      }
    }
    long[] shape = shape0.clone();
    shape[0] = outRows.length;
    shape[1] = e.shrinks() ? keptGroups.length : g;
    tensors.put(e.weight, new Tensor(SafetensorsDtype.F32, shape, w.toRowMajor()));
    if (b != null) {
      tensors.put(e.bias, new Tensor(SafetensorsDtype.F32, new long[] {b.length}, b));
    }
    report.outputsAfter = outRows.length;
    report.paramsAfter = (long) w.rows * w.cols + (b == null ? 0 : b.length);
    DenseMatrix rIn = s.autocorrelation().selectSymmetric(keptCols);
    return new Layer(e, report.type, shape0, shape, w, b, keptGroups, outRows, report, encodedColumns, rIn);
  }

  /** The tensor without the given indices along dim 0. */
  static Tensor dropAlongDim0(Tensor t, int[] removed) {
    long[] shape = t.shape();
    int rows = (int) shape[0];
    int inner = rows == 0 ? 0 : (int) (t.size() / rows);
    int[] keep = complement(removed, rows);
    double[] v = t.values();
    double[] out = new double[keep.length * inner];
    for (int i = 0; i < keep.length; i++) {
      System.arraycopy(v, keep[i] * inner, out, i * inner, inner);
    }
    long[] s = shape.clone();
    s[0] = keep.length;
    return new Tensor(t.dtype == null ? SafetensorsDtype.F32 : t.dtype, s, out);
  }

  /** Input groups of a weight: its dim 1 (inputs of a dense layer, input channels of a conv). */
  static int groups(Tensor w) {
    return (int) w.dim(1);
  }

  private static int[] complement(int[] subset, int n) {
    TreeSet<Integer> s = new TreeSet<>();
    for (int i : subset) {
      s.add(i);
    }
    int[] out = new int[n - s.size()];
    int k = 0;
    for (int i = 0; i < n; i++) {
      if (!s.contains(i)) {
        out[k++] = i;
      }
    }
    return out;
  }

  private static int[] range(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) {
      r[i] = i;
    }
    return r;
  }
}
