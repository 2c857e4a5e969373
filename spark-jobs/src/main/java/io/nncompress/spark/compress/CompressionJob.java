package io.nncompress.spark.compress;

import io.nncompress.compress.ChainingStrategy;
import io.nncompress.compress.Evaluation;
import io.nncompress.compress.LayerChain;
import io.nncompress.compress.LayerReport;
import io.nncompress.compress.LnrCompressor;
import io.nncompress.linalg.Blas;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.model.ArchitectureSpec;
import io.nncompress.model.Conv2dLayer;
import io.nncompress.model.Layer;
import io.nncompress.model.LayerType;
import io.nncompress.model.ModelSpecException;
import io.nncompress.model.Network;
import io.nncompress.progress.Phase;
import io.nncompress.progress.Progress;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.io.AtomicOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network compression job: model + calibration data -> distributed forward pass and layer
 * statistics -> LNR of every layer with the chosen chaining strategy -> compressed model,
 * evaluated on held-out data, written atomically (see {@link CompressedModelStore}).
 */
public final class CompressionJob {
  private static final Logger LOG = LoggerFactory.getLogger(CompressionJob.class);

  /** What a run produced. */
  public static final class Outcome {
    public final LnrCompressor.Result result;
    /** Null without evaluation data. */
    public final Evaluation evaluation;
    public final double seconds;
    public final int passes;
    public final long bytesBefore;
    public final long bytesAfter;
    public final long flopsBefore;
    public final long flopsAfter;
    public final List<CompressedModelStore.StoredLayer> layers;
    /** One record per stage (float32 original, lnr, then each stage after LNR); empty without stages. */
    public final List<StageRecord> stages;
    /**
     * The network the stored layers decode to (the LNR network when there are no stages), what
     * model/ holds: a low-rank layer NAME as its two factor layers NAME.0 and NAME.1.
     */
    public final Network finalNetwork;
    /** Weights and biases of the weighted layers of {@link #finalNetwork} (two factors count as such). */
    public final long modelParams;
    /**
     * Per layer through a low-rank stage, the spectrum its rank was chosen on: {"stage", "of" (W for
     * svd, W L for svd_aware with R = L L^T), "rank", "factored", "singular_values"}; empty without.
     */
    public final Map<String, Object> spectra = new LinkedHashMap<>();
    /** Per layer with a kmeans stage, its codebook for the report ({@code codebooks} of the metrics). */
    public final Map<String, Object> codebooks = new LinkedHashMap<>();

    Outcome(LnrCompressor.Result result, Evaluation evaluation, double seconds, int passes,
        List<CompressedModelStore.StoredLayer> layers, List<StageRecord> stages, Network finalNetwork) {
      this.stages = stages;
      this.finalNetwork = finalNetwork;
      this.result = result;
      this.evaluation = evaluation;
      this.seconds = seconds;
      this.passes = passes;
      this.layers = layers;
      long before = 0;
      long after = 0;
      for (int k = 0; k < layers.size(); k++) {
        before += 4 * result.layers.get(k).paramsBefore;
        after += layers.get(k).bytes();
      }
      this.bytesBefore = before;
      this.bytesAfter = after;
      this.flopsBefore = macs(result.original);
      this.flopsAfter = macs(finalNetwork);
      this.modelParams = params(finalNetwork);
    }

    public long paramsBefore() {
      return result.layers.stream().mapToLong(l -> l.paramsBefore).sum();
    }

    public long paramsAfter() {
      return result.layers.stream().mapToLong(l -> l.paramsAfter).sum();
    }
  }

  /** One layer's stages to run on an executor. */
  static final class EncodeTask implements java.io.Serializable {
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
  static final class EncodedLayer implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    final String codec;
    final byte[] bytes;
    final double[] singularValues;
    final int rank;
    /** The codebooks of weight sharing after a low-rank stage, made where the factors are (see StageCodebooks). */
    final Map<String, Object> factorCodebooks;

    EncodedLayer(String layer, io.nncompress.compress.StagePlan.Encoded e, boolean codebooks) {
      this.codec = e.tensor.codec();
      this.bytes = e.tensor.encode();
      this.singularValues = e.spectrum == null ? null : e.spectrum.singularValues();
      this.rank = e.rank;
      this.factorCodebooks = codebooks ? StageCodebooks.ofLowRank(layer, e) : Map.of();
    }
  }

