package io.nncompress.spark.compress;

import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.TensorCodecs;
import io.nncompress.codec.lowrank.LowRankEncoded;
import io.nncompress.compress.StageChain;
import io.nncompress.compress.StagePlan;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.progress.Phase;
import io.nncompress.progress.Progress;
import io.nncompress.spark.autocorr.BadInputException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The stages after LNR (kmeans, huffman, svd, uniform, pq, ...) of every layer, whatever the layers
 * came from (a network the engine runs, or a layer map over a safetensors file). Each layer's plan
 * runs once as a chain ({@link StageChain}: each stage on the previous stage's output) in a Spark
 * task of its own (layers are encoded in parallel on the cluster); the task sends back what every
 * stage of the chain left (encoded bytes, spectrum, relative error), and stage i of the pipeline is
 * read off the chains: each layer's encoding after its stage i (its last when its plan is shorter).
 * After each stage the caller sees the encoded layers ({@link Listener}): the network path evaluates
 * the decoded network there, the layer-map path records bytes.
 */
final class StagePipeline {
  /** The layers the stages run on. */
  interface Layers {
    int size();

    String name(int k);

    StagePlan plan(int k);

    /** The weight after LNR (h x d; conv [O, I kh kw]). */
    DenseMatrix weight(int k);

    /** The d x d autocorrelation of the layer's input (data-aware stages), or null. */
    DenseMatrix autocorrelation(int k);

    /** The layer encoded without collecting it (see {@link DistributedLayers}), or null: a task of its own. */
    default EncodedTensor encodeElsewhere(int k, StagePlan prefix) {
      return null;
    }

    /**
     * Whether the weight's zeros are what the plan's prune stage left (trained since with them kept,
     * fine-tuning after prune): the prune stage then keeps those and prunes no other weight.
     */
    default boolean pruned(int k) {
      return false;
    }
  }

  /** What one stage produced. */
  static final class Stage {
    /** 1-based. */
    final int index;
    final boolean last;
    /**
     * The stage's name when every layer runs the same one, else the stages' kind when they are all of one
     * (e.g. "prune" for prune(0.3) and prune(0.825)), else "stage i".
     */
    final String label;
    /** Each layer's prefix of its plan up to this stage, as text. */
    final List<String> prefixes;
    final List<EncodedTensor> encoded;
    /** Per layer through a low-rank stage, its spectrum (see {@link CompressionJob.Outcome#spectra}). */
    final Map<String, Object> spectra;
    /** Codebooks of the factors of low-rank layers (made in the last stage only). */
    final Map<String, Map<String, Object>> factorCodebooks;
    /** Per layer encoded in a task, ||W - W'||_F / ||W||_F of its weight after LNR W and the decoded W'. */
    final Map<String, Double> errors;

    Stage(int index, boolean last, String label, List<String> prefixes, List<EncodedTensor> encoded,
        Map<String, Object> spectra, Map<String, Map<String, Object>> factorCodebooks, Map<String, Double> errors) {
      this.index = index;
      this.last = last;
      this.label = label;
      this.prefixes = prefixes;
      this.encoded = encoded;
      this.spectra = spectra;
      this.factorCodebooks = factorCodebooks;
      this.errors = errors;
    }
  }

  /** Called after each stage; returns what the stage's progress line ends with (or null). */
  interface Listener {
    String after(Stage stage);
  }

  /** One layer's chain to run on an executor. */
  static final class ChainTask implements Serializable {
    private static final long serialVersionUID = 1L;
    final String layer;
    final StagePlan plan;
    final DenseMatrix weight;
    final DenseMatrix r;
    final boolean pruned;

    ChainTask(String layer, StagePlan plan, DenseMatrix weight, DenseMatrix r, boolean pruned) {
      this.layer = layer;
      this.plan = plan;
      this.weight = weight;
      this.r = r;
      this.pruned = pruned;
    }
  }

  /** What one stage of a layer's chain left, as sent back: the encoded weight, a spectrum (or null), the error. */
  static final class EncodedStep implements Serializable {
    private static final long serialVersionUID = 1L;
    final String codec;
    final byte[] bytes;
    final double[] singularValues;
    final int rank;
    final double relativeError;
    /** The codebooks of weight sharing after a low-rank stage, made where the factors are (see StageCodebooks). */
    final Map<String, Object> factorCodebooks;

    EncodedStep(String layer, StagePlan.Encoded e, DenseMatrix weight, boolean codebooks) {
      this.codec = e.tensor.codec();
      this.bytes = e.tensor.encode();
      this.singularValues = e.spectrum == null ? null : e.spectrum.singularValues();
      this.rank = e.rank;
      this.relativeError = relativeError(weight, e.tensor.decode());
      this.factorCodebooks = codebooks ? StageCodebooks.ofLowRank(layer, e) : Map.of();
    }
  }

  private final SparkSession spark;

  StagePipeline(SparkSession spark) {
    this.spark = spark;
  }

  /** The number of stages of the longest plan (0: no stages). */
  static int longest(Layers layers) {
    int n = 0;
    for (int k = 0; k < layers.size(); k++) {
      n = Math.max(n, layers.plan(k).stages().size());
    }
    return n;
  }

  /**
   * Runs every layer's chain once (stage 1's Spark job) and tells {@code listener} after each stage
   * 1..{@link #longest}, read off the chains.
   */
  void run(Layers layers, Listener listener) {
    int longest = longest(layers);
    int n = layers.size();
    List<List<EncodedStep>> chains = new ArrayList<>();
    EncodedTensor[][] decoded = new EncodedTensor[n][];
    boolean[] elsewhere = new boolean[n];
    for (int i = 1; i <= longest; i++) {
      List<String> names = new ArrayList<>();
      List<String> kinds = new ArrayList<>();
      List<String> prefixes = new ArrayList<>();
      List<ChainTask> tasks = new ArrayList<>();
      List<EncodedTensor> enc = new ArrayList<>();
      for (int k = 0; k < n; k++) {
        StagePlan plan = layers.plan(k);
        int m = Math.min(i, plan.stages().size());
        StagePlan prefix = plan.prefix(m);
        names.add(plan.stages().isEmpty() ? "lnr" : plan.stages().get(m - 1).text());
        kinds.add(plan.stages().isEmpty() ? "lnr" : plan.stages().get(m - 1).name());
        prefixes.add(prefix.toString());
        EncodedTensor e = i == 1 || elsewhere[k] ? layers.encodeElsewhere(k, prefix) : null;
        elsewhere[k] = e != null;
        enc.add(e);
        if (i == 1 && e == null) {
          tasks.add(new ChainTask(layers.name(k), plan, layers.weight(k), layers.autocorrelation(k),
              layers.pruned(k)));
        }
      }
      String label = names.stream().distinct().count() == 1 ? names.get(0)
          : kinds.stream().distinct().count() == 1 ? kinds.get(0) : "stage " + i;
      Phase phase = Progress.phase("stage").step(i - 1, longest).stage(label)
          .message(i == 1 ? "encode " + tasks.size() + " layers" : "stage " + i + " of each layer's chain").start();
      if (i == 1) {
        Iterator<List<EncodedStep>> done = tasks.isEmpty() ? java.util.Collections.emptyIterator()
            : runChains(tasks).iterator();
        for (int k = 0; k < n; k++) {
          chains.add(elsewhere[k] ? null : done.next());
          decoded[k] = elsewhere[k] ? null : new EncodedTensor[chains.get(k).size()];
        }
      }
      Map<String, Object> spectra = new LinkedHashMap<>();
      Map<String, Map<String, Object>> factorCodebooks = new LinkedHashMap<>();
      Map<String, Double> errors = new LinkedHashMap<>();
      for (int k = 0; k < n; k++) {
        if (elsewhere[k]) {
          continue;
        }
        int j = Math.min(i, chains.get(k).size()) - 1;
        EncodedStep t = chains.get(k).get(j);
        if (decoded[k][j] == null) {
          decoded[k][j] = TensorCodecs.decode(t.codec, t.bytes);
        }
        enc.set(k, decoded[k][j]);
        String layer = layers.name(k);
        errors.put(layer, t.relativeError);
        if (t.singularValues != null) {
          io.nncompress.compress.Stage.Svd s = (io.nncompress.compress.Stage.Svd) layers.plan(k).stages().get(0);
          Map<String, Object> x = new LinkedHashMap<>();
          x.put("stage", s.text());
          x.put("of", s.aware() ? "W L" : "W");
          x.put("rank", t.rank);
          x.put("factored", enc.get(k) instanceof LowRankEncoded);
          x.put("singular_values", t.singularValues);
          spectra.put(layer, x);
        }
        if (i == longest && !t.factorCodebooks.isEmpty()) {
          factorCodebooks.put(layer, t.factorCodebooks);
        }
      }
      try {
        String result = listener.after(new Stage(i, i == longest, label, prefixes, enc, spectra, factorCodebooks,
            errors));
        if (result != null) {
          phase.result(result);
        }
      } finally {
        phase.close();
      }
    }
  }

  /**
   * Runs every task's chain as its own Spark task: per layer, what each stage of its chain left (one
   * raw float32 step for a layer without stages). The codebooks of a low-rank layer's factors are
   * made for its last stage.
   */
  List<List<EncodedStep>> runChains(List<ChainTask> tasks) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    jsc.setJobGroup("nncompress-compress", "nncompress compress: stages of " + tasks.size() + " layers", false);
    try {
      return jsc.parallelize(tasks, tasks.size()).map(t -> {
        try {
          List<StagePlan.Encoded> chain = StageChain.run(t.plan, t.weight, t.r, t.pruned);
          if (chain.isEmpty()) {
            chain = List.of(t.plan.encodeWithSpectrum(t.weight, t.r));
          }
          List<EncodedStep> steps = new ArrayList<>();
          for (int j = 0; j < chain.size(); j++) {
            steps.add(new EncodedStep(t.layer, chain.get(j), t.weight, j == chain.size() - 1));
          }
          return steps;
        } catch (IllegalArgumentException e) {
          throw new BadInputException("Layer " + t.layer + ", stages " + t.plan + ": " + e.getMessage(), e);
        }
      }).collect();
    } catch (BadInputException e) {
      throw e;
    } catch (Exception e) {
      BadInputException bad = BadInputException.find(e);
      throw bad != null ? new BadInputException(bad.getMessage(), e)
          : new RuntimeException("Stages failed: " + e.getMessage(), e);
    } finally {
      jsc.clearJobGroup();
    }
  }

  /** ||w - d||_F / ||w||_F (0 for a zero w equal to d). */
  static double relativeError(DenseMatrix w, DenseMatrix d) {
    double num = 0;
    double den = 0;
    for (int k = 0; k < w.data.length; k++) {
      double x = w.data[k] - d.data[k];
      num += x * x;
      den += w.data[k] * w.data[k];
    }
    return den == 0 ? (num == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(num / den);
  }

  /**
   * The Deep Compression paper's rate r = sum n*32 / sum (n*log2(k) + k*32) over the layers, n the
   * weights that are stored (nonzero after pruning), k = 2^bits; NaN unless every layer's first i
   * stages share weights with k-means.
   */
  static double paperRate(Layers layers, int i, List<EncodedTensor> enc) {
    double num = 0;
    double den = 0;
    for (int k = 0; k < layers.size(); k++) {
      StagePlan plan = layers.plan(k);
      StagePlan prefix = plan.prefix(Math.min(i, plan.stages().size()));
      if (prefix.isLowRank()) {
        return Double.NaN; // the formula counts the weights of one matrix, not of two factors
      }
      int bits = prefix.kmeans() == null ? 0 : prefix.kmeans().bits();
      if (bits == 0) {
        return Double.NaN;
      }
      long n = 0;
      if (enc.get(k) instanceof DistributedLayers.Encoded) {
        n = ((DistributedLayers.Encoded) enc.get(k)).nonzeros(); // from the codes' counts: no decode here
      } else {
        for (double v : enc.get(k).decode().data) {
          n += v != 0 ? 1 : 0;
        }
      }
      num += 32.0 * n;
      den += (double) n * bits + 32.0 * (1 << bits);
    }
    return num / den;
  }
}
