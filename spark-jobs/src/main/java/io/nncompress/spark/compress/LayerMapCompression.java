package io.nncompress.spark.compress;

import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.RawFloat32Tensor;
import io.nncompress.compress.LayerMap;
import io.nncompress.compress.LayerMapCompressor;
import io.nncompress.compress.StagePlan;
import io.nncompress.format.safetensors.SafetensorsDtype;
import io.nncompress.format.safetensors.SafetensorsException;
import io.nncompress.format.safetensors.SafetensorsFile;
import io.nncompress.format.safetensors.SafetensorsReader;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.Blas;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.progress.Phase;
import io.nncompress.progress.Progress;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.io.AtomicOutput;
import io.nncompress.stats.AutocorrelationStats;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Statistics-first compression of a model nncompress does not run: the statistics source is stored
 * {@code autocorr} output, LNR solves each layer of the {@link LayerMap} from its own R, then the same
 * {@link StagePipeline} and {@link CompressedModelStore} as for a network: layers/ Parquet, the model
 * with the user's tensor names and the new shapes (model/model.safetensors, no model.yaml), metrics.json
 * and report.html.
 */
public final class LayerMapCompression {
  private static final Logger LOG = LoggerFactory.getLogger(LayerMapCompression.class);

  /** What a run produced. */
  public static final class Outcome {
    public final LayerMapCompressor.Result lnr;
    public final List<CompressedModelStore.StoredLayer> layers;
    /** float32, lnr, then one record per stage. */
    public final List<CompressionJob.StageRecord> stages;
    /** Every tensor of the written model (the last stage's weights decoded to float32, user's names). */
    public final Map<String, Tensor> tensors;
    public final Map<String, Object> spectra = new LinkedHashMap<>();
    public final Map<String, Object> codebooks = new LinkedHashMap<>();
    public final double seconds;
    /** Seconds of each phase (statistics, lnr, stages), in run order: metrics.json's timings. */
    public final Map<String, Double> timings = new LinkedHashMap<>();

    Outcome(LayerMapCompressor.Result lnr, List<CompressedModelStore.StoredLayer> layers,
        List<CompressionJob.StageRecord> stages, Map<String, Tensor> tensors, double seconds) {
      this.lnr = lnr;
      this.layers = layers;
      this.stages = stages;
      this.tensors = tensors;
      this.seconds = seconds;
    }

    public long paramsBefore() {
      return lnr.layers.stream().mapToLong(l -> l.report.paramsBefore).sum();
    }

    public long paramsAfter() {
      return lnr.layers.stream().mapToLong(l -> l.report.paramsAfter).sum();
    }

    /** Bytes of the stored layers (encoded weights and float32 biases). */
    public long bytesAfter() {
      return layers.stream().mapToLong(CompressedModelStore.StoredLayer::bytes).sum();
    }
  }

  private final SparkSession spark;
  private final CompressionConfig config;
  private final StoredStatistics statistics;

  public LayerMapCompression(SparkSession spark, CompressionConfig config) {
    this.spark = spark;
    this.config = config;
    this.statistics = new StoredStatistics(spark, config.statistics);
  }

  /**
   * Checks the layer map against the weights' header and the stored statistics (names, shapes, d vs
   * p - 1, couples), and the output, reading no tensor data and no tile of R.
   */
  public void validate(boolean overwrite) {
    Map<String, long[]> shapes;
    try {
      shapes = SafetensorsReader.shapes(config.weights);
      SafetensorsReader.checkFinite(config.weights); // NaN or infinity: named by tensor and index
    } catch (IOException e) {
      throw new BadInputException("Model " + config.weights + ": " + e.getMessage(), e);
    }
    Map<String, LayerMapCompressor.StatsShape> statShapes;
    try {
      statShapes = statistics.shapes();
    } catch (IllegalArgumentException e) {
      throw new BadInputException("Config " + config.source + ", key data.statistics: " + e.getMessage(), e);
    }
    try {
      LayerMapCompressor.validate(config.layerMap, shapes, statShapes);
    } catch (IllegalArgumentException e) {
      throw new BadInputException("Config " + config.source + ", key model.layers: " + e.getMessage()
          + " (weights " + config.weights + ", statistics " + config.statistics + ")", e);
    }
    AtomicOutput.checkWritable(spark, config.output, overwrite);
    AtomicOutput.checkNotInput(spark, config.output, Map.of(config.statistics, "statistics",
        config.weightsSource, "model weights"));
  }