  /**
   * Runs every layer's stages as its own Spark task (layers are compressed in parallel on the
   * cluster) and decodes the encoded bytes that come back on the driver. The spectra of low-rank
   * stages go into {@code spectra} by layer (see {@link Outcome#spectra}) when it is not null, and the
   * codebooks of their factors into {@code factorCodebooks} (made on the executors only then).
   */
  List<io.nncompress.codec.EncodedTensor> encodeOnCluster(List<EncodeTask> tasks, Map<String, Object> spectra,
      Map<String, Map<String, Object>> factorCodebooks) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    jsc.setJobGroup("nncompress-compress", "nncompress compress: stages of " + tasks.size() + " layers", false);
    List<EncodedLayer> out;
    boolean codebooks = factorCodebooks != null;
    try {
      out = jsc.parallelize(tasks, tasks.size()).map(t -> {
        try {
          return new EncodedLayer(t.layer, io.nncompress.compress.StagePlan.parse(t.plan).encodeWithSpectrum(t.weight,
              t.r), codebooks);
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
    List<io.nncompress.codec.EncodedTensor> enc = new ArrayList<>();
    for (int k = 0; k < out.size(); k++) {
      EncodedLayer t = out.get(k);
      enc.add(io.nncompress.codec.TensorCodecs.decode(t.codec, t.bytes));
      if (spectra != null && t.singularValues != null) {
        io.nncompress.compress.StagePlan.Stage s = io.nncompress.compress.StagePlan.parse(tasks.get(k).plan).stages()
            .get(0);
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("stage", s.text);
        x.put("of", s.name.equals("svd_aware") ? "W L" : "W");
        x.put("rank", t.rank);
        x.put("factored", enc.get(k) instanceof io.nncompress.codec.lowrank.LowRankEncoded);
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
  static double paperRate(LayerChain chain, CompressionConfig config, int i, List<io.nncompress.codec.EncodedTensor> enc) {
    double num = 0;
    double den = 0;
    for (int k = 0; k < chain.size(); k++) {
      io.nncompress.compress.StagePlan plan = config.stagesOf(chain.layer(k).name());
      io.nncompress.compress.StagePlan prefix = plan.prefix(Math.min(i, plan.stages().size()));
      int bits = 0;
      if (prefix.isLowRank()) {
        return Double.NaN; // the formula counts the weights of one matrix, not of two factors
      }
      for (io.nncompress.compress.StagePlan.Stage s : prefix.stages()) {
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

  /** The model after one stage: bytes, parameters, accuracy, and the bytes of each layer. */
  public static final class StageRecord {
    /** The Deep Compression paper's formula for this stage (NaN where it does not apply). */
    public double paperRate = Double.NaN;
    public final String stage;
    public final long bytes;
    public final long params;
    public final double accuracy;
    public final double agreement;
    public final Map<String, Long> layerBytes;
    public final Map<String, Long> layerWeights;

    StageRecord(String stage, long bytes, long params, double accuracy, double agreement, Map<String, Long> layerBytes,
        Map<String, Long> layerWeights) {
      this.stage = stage;
      this.bytes = bytes;
      this.params = params;
      this.accuracy = accuracy;
      this.agreement = agreement;
      this.layerBytes = layerBytes;
      this.layerWeights = layerWeights;
    }
  }

  /** Weights and biases of the weighted (dense, conv2d) layers. */
  public static long params(Network net) {
    long s = 0;
    for (Layer l : net.layers()) {
      if (l.type() == LayerType.DENSE || l.type() == LayerType.CONV2D) {
        DenseMatrix w = LayerChain.weight(l);
        double[] b = LayerChain.bias(l);
        s += (long) w.rows * w.cols + (b == null ? 0 : b.length);
      }
    }
    return s;
  }

  /**
   * Multiply-adds of one forward pass of one sample through the weighted layers; a low-rank layer
   * as two layers costs r (d + h) (dense), r (I k k + O) per output position (conv).
   */
  public static long macs(Network net) {
    long s = 0;
    for (Layer l : net.layers()) {
      if (l.type() == LayerType.DENSE) {
        s += (long) l.inputShape().size() * l.outputShape().size();
      } else if (l.type() == LayerType.CONV2D) {
        Conv2dLayer c = (Conv2dLayer) l;
        s += (long) c.weight().rows * c.weight().cols * c.geometry().positions();
      }
    }
    return s;
  }

  private final SparkSession spark;
  private final CompressionConfig config;

  public CompressionJob(SparkSession spark, CompressionConfig config) {
    this.spark = spark;
    this.config = config;
  }

  /**
   * Checks the model (spec against the weights' header), the datasets' schemas and the output,
   * before any heavy work. Returns the loaded network.
   */
  public Network validate(boolean overwrite) {
    Network net;
    try {
      ArchitectureSpec spec = ArchitectureSpec.read(config.spec);
      Network.validate(spec, config.weights);
      net = DistributedLayers.load(config); // a large layer kept whole stays in the file
    } catch (ModelSpecException e) {
      throw new BadInputException("Model " + config.spec + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new BadInputException("Model " + config.weights + ": " + e.getMessage(), e);
    }
    Network folded = net.foldBatchNorm();
    LayerChain chain;
    try {
      chain = LayerChain.of(folded);
    } catch (IllegalArgumentException e) {
      throw new BadInputException("Model " + config.spec + ": " + e.getMessage(), e);
    }
    List<String> names = new ArrayList<>();
    for (int k = 0; k < chain.size(); k++) {
      names.add(chain.layer(k).name());
    }
    for (String l : config.layerTargets.keySet()) {
      if (!names.contains(l)) {
        throw new BadInputException("Config " + config.source + ", key lnr.layers." + l + ": no weighted layer '" + l
            + "' in " + config.spec + "; its weighted layers are " + names);
      }
    }
    for (String l : config.keptWhole) {
      if (!names.contains(l)) {
        throw new BadInputException("Config " + config.source + ", key lnr.layers." + l + ": no weighted layer '" + l
            + "'; its weighted layers are " + names);
      }
    }
    int features = net.inputShape().size();
    if (config.calibration != null) {
      InputData.open(spark, config.calibration, config.inputColumn, config.labelColumn, features);
    }
    for (String l : config.activations.keySet()) {
      if (!names.contains(l)) {
        throw new BadInputException("Config " + config.source + ", key data.activations." + l + ": no weighted layer '"
            + l + "'; its weighted layers are " + names);
      }
    }
    if (config.calibration == null) {
      for (String l : names) {
        if (!config.activations.containsKey(l)) {
          throw new BadInputException("Config " + config.source + ": layer " + l + " has no data.activations entry "
              + "(and there is no data.calibration for a forward pass)");
        }
      }
    }
    if (config.evaluation != null) {
      InputData.open(spark, config.evaluation, config.inputColumn, config.labelColumn, features);
    }
    CompressionChecks.check(spark, config, chain, overwrite);
    return net;
  }

  /** Compresses and evaluates with the configured strategy, without writing. */
  public Outcome compute(Network net) {
    return compute(net, config.strategy, null);
  }

  /**
   * Compresses with {@code strategy}; statistics of the original network may be shared between
   * strategies through {@code shared} (null: a fresh source).
   */
  public Outcome compute(Network net, ChainingStrategy strategy, SparkStatistics shared) {
    return compute(net, strategy, shared, null);
  }

  /** Like {@link #compute(Network, ChainingStrategy, SparkStatistics)}, keeping and reusing checkpoints. */
  public Outcome compute(Network net, ChainingStrategy strategy, SparkStatistics shared, JobCheckpoints checkpoints) {
    long t0 = System.nanoTime();
    Phase phase = Progress.phase("compress").strategy(strategy.id).message("compress " + net.name()).start();
    int features = net.inputShape().size();
    SparkStatistics stats = shared != null ? shared : config.calibration == null ? null : new SparkStatistics(spark,
        InputData.open(spark, config.calibration, config.inputColumn, config.labelColumn, features), config.batchSize);
    int passesBefore = stats == null ? 0 : stats.passes();
    io.nncompress.compress.StatisticsSource source = config.activations.isEmpty() ? stats
        : new ActivationStatistics(spark, config.activations);
    if (checkpoints != null) {
      source = checkpoints.wrap(source);
    }
    GroupLassoSolver solver = GroupLassoSolver.defaults().tolerance(config.tolerance)
        .maxIterations(config.maxIterations);
    LOG.info("Compressing {} ({} strategy) with {}", net.name(), strategy.id, Blas.describe());
    LnrCompressor.Result r = new LnrCompressor(strategy, config::targetOf, solver).checkpoints(checkpoints)
        .compress(net, source);
    List<int[]> keptOutputs = keptOutputs(r);
    Evaluation ev = null;
    if (config.evaluation != null) {
      ev = evaluate(r.original, r.compressed, keptOutputs,
          InputData.open(spark, config.evaluation, config.inputColumn, config.labelColumn, features));
      for (int k = 0; k < r.layers.size(); k++) {
        r.layers.get(k).heldOutRelativeError = ev.layerRelativeError[k];
      }
    }
    List<CompressedModelStore.StoredLayer> stored = CompressedModelStore.layers(r.original, r.compressed,
        r.keptGroups, keptOutputs, r.layers, "lnr(" + strategy.id + ")");
    int passes = (stats == null ? (int) config.activations.values().stream().map(a -> a.dataset).distinct().count()
        : stats.passes() - passesBefore) + (ev == null ? 0 : 1);
    List<StageRecord> records = new ArrayList<>();
    Map<String, Object> codebooks = new LinkedHashMap<>();
    Network finalNet = r.compressed;
    Map<String, Object> lastSpectra = Map.of();
    LayerChain chain = LayerChain.of(r.compressed);
    int longest = 0;
    for (int k = 0; k < chain.size(); k++) {
      longest = Math.max(longest, config.stagesOf(chain.layer(k).name()).stages().size());
    }
    if (longest > 0) {
      InputData test = config.evaluation == null ? null
          : InputData.open(spark, config.evaluation, config.inputColumn, config.labelColumn, features);
      long paramsBefore = r.layers.stream().mapToLong(l -> l.paramsBefore).sum();
      long paramsAfter = r.layers.stream().mapToLong(l -> l.paramsAfter).sum();
      Map<String, Long> origBytes = new LinkedHashMap<>();
      Map<String, Long> origWeights = new LinkedHashMap<>();
      Map<String, Long> lnrBytes = new LinkedHashMap<>();
      Map<String, Long> lnrWeights = new LinkedHashMap<>();
      for (int k = 0; k < stored.size(); k++) {
        origBytes.put(stored.get(k).layer, 4 * r.layers.get(k).paramsBefore);
        origWeights.put(stored.get(k).layer, weightsOf(LayerChain.of(r.original).layer(k)));
        lnrBytes.put(stored.get(k).layer, stored.get(k).bytes());
        lnrWeights.put(stored.get(k).layer, weightsOf(chain.layer(k)));
      }
      DistributedLayers distributed = new DistributedLayers(spark, config, r.original);
      records.add(new StageRecord("float32", 4 * paramsBefore, paramsBefore,
          ev == null ? Double.NaN : ev.accuracyOriginal, 1.0, origBytes, origWeights));
      records.add(new StageRecord("lnr", stored.stream().mapToLong(CompressedModelStore.StoredLayer::bytes).sum(),
          paramsAfter, ev == null ? Double.NaN : ev.accuracyCompressed, ev == null ? Double.NaN : ev.agreement,
          lnrBytes, lnrWeights));
      io.nncompress.stats.AutocorrelationStats[] rs = null;
      boolean aware = false;
      for (int k = 0; k < chain.size(); k++) {
        aware |= config.stagesOf(chain.layer(k).name()).needsStatistics();
      }
      if (aware && stats == null) {
        throw new BadInputException("Config " + config.source + ": data-aware stages need data.calibration (the "
            + "compressed network's statistics come from a forward pass)");
      }
      if (aware) {
        int[] idx = new int[chain.size()];
        for (int k = 0; k < idx.length; k++) {
          idx[k] = chain.networkIndex(k);
        }
        rs = stats.inputs(r.compressed, idx);
      }
      for (int i = 1; i <= longest; i++) {
        List<String> names = new ArrayList<>();
        List<EncodeTask> tasks = new ArrayList<>();
        io.nncompress.codec.EncodedTensor[] encoded = new io.nncompress.codec.EncodedTensor[chain.size()];
        for (int k = 0; k < chain.size(); k++) {
          io.nncompress.compress.StagePlan plan = config.stagesOf(chain.layer(k).name());
          io.nncompress.compress.StagePlan prefix = plan.prefix(Math.min(i, plan.stages().size()));
          names.add(plan.stages().isEmpty() ? "lnr" : plan.stages().get(Math.min(i, plan.stages().size()) - 1).text);
          if (distributed.routes(chain.layer(k).name())) { // too large to collect: see DistributedLayers
            encoded[k] = distributed.encode(chain.layer(k), prefix, rs == null ? null
                : DistributedLayers.diagonal(rs[k].autocorrelation(), LayerChain.weightCols(chain.layer(k))));
            continue;
          }
          DenseMatrix w = LayerChain.weight(chain.layer(k));
          DenseMatrix rk = rs == null ? null : rs[k].autocorrelation().selectSymmetric(range(w.cols));
          tasks.add(new EncodeTask(chain.layer(k).name(), prefix.toString(), w, rk));
        }
        Phase stagePhase = Progress.phase("stage").step(i - 1, longest).stage(names.stream().distinct().count() == 1
            ? names.get(0) : "stage " + i).message("encode " + tasks.size() + " layers").start();
        Map<String, Object> spectra = new LinkedHashMap<>();
        Map<String, Map<String, Object>> factorCodebooks = new LinkedHashMap<>();
        List<io.nncompress.codec.EncodedTensor> enc = new ArrayList<>(java.util.Arrays.asList(encoded));
        java.util.Iterator<io.nncompress.codec.EncodedTensor> done = tasks.isEmpty()
            ? java.util.Collections.emptyIterator()
            : encodeOnCluster(tasks, spectra, i == longest ? factorCodebooks : null).iterator();
        for (int k = 0; k < enc.size(); k++) {
          if (enc.get(k) == null) {
            enc.set(k, done.next());
          }
        }
        double paperRate = paperRate(chain, config, i, enc);
        Network decoded = withWeights(r.compressed, chain, enc);
        Evaluation e = test == null ? null : evaluate(r.original, decoded, keptOutputs, test);
        if (test != null) {
          passes++;
        }
        List<CompressedModelStore.StoredLayer> staged = new ArrayList<>();
        Map<String, Long> lb = new LinkedHashMap<>();
        for (int k = 0; k < stored.size(); k++) {
          CompressedModelStore.StoredLayer l = stored.get(k);
          staged.add(new CompressedModelStore.StoredLayer(l.layer, l.type, l.method + " -> "
              + config.stagesOf(l.layer).prefix(Math.min(i, config.stagesOf(l.layer).stages().size())), l.originalShape,
              l.shape, l.keptInputs, l.keptOutputs, enc.get(k), l.bias, l.metrics));
          lb.put(l.layer, staged.get(k).bytes());
        }
        String label = names.stream().distinct().count() == 1 ? names.get(0) : "stage " + i;
        records.add(new StageRecord(label, lb.values().stream().mapToLong(Long::longValue).sum(), params(decoded),
            e == null ? Double.NaN : e.accuracyCompressed, e == null ? Double.NaN : e.agreement, lb, lnrWeights));
        records.get(records.size() - 1).paperRate = paperRate;
        if (i == longest) {
          stored = staged;
          finalNet = decoded;
          lastSpectra = spectra;
          codebooks.putAll(StageCodebooks.of(config, chain, enc, distributed, factorCodebooks));
        }
        LOG.info("After {}: {} bytes, accuracy {}", label, records.get(records.size() - 1).bytes,
            e == null ? "n/a" : e.accuracyCompressed);
        stagePhase.result(records.get(records.size() - 1).bytes + " bytes").close();
      }
    }
    phase.close();
    Outcome outcome = new Outcome(r, ev, (System.nanoTime() - t0) / 1e9, passes, stored, records, finalNet);
    outcome.spectra.putAll(lastSpectra);
    outcome.codebooks.putAll(codebooks);
    return outcome;
  }

  /**
   * Every plan applied alone after the same LNR result (e.g. the demo's comparison of codecs at
   * comparable sizes): one record per plan with the real bytes and the accuracy on the evaluation
   * data. Data-aware plans use the compressed network's layer statistics (one more pass, shared).
   */
  public List<StageRecord> compareCodecs(Outcome lnr, List<io.nncompress.compress.StagePlan> plans,
      SparkStatistics stats) {
    LnrCompressor.Result r = lnr.result;
    LayerChain chain = LayerChain.of(r.compressed);
    int features = r.original.inputShape().size();
    InputData test = InputData.open(spark, config.evaluation, config.inputColumn, config.labelColumn, features);
    List<int[]> keptOutputs = keptOutputs(r);
    io.nncompress.stats.AutocorrelationStats[] rs = null;
    List<StageRecord> out = new ArrayList<>();
    for (io.nncompress.compress.StagePlan plan : plans) {
      Phase phase = Progress.phase("codec").stage(plan.toString()).step(out.size(), plans.size()).start();
      if (plan.needsStatistics() && rs == null) {
        int[] idx = new int[chain.size()];
        for (int k = 0; k < idx.length; k++) {
          idx[k] = chain.networkIndex(k);
        }
        rs = stats.inputs(r.compressed, idx);
      }
      List<io.nncompress.codec.EncodedTensor> enc = new ArrayList<>();
      Map<String, Long> lb = new LinkedHashMap<>();
      Map<String, Long> lw = new LinkedHashMap<>();
      long bytes = 0;
      for (int k = 0; k < chain.size(); k++) {
        DenseMatrix w = LayerChain.weight(chain.layer(k));
        DenseMatrix rk = rs == null ? null : rs[k].autocorrelation().selectSymmetric(range(w.cols));
        io.nncompress.codec.EncodedTensor e = plan.encode(w, rk);
        enc.add(e);
        double[] b = LayerChain.bias(chain.layer(k));
        long lbytes = e.encode().length + (b == null ? 0 : 4L * b.length);
        lb.put(chain.layer(k).name(), lbytes);
        lw.put(chain.layer(k).name(), weightsOf(w));
        bytes += lbytes;
      }
      Network decoded = withWeights(r.compressed, chain, enc);
      Evaluation e = evaluate(r.original, decoded, keptOutputs, test);
      out.add(new StageRecord(plan.toString(), bytes, params(decoded), e.accuracyCompressed, e.agreement, lb, lw));
      LOG.info("Codec {}: {} bytes, accuracy {}", plan, bytes, e.accuracyCompressed);
      phase.result(bytes + " bytes").close();
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

  private static long weightsOf(DenseMatrix w) {
    return (long) w.rows * w.cols;
  }

  private static long weightsOf(Layer l) {
    return (long) LayerChain.weightRows(l) * LayerChain.weightCols(l);
  }

  /**
   * The network with each weighted layer's weight replaced by what its encoded form decodes to. A
   * low-rank form (P Q^T, stored as factors only when r (h + d) &lt; h d) becomes two layers, NAME.0
   * (Q^T) and NAME.1 (P and the bias): see {@link io.nncompress.model.FactoredLayers}.
   */
  static Network withWeights(Network net, LayerChain chain, List<io.nncompress.codec.EncodedTensor> enc) {
    Map<String, io.nncompress.format.safetensors.Tensor> tensors = new LinkedHashMap<>(net.tensors());
    Map<String, DenseMatrix[]> factors = new LinkedHashMap<>();
    for (int k = 0; k < chain.size(); k++) {
      Layer l = chain.layer(k);
      if (enc.get(k) instanceof DistributedLayers.Encoded) {
        // decoded where it is read (the evaluation's tasks), streamed when written: never whole here
        tensors.put(l.spec().weight, ((DistributedLayers.Encoded) enc.get(k)).tensor());
        continue;
      }
      if (enc.get(k) instanceof io.nncompress.codec.lowrank.LowRankEncoded f
          && io.nncompress.codec.lowrank.LowRankEncoded.savesWeights(f.rows(), f.cols(), f.rank())) {
        factors.put(l.name(), new DenseMatrix[] {f.first(), f.second()});
        continue;
      }
      DenseMatrix w = enc.get(k).decode();
      int[] shape = CompressedModelStore.shapeOf(l);
      long[] ls = new long[shape.length];
      for (int i = 0; i < shape.length; i++) {
        ls[i] = shape[i];
      }
      tensors.put(l.spec().weight, io.nncompress.format.safetensors.Tensor.f32(w.toRowMajor(), ls));
    }
    Network decoded = Network.build(net.spec(), new io.nncompress.format.safetensors.SafetensorsFile(tensors),
        net.name());
    return factors.isEmpty() ? decoded : io.nncompress.model.FactoredLayers.split(decoded, factors);
  }

  /** Kept output units of each weighted layer of the original network. */
  public static List<int[]> keptOutputs(LnrCompressor.Result r) {
    List<int[]> out = new ArrayList<>();
    LayerChain chain = LayerChain.of(r.original);
    for (int k = 0; k < chain.size(); k++) {
      if (k + 1 < chain.size()) {
        out.add(r.keptGroups.get(k + 1));
      } else {
        int[] all = new int[chain.outputUnits(k)];
        for (int i = 0; i < all.length; i++) {
          all[i] = i;
        }
        out.add(all);
      }
    }
    return out;
  }

  /** One distributed pass comparing the two networks on held-out data. */
  public Evaluation evaluate(Network original, Network compressed, List<int[]> keptOutputs, InputData data) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    jsc.setJobGroup("nncompress-compress", "nncompress compress: evaluation over " + data.dataset, false);
    Broadcast<NetworkBytes> a = jsc.broadcast(NetworkBytes.of(original));
    Broadcast<NetworkBytes> b = jsc.broadcast(NetworkBytes.of(compressed));
    int batch = config.batchSize;
    Phase phase = Progress.phase("evaluation").message("over " + data.dataset).start();
    try {
      Evaluation.Partial p = data.rows().mapPartitions(it -> {
        Evaluation.Probe probe = new Evaluation.Probe(a.value().build(), b.value().build());
        data.forEachBatch(it, batch, probe::add);
        return Collections.singletonList(probe.finish()).iterator();
      }).treeReduce(Evaluation.Partial::merge, 2);
      if (p.samples() == 0) {
        throw new BadInputException("Dataset " + data.dataset + ": the dataset has no rows");
      }
      return Evaluation.of(original, compressed, keptOutputs, p);
    } catch (BadInputException e) {
      throw e;
    } catch (Exception e) {
      BadInputException bad = BadInputException.find(e);
      throw bad != null ? new BadInputException(bad.getMessage(), e)
          : io.nncompress.spark.autocorr.ParquetInputs.wrapReadFailure(data.dataset, e);
    } finally {
      a.destroy();
      b.destroy();
      jsc.clearJobGroup();
      phase.close();
    }
  }

  /**
   * Validates, compresses, evaluates and writes atomically. What is computed along the way is kept
   * in checkpoints beside the output until it is committed, so that rerunning the same command
   * after a failure resumes: statistics and layers already done are not computed again.
   */
  public Outcome run(boolean overwrite) {
    Network net = validate(overwrite);
    JobCheckpoints cp = new JobCheckpoints(spark, config.output, JobCheckpoints.key(spark, config, net));
    lastCheckpoints = cp;
    try {
      Outcome o = compute(net, config.strategy, null, cp);
      if (cp.reusedStatistics() > 0 || cp.reusedLayers() > 0) {
        LOG.info("Resumed from {}: {} statistics pass(es) and {} layer(s) reused", cp.directory(),
            cp.reusedStatistics(), cp.reusedLayers());
      }
      Map<String, Object> metrics = metrics(o);
      try (Phase phase = Progress.phase("write").message(config.output).start()) {
        AtomicOutput.commit(spark, config.output, overwrite,
            tmp -> CompressedModelStore.write(spark, tmp, o.finalNetwork, o.layers, metrics));
      }
      cp.delete();
      return o;
    } catch (RuntimeException | Error e) {
      cp.failed(e); // says where the checkpoints are, or removes those no rerun can use
      throw e;
    }
  }

  private JobCheckpoints lastCheckpoints;

  /** The checkpoints of the last {@link #run} (for tests and logs). */
  public JobCheckpoints lastCheckpoints() {
    return lastCheckpoints;
  }

  /** metrics.json: per layer and end to end. */
  public Map<String, Object> metrics(Outcome o) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format_version", CompressedModelStore.FORMAT_VERSION);
    m.put("model", o.result.original.name());
    m.put("strategy", o.result.strategy.id);
    m.put("seconds", o.seconds);
    m.put("passes_over_data", o.passes);
    m.put("blas", Blas.describe());
    Map<String, Object> cfg = new LinkedHashMap<>();
    cfg.put("model", String.valueOf(config.spec));
    cfg.put("weights", String.valueOf(config.weights));
    cfg.put("calibration", config.calibration != null ? config.calibration : "activations " + config.activations.keySet());
    cfg.put("evaluation", String.valueOf(config.evaluation));
    cfg.put("strategy", o.result.strategy.id);
    cfg.put("target", String.valueOf(config.target));
    cfg.put("layer_targets", String.valueOf(config.layerTargets));
    cfg.put("stages", String.valueOf(config.stages));
    cfg.put("layer_stages", String.valueOf(config.layerStages));
    cfg.put("distributed_above", config.distributedAbove);
    cfg.put("tolerance", config.tolerance);
    cfg.put("output", config.output);
    m.put("config", cfg);
    m.put("timings", Map.of("total", o.seconds));
    Map<String, Object> total = new LinkedHashMap<>();
    total.put("params_before", o.paramsBefore());
    total.put("params_after", o.paramsAfter());
    total.put("params_ratio", (double) o.paramsAfter() / o.paramsBefore());
    total.put("bytes_before", o.bytesBefore);
    total.put("bytes_after", o.bytesAfter);
    total.put("macs_before", o.flopsBefore);
    total.put("macs_after", o.flopsAfter);
    total.put("model_params", o.modelParams);
    int[] sel = o.result.compressed.inputSelect();
    total.put("inputs_before", o.result.original.inputShape().size());
    total.put("inputs_after", sel == null ? o.result.original.inputShape().size() : sel.length);
    if (o.evaluation != null) {
      total.put("evaluation_samples", o.evaluation.samples);
      total.put("accuracy_before", o.evaluation.accuracyOriginal);
      // after: the model written (its last stage), like bytes_after; accuracy_lnr: after LNR alone
      StageRecord last = o.stages.isEmpty() ? null : o.stages.get(o.stages.size() - 1);
      total.put("accuracy_after", last == null ? o.evaluation.accuracyCompressed : last.accuracy);
      total.put("top1_agreement", last == null ? o.evaluation.agreement : last.agreement);
      total.put("accuracy_lnr", o.evaluation.accuracyCompressed);
    }
    m.put("end_to_end", total);
    List<Map<String, Object>> layers = new ArrayList<>();
    List<LayerChain.Match> inModel = LayerChain.match(LayerChain.of(o.result.compressed), o.finalNetwork);
    for (int k = 0; k < o.result.layers.size(); k++) {
      LayerReport l = o.result.layers.get(k);
      Map<String, Object> x = new LinkedHashMap<>();
      x.put("layer", l.layer);
      List<String> modelLayers = new ArrayList<>();
      for (int i = 0; i < inModel.get(k).span; i++) {
        modelLayers.add(o.finalNetwork.layer(inModel.get(k).index + i).name());
      }
      x.put("model_layers", modelLayers);
      x.put("bytes_before", 4 * l.paramsBefore);
      x.put("bytes_after", o.layers.get(k).bytes());
      x.put("type", l.type);
      x.put("target", l.target);
      x.put("inputs_before", l.inputsBefore);
      x.put("inputs_after", l.inputsAfter);
      x.put("outputs_before", l.outputsBefore);
      x.put("outputs_after", l.outputsAfter);
      x.put("params_before", l.paramsBefore);
      x.put("params_after", l.paramsAfter);
      x.put("lambda", l.lambda);
      x.put("lambda_max", l.lambdaMax);
      x.put("iterations", l.iterations);
      x.put("solver", l.method);
      x.put("target_reached", l.targetReached);
      x.put("relative_error_lasso", l.relativeErrorLasso);
      x.put("relative_error_debiased", l.relativeErrorDebiased);
      x.put("relative_error_held_out", l.heldOutRelativeError);
      List<Map<String, Object>> path = new ArrayList<>();
      for (io.nncompress.lnr.LambdaSearch.PathPoint p : l.path) {
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("lambda", p.lambda);
        q.put("kept", p.kept);
        q.put("relative_error_lasso", p.relativeErrorLasso);
        q.put("relative_error_debiased", p.relativeErrorDebiased);
        path.add(q);
      }
      x.put("lambda_path", path);
      layers.add(x);
    }
    m.put("layers", layers);
    if (!o.spectra.isEmpty()) {
      m.put("spectra", o.spectra);
    }
    if (!o.stages.isEmpty()) {
      List<Map<String, Object>> st = new ArrayList<>();
      for (StageRecord r : o.stages) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("stage", r.stage);
        x.put("bytes", r.bytes);
        x.put("params", r.params);
        x.put("accuracy", r.accuracy);
        x.put("agreement", r.agreement);
        x.put("layer_bytes", r.layerBytes);
        x.put("paper_rate", r.paperRate);
        x.put("real_rate", (double) o.stages.get(0).bytes / r.bytes);
        st.add(x);
      }
      m.put("stages", st);
    }
    if (!o.codebooks.isEmpty()) {
      m.put("codebooks", o.codebooks);
    }
    return m;
  }
}
