package io.nncompress.spark.compress;

import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.TensorCodecs;
import io.nncompress.codec.lowrank.LowRankEncoded;
import io.nncompress.compress.StagePlan;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.progress.Phase;
import io.nncompress.progress.Progress;
import io.nncompress.spark.autocorr.BadInputException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The stages after LNR (kmeans, huffman, svd, uniform, pq, ...) of every layer, whatever the layers
 * came from (a network the engine runs, or a layer map over a safetensors file). Stage i of the
 * pipeline is the prefix of i stages of every layer's plan; each layer's prefix runs as its own Spark
 * task (layers are encoded in parallel on the cluster) and the encoded bytes are decoded on the
 * driver. After each stage the caller sees the encoded layers ({@link Listener}): the network path
 * evaluates the decoded network there, the layer-map path records bytes.
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
  }

  /** What one stage produced. */
  static final class Stage {
    /** 1-based. */
    final int index;
    final boolean last;
    /** The stage's name when every layer runs the same one, else "stage i". */
    final String label;
    /** Each layer's prefix of its plan up to this stage, as text. */
    final List<String> prefixes;
    final List<EncodedTensor> encoded;
    /** Per layer through a low-rank stage, its spectrum (see {@link CompressionJob.Outcome#spectra}). */
    final Map<String, Object> spectra;
    /** Codebooks of the factors of low-rank layers (made in the last stage only). */
    final Map<String, Map<String, Object>> factorCodebooks;

    Stage(int index, boolean last, String label, List<String> prefixes, List<EncodedTensor> encoded,
        Map<String, Object> spectra, Map<String, Map<String, Object>> factorCodebooks) {
      this.index = index;
      this.last = last;
      this.label = label;
      this.prefixes = prefixes;
      this.encoded = encoded;
      this.spectra = spectra;
      this.factorCodebooks = factorCodebooks;
    }
  }

  /** Called after each stage; returns what the stage's progress line ends with (or null). */
  interface Listener {
    String after(Stage stage);
  }

  /** One layer's stages to run on an executor. */
  static final class EncodeTask implements Serializable {
    private static final long serialVersionUID = 1L;
    final String layer;
    final String plan;
    final DenseMatrix weight;
    final DenseMatrix r;

    EncodeTask(String layer, String plan, DenseMatrix weight, DenseMatrix r) {
      this.layer = layer;
      this.plan = plan;
      this.weight = weight;
      this.r = r;
    }
  }

  /** What one layer's task sends back: the encoded weight and a low-rank stage's spectrum (or null). */
  static final class EncodedLayer implements Serializable {
    private static final long serialVersionUID = 1L;
    final String codec;
    final byte[] bytes;
    final double[] singularValues;
    final int rank;
    /** The codebooks of weight sharing after a low-rank stage, made where the factors are (see StageCodebooks). */
    final Map<String, Object> factorCodebooks;

    EncodedLayer(String layer, StagePlan.Encoded e, boolean codebooks) {
      this.codec = e.tensor.codec();
      this.bytes = e.tensor.encode();
      this.singularValues = e.spectrum == null ? null : e.spectrum.singularValues();
      this.rank = e.rank;
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

  /** Runs stages 1..{@link #longest} and tells {@code listener} after each. */
  void run(Layers layers, Listener listener) {
    int longest = longest(layers);
    for (int i = 1; i <= longest; i++) {
      List<String> names = new ArrayList<>();
      List<String> prefixes = new ArrayList<>();
      List<EncodeTask> tasks = new ArrayList<>();
      EncodedTensor[] encoded = new EncodedTensor[layers.size()];
      for (int k = 0; k < layers.size(); k++) {
        StagePlan plan = layers.plan(k);
        int n = Math.min(i, plan.stages().size());
        StagePlan prefix = plan.prefix(n);
        names.add(plan.stages().isEmpty() ? "lnr" : plan.stages().get(n - 1).text);
        prefixes.add(prefix.toString());
        encoded[k] = layers.encodeElsewhere(k, prefix);
        if (encoded[k] == null) {
          tasks.add(new EncodeTask(layers.name(k), prefix.toString(), layers.weight(k), layers.autocorrelation(k)));
        }
      }
      String label = names.stream().distinct().count() == 1 ? names.get(0) : "stage " + i;
      Phase phase = Progress.phase("stage").step(i - 1, longest).stage(label)
          .message("encode " + tasks.size() + " layers").start();
      Map<String, Object> spectra = new LinkedHashMap<>();
      Map<String, Map<String, Object>> factorCodebooks = new LinkedHashMap<>();
      List<EncodedTensor> enc = new ArrayList<>(Arrays.asList(encoded));
      var done = tasks.isEmpty() ? java.util.Collections.<EncodedTensor>emptyIterator()
          : encodeOnCluster(tasks, spectra, i == longest ? factorCodebooks : null).iterator();
      for (int k = 0; k < enc.size(); k++) {
        if (enc.get(k) == null) {
          enc.set(k, done.next());
        }
      }
      try {
        String result = listener.after(new Stage(i, i == longest, label, prefixes, enc, spectra, factorCodebooks));
        if (result != null) {
          phase.result(result);
        }
      } finally {
        phase.close();
      }
    }
  }

  /**
   * Runs every task's stages as its own Spark task and decodes the encoded bytes that come back on
   * the driver. The spectra of low-rank stages go into {@code spectra} by layer when it is not null,
   * and the codebooks of their factors into {@code factorCodebooks} (made on the executors only then).
   */
  List<EncodedTensor> encodeOnCluster(List<EncodeTask> tasks, Map<String, Object> spectra,
      Map<String, Map<String, Object>> factorCodebooks) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    jsc.setJobGroup("nncompress-compress", "nncompress compress: stages of " + tasks.size() + " layers", false);
    List<EncodedLayer> out;
    boolean codebooks = factorCodebooks != null;
    try {
      out = jsc.parallelize(tasks, tasks.size()).map(t -> {
        try {
          return new EncodedLayer(t.layer, StagePlan.parse(t.plan).encodeWithSpectrum(t.weight, t.r), codebooks);
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
    List<EncodedTensor> enc = new ArrayList<>();
    for (int k = 0; k < out.size(); k++) {
      EncodedLayer t = out.get(k);
      enc.add(TensorCodecs.decode(t.codec, t.bytes));
      if (spectra != null && t.singularValues != null) {
        StagePlan.Stage s = StagePlan.parse(tasks.get(k).plan).stages().get(0);
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("stage", s.text);
        x.put("of", s.name.equals("svd_aware") ? "W L" : "W");
        x.put("rank", t.rank);
        x.put("factored", enc.get(k) instanceof LowRankEncoded);
        x.put("singular_values", t.singularValues);
        spectra.put(tasks.get(k).layer, x);
      }
      if (factorCodebooks != null && !t.factorCodebooks.isEmpty()) {
        factorCodebooks.put(tasks.get(k).layer, t.factorCodebooks);
      }
    }
    return enc;
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
      int bits = 0;
      if (prefix.isLowRank()) {
        return Double.NaN; // the formula counts the weights of one matrix, not of two factors
      }
      for (StagePlan.Stage s : prefix.stages()) {
        if (s.name.startsWith("kmeans")) {
          bits = Integer.parseInt(s.args.get(0));
        }
      }
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