  /** LNR of every mapped layer, then the stages, without writing. */
  public Outcome compute() {
    long t0 = System.nanoTime();
    PhaseTimer timer = new PhaseTimer();
    SafetensorsFile model;
    try {
      model = SafetensorsReader.read(config.weights);
    } catch (SafetensorsException e) {
      throw new BadInputException("Model " + config.weights + ": " + e.getMessage(), e);
    } catch (IOException e) {
      throw new BadInputException("Model " + config.weights + " cannot be read: " + e.getMessage(), e);
    }
    timer.lap("model");
    List<String> names = new ArrayList<>();
    config.layerMap.entries.forEach(e -> names.add(e.statistics));
    Map<String, AutocorrelationStats> stats;
    try (Phase phase = Progress.phase("statistics").message("stored statistics of " + names.size() + " layers from "
        + config.statistics).start()) {
      stats = statistics.read(names);
    }
    timer.lap("statistics");
    GroupLassoSolver solver = GroupLassoSolver.defaults().tolerance(config.tolerance)
        .maxIterations(config.maxIterations);
    LOG.info("Compressing {} layers of {} from stored statistics with {}", names.size(), config.weights,
        Blas.describe());
    LayerMapCompressor.Result r;
    try {
      r = new LayerMapCompressor(config::targetOf, solver).compress(config.layerMap, model, stats);
    } catch (IllegalArgumentException e) {
      throw new BadInputException("Config " + config.source + ", key model.layers: " + e.getMessage(), e);
    }
    timer.lap("lnr");
    List<CompressedModelStore.StoredLayer> stored = new ArrayList<>();
    Map<String, Long> origBytes = new LinkedHashMap<>();
    Map<String, Long> lnrBytes = new LinkedHashMap<>();
    Map<String, Long> weights = new LinkedHashMap<>();
    for (LayerMapCompressor.Layer l : r.layers) {
      CompressedModelStore.StoredLayer s = stored(l, RawFloat32Tensor.of(l.encoded), "lnr(parallel)");
      stored.add(s);
      origBytes.put(l.entry.name, 4 * l.report.paramsBefore);
      lnrBytes.put(l.entry.name, s.bytes());
      weights.put(l.entry.name, (long) l.encoded.rows * l.encoded.cols);
    }
    List<CompressionJob.StageRecord> records = new ArrayList<>();
    Map<String, Tensor> tensors = new LinkedHashMap<>(r.tensors);
    StagePipeline.Layers layers = layers(r);
    Map<String, Object> spectra = new LinkedHashMap<>();
    Map<String, Object> codebooks = new LinkedHashMap<>();
    if (StagePipeline.longest(layers) > 0) {
      long before = r.layers.stream().mapToLong(l -> l.report.paramsBefore).sum();
      long after = r.layers.stream().mapToLong(l -> l.report.paramsAfter).sum();
      records.add(new CompressionJob.StageRecord("float32", 4 * before, before, Double.NaN, Double.NaN, origBytes,
          weights));
      records.add(new CompressionJob.StageRecord("lnr", sum(lnrBytes), after, Double.NaN, Double.NaN, lnrBytes,
          weights));
      List<CompressionJob.StageRecord> staged = records;
      new StagePipeline(spark).run(layers, stage -> {
        Map<String, Long> lb = new LinkedHashMap<>();
        List<CompressedModelStore.StoredLayer> out = new ArrayList<>();
        for (int k = 0; k < r.layers.size(); k++) {
          LayerMapCompressor.Layer l = r.layers.get(k);
          out.add(stored(l, stage.encoded.get(k), "lnr(parallel) -> " + stage.prefixes.get(k)));
          lb.put(l.entry.name, out.get(k).bytes());
        }
        CompressionJob.StageRecord rec = new CompressionJob.StageRecord(stage.label, sum(lb), after, Double.NaN,
            Double.NaN, lb, weights);
        rec.paperRate = StagePipeline.paperRate(layers, stage.index, stage.encoded);
        rec.layerErrors = stage.errors;
        staged.add(rec);
        if (stage.last) {
          stored.clear();
          stored.addAll(out);
          spectra.putAll(stage.spectra);
          codebooks.putAll(StageCodebooks.of(layers, stage.encoded, null, stage.factorCodebooks));
          for (int k = 0; k < r.layers.size(); k++) {
            tensors.put(r.layers.get(k).entry.weight, decoded(r.layers.get(k), stage.encoded.get(k)));
          }
        }
        LOG.info("After {}: {} bytes", stage.label, rec.bytes);
        return rec.bytes + " bytes";
      });
      timer.lap("stages");
    }
    Outcome o = new Outcome(r, stored, records, tensors, (System.nanoTime() - t0) / 1e9);
    o.timings.putAll(timer.seconds());
    o.spectra.putAll(spectra);
    o.codebooks.putAll(codebooks);
    return o;
  }

  /** Validates, compresses and writes atomically. */
  public Outcome run(boolean overwrite) {
    validate(overwrite);
    Outcome o = compute();
    io.nncompress.report.Metrics metrics = LayerMapMetrics.of(config, o);
    try (Phase phase = Progress.phase("write").message(config.output).start()) {
      AtomicOutput.commit(spark, config.output, overwrite,
          tmp -> CompressedModelStore.write(spark, tmp, null, o.tensors, o.layers,
              CompressedForm.of(o.layers, config.layerMap), metrics));
    }
    return o;
  }

  private StagePipeline.Layers layers(LayerMapCompressor.Result r) {
    return new StagePipeline.Layers() {
      @Override
      public int size() {
        return r.layers.size();
      }

      @Override
      public String name(int k) {
        return r.layers.get(k).entry.name;
      }

      @Override
      public StagePlan plan(int k) {
        return config.stagesOf(name(k));
      }

      @Override
      public DenseMatrix weight(int k) {
        return r.layers.get(k).encoded;
      }

      @Override
      public DenseMatrix autocorrelation(int k) {
        return plan(k).needsStatistics() ? r.layers.get(k).inputAutocorrelation : null;
      }
    };
  }

  private static CompressedModelStore.StoredLayer stored(LayerMapCompressor.Layer l, EncodedTensor weight,
      String method) {
    float[] bias = null;
    if (l.bias != null) {
      bias = new float[l.bias.length];
      for (int i = 0; i < bias.length; i++) {
        bias[i] = (float) l.bias[i];
      }
    }
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("relative_error_lasso", l.report.relativeErrorLasso);
    m.put("relative_error_debiased", l.report.relativeErrorDebiased);
    m.put("lambda", l.report.lambda);
    return new CompressedModelStore.StoredLayer(l.entry.name, l.type, method, ints(l.originalShape), ints(l.shape),
        l.keptInputs, l.keptOutputs, weight, bias, m);
  }

  // a low-rank form is written as its product: the user's model holds one weight per layer; the columns
  // of the inputs LNR removed from a layer without couples are zeros
  private static Tensor decoded(LayerMapCompressor.Layer l, EncodedTensor e) {
    return new Tensor(SafetensorsDtype.F32, l.shape, l.scatter(e.decode()).toRowMajor());
  }

  private static int[] ints(long[] s) {
    int[] out = new int[s.length];
    for (int i = 0; i < s.length; i++) {
      out[i] = (int) s[i];
    }
    return out;
  }

  private static long sum(Map<String, Long> m) {
    return m.values().stream().mapToLong(Long::longValue).sum();
  }
}
