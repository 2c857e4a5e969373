package io.nncompress.spark.compress;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.nncompress.compress.ChainingStrategy;
import io.nncompress.lnr.LambdaSearch;
import io.nncompress.spark.autocorr.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The configuration of the compression job, a YAML file (documented example: conf/compress-example.yaml).
 * Every key is validated: an unknown key or a bad value names the key and what is allowed.
 *
 * <pre>
 * model:                                 # local paths or Hadoop paths (file://, hdfs://, s3a://)
 *   spec: lenet300100.yaml               # architecture spec; relative to this file's folder
 *   weights: lenet300100.safetensors     # relative to this file's folder (a remote one too)
 *   layers:                              # or, instead of spec, for models the engine does not run: the
 *     mlp.down_proj:                     # layer map (io.nncompress.compress.LayerMap), each layer from
 *       weight: mlp.down_proj.weight     # the stored R of data.statistics
 *       bias: mlp.down_proj.bias         # optional
 *       statistics: mlp.down_proj        # optional, the layer of the autocorr output (default: the key)
 *       couples: [mlp.up_proj.weight, mlp.up_proj.bias]   # optional: lose rows with this layer's inputs
 * data:
 *   statistics: /data/autocorr-out       # with model.layers: the output of nncompress autocorr
 *   calibration: /data/train             # Parquet: the statistics (a Hadoop path, taken as given)
 *   activations:                         # or, for networks the engine cannot run: each layer's input
 *     fc1: {dataset: /data/acts, column: fc1_in}   # precomputed (parallel and bottom-up only)
 *   evaluation: /data/test               # optional Parquet: held-out evaluation
 *   input_column: image                  # array&lt;float&gt;, array&lt;double&gt;, vector or binary float32 LE
 *   label_column: label                  # optional integer labels
 *   batch_size: 512                      # optional, samples per forward pass
 * lnr:
 *   strategy: bottom-up                  # parallel | top-down | bottom-up
 *   target: {keep_fraction: 0.5}         # keep: N | keep_fraction: F | max_relative_error: E | none
 *   layers:                              # optional per-layer targets, by layer name
 *     fc3: {max_relative_error: 0.01}
 *   tolerance: 1.0e-6                    # optional, the solver's certified tolerance
 *   max_iterations: 20000                # optional
 * stages:                               # optional, after LNR (io.nncompress.compress.StagePlan)
 *   plan: kmeans(4) -> huffman           # every layer
 *   layers: {fc3: kmeans(6) -> huffman}  # per layer
 *   distributed_above: 50000000          # optional: weight sharing of a layer with more weights than this
 *                                        # (in the model file) runs distributed (DistributedLayers)
 * finetune: {epochs: 3, batch_size: 256, learning_rate: 1.0e-4}   # optional (FinetuneSettings)
 * output: /data/compressed               # the output directory (a Hadoop path)
 * </pre>
 */
public final class CompressionConfig {
  static final Set<String> TOP = Set.of("model", "data", "lnr", "stages", "finetune", "output");
  static final Set<String> STAGES = Set.of("plan", "layers", "distributed_above");
  /** Default of stages.distributed_above. */
  public static final long DEFAULT_DISTRIBUTED_ABOVE = 50_000_000L;
  static final Set<String> MODEL = Set.of("spec", "weights", "layers");
  static final Set<String> MAPPED = Set.of("weight", "bias", "statistics", "couples");
  static final Set<String> DATA = Set.of("calibration", "activations", "statistics", "evaluation", "input_column",
      "label_column", "batch_size");
  static final Set<String> ACTIVATION = Set.of("dataset", "column");
  static final Set<String> LNR = Set.of("strategy", "target", "layers", "tolerance", "max_iterations");
  static final Set<String> TARGET = Set.of("keep", "keep_fraction", "max_relative_error", "none");

  public String source = "config";
  /** The architecture spec; null for a layer map. */
  public Path spec;
  /** model.layers: the layers of a model the engine does not run (null with a spec). */
  public io.nncompress.compress.LayerMap layerMap;
  /** data.statistics: the autocorr output the layer map's R come from. */
  public String statistics;
  public Path weights;
  /**
   * model.spec and model.weights as Hadoop paths (resolved against the config's folder), what
   * {@link #spec} and {@link #weights} were read from; null when those were set directly.
   */
  public String specSource;
  public String weightsSource;
  /** Whether {@link #weights} is a local copy of a remote file (then no weight is left on file for the executors). */
  public boolean weightsCopied;
  public String calibration;
  /** Precomputed layer inputs by layer name (instead of the forward pass over calibration data). */
  public final Map<String, ActivationStatistics.Source> activations = new LinkedHashMap<>();
  public String evaluation;
  public String inputColumn = "input";
  public String labelColumn;
  public int batchSize = 512;
  public ChainingStrategy strategy = ChainingStrategy.BOTTOM_UP;
  /** The default target (null: keep layers whole). */
  public LambdaSearch.Target target;
  public final Map<String, LambdaSearch.Target> layerTargets = new LinkedHashMap<>();
  /** Layers named in lnr.layers with target none. */
  public final Set<String> keptWhole = new java.util.TreeSet<>();
  public double tolerance = 1e-6;
  public int maxIterations = 20_000;
  public String output;
  /** The stages after LNR of every layer (none by default). */
  public io.nncompress.compress.StagePlan stages = io.nncompress.compress.StagePlan.none();
  public final Map<String, io.nncompress.compress.StagePlan> layerStages = new LinkedHashMap<>();
  /**
   * stages.distributed_above: a layer whose weight (in the model file) has more values than this
   * and whose stages share weights (kmeans) is clustered without collecting it ({@link DistributedLayers}).
   */
  public long distributedAbove = DEFAULT_DISTRIBUTED_ABOVE;
  /** finetune: training after LNR (null: none); see {@link io.nncompress.spark.finetune.FinetuneSettings}. */
  public io.nncompress.spark.finetune.FinetuneSettings finetune;

  /** The stage plan of a layer: its own, else the default. */
  public io.nncompress.compress.StagePlan stagesOf(String layer) {
    return layerStages.getOrDefault(layer, stages);
  }

  /** The target of a layer: its own, else the default; null keeps it whole. */
  public LambdaSearch.Target targetOf(String layer) {
    if (keptWhole.contains(layer)) {
      return null;
    }
    return layerTargets.getOrDefault(layer, target);
  }

  public static CompressionConfig read(Path file) {
    return read(file.toString(), null);
  }

  /**
   * Reads the config at {@code file}, a local path or a Hadoop path (file://, hdfs://, s3a://,
   * read through Hadoop's FileSystem with {@code conf}; null: the defaults). model.spec and
   * model.weights are resolved against the config's folder, also a remote one, unless absolute.
   */
  public static CompressionConfig read(String file, org.apache.hadoop.conf.Configuration conf) {
    String text;
    if (io.nncompress.spark.io.ModelFiles.hasScheme(file)) {
      text = io.nncompress.spark.io.ModelFiles.readString(file, conf(conf), "Config");
    } else {
      try {
        text = Files.readString(Path.of(file));
      } catch (IOException e) {
        throw new BadInputException("Config " + file + " cannot be read: " + e.getMessage(), e);
      }
    }
    return parse(file, text, io.nncompress.spark.io.ModelFiles.folderOf(file), conf);
  }

  private static org.apache.hadoop.conf.Configuration conf(org.apache.hadoop.conf.Configuration conf) {
    return conf != null ? conf : new org.apache.hadoop.conf.Configuration();
  }

  public static CompressionConfig parse(String source, String yaml, Path baseDir) {
    return parse(source, yaml, baseDir.toString(), null);
  }

  /** Parses a config whose relative model paths resolve against {@code baseDir} (a local path or a Hadoop URI). */
  public static CompressionConfig parse(String source, String yaml, String baseDir,
      org.apache.hadoop.conf.Configuration hadoop) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(yaml);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) { // one line: where, and what without the source
      com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
      throw new BadInputException("Config " + source + " is not valid YAML"
          + (at == null || at.getLineNr() < 1 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")")
          + ": " + String.valueOf(e.getOriginalMessage()).strip().replaceAll("\\s*\\n\\s*", " "), e);
    } catch (IOException e) {
      throw new BadInputException("Config " + source + " is not valid YAML: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new BadInputException("Config " + source + " must be a mapping with keys " + sorted(TOP));
    }
    CompressionConfig c = new CompressionConfig();
    c.source = source;
    keys(source, "", root, TOP);
    JsonNode model = object(source, "model", root.get("model"), true);
    keys(source, "model.", model, MODEL);
    JsonNode mapped = object(source, "model.layers", model.get("layers"), false);
    if (mapped != null && model.has("spec")) {
      throw new BadInputException("Config " + source + ": give model.spec (a network nncompress runs) or model.layers "
          + "(a layer map over the weights, with data.statistics), not both");
    }
    if (mapped != null) {
      c.layerMap = layerMap(source, mapped);
    } else {
      c.specSource = io.nncompress.spark.io.ModelFiles.resolve(baseDir, text(source, "model.spec", model.get("spec"),
          true));
    }
    c.weightsSource = io.nncompress.spark.io.ModelFiles.resolve(baseDir, text(source, "model.weights",
        model.get("weights"), true));
    org.apache.hadoop.conf.Configuration hc = (c.specSource != null
        && io.nncompress.spark.io.ModelFiles.hasScheme(c.specSource))
        || io.nncompress.spark.io.ModelFiles.hasScheme(c.weightsSource) ? conf(hadoop) : null;
    if (c.specSource != null) {
      c.spec = io.nncompress.spark.io.ModelFiles.local(c.specSource, hc, "Config " + source + ", key model.spec");
    }
    c.weights = io.nncompress.spark.io.ModelFiles.local(c.weightsSource, hc, "Config " + source
        + ", key model.weights");
    c.weightsCopied = io.nncompress.spark.io.ModelFiles.isRemote(c.weightsSource);
    JsonNode data = object(source, "data", root.get("data"), true);
    keys(source, "data.", data, DATA);
    if (mapped != null) {
      c.statistics = text(source, "data.statistics", data.get("statistics"), true);
      for (String k : List.of("calibration", "activations", "evaluation")) {
        if (data.has(k)) {
          throw new BadInputException("Config " + source + ", key data." + k + ": a layer map (model.layers) is "
              + "compressed from data.statistics alone; remove data." + k);
        }
      }
    } else if (data.has("statistics")) {
      throw new BadInputException("Config " + source + ", key data.statistics: stored statistics go with a layer map "
          + "(model.layers); with model.spec use data.calibration or data.activations");
    }
    JsonNode acts = object(source, "data.activations", data.get("activations"), false);
    if (acts != null) {
      for (Iterator<Map.Entry<String, JsonNode>> it = acts.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String key = "data.activations." + e.getKey();
        JsonNode a = object(source, key, e.getValue(), true);
        keys(source, key + ".", a, ACTIVATION);
        c.activations.put(e.getKey(), new ActivationStatistics.Source(text(source, key + ".dataset", a.get("dataset"),
            true), text(source, key + ".column", a.get("column"), true)));
      }
    }
    c.calibration = text(source, "data.calibration", data.get("calibration"), acts == null && mapped == null);
    c.evaluation = text(source, "data.evaluation", data.get("evaluation"), false);
    String ic = text(source, "data.input_column", data.get("input_column"), false);
    if (ic != null) {
      c.inputColumn = ic;
    }
    c.labelColumn = text(source, "data.label_column", data.get("label_column"), false);
    if (data.has("batch_size")) {
      c.batchSize = integer(source, "data.batch_size", data.get("batch_size"), 1, 1 << 20);
    }
    JsonNode lnr = object(source, "lnr", root.get("lnr"), false);
    if (lnr != null) {
      keys(source, "lnr.", lnr, LNR);
      if (lnr.has("strategy")) {
        try {
          c.strategy = ChainingStrategy.parse(text(source, "lnr.strategy", lnr.get("strategy"), true));
        } catch (IllegalArgumentException e) {
          throw new BadInputException("Config " + source + ", key lnr.strategy: " + e.getMessage());
        }
      }
      if (lnr.has("target")) {
        c.target = target(source, "lnr.target", lnr.get("target"));
      }
      JsonNode layers = object(source, "lnr.layers", lnr.get("layers"), false);
      if (layers != null) {
        for (Iterator<Map.Entry<String, JsonNode>> it = layers.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          LambdaSearch.Target t = target(source, "lnr.layers." + e.getKey(), e.getValue());
          if (t == null) {
            c.keptWhole.add(e.getKey());
          } else {
            c.layerTargets.put(e.getKey(), t);
          }
        }
      }
      if (lnr.has("tolerance")) {
        c.tolerance = number(source, "lnr.tolerance", lnr.get("tolerance"), 1e-14, 1e-1);
      }
      if (lnr.has("max_iterations")) {
        c.maxIterations = integer(source, "lnr.max_iterations", lnr.get("max_iterations"), 1, 10_000_000);
      }
    }
    JsonNode st = object(source, "stages", root.get("stages"), false);
    if (st != null) {
      keys(source, "stages.", st, STAGES);
      if (st.has("plan")) {
        c.stages = plan(source, "stages.plan", st.get("plan"));
      }
      if (st.has("distributed_above")) {
        JsonNode n = st.get("distributed_above");
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
          throw new BadInputException("Config " + source + ", key stages.distributed_above: must be an integer >= 0 "
              + "(a number of weights), cannot be: " + n);
        }
        c.distributedAbove = n.asLong();
      }
      JsonNode ls = object(source, "stages.layers", st.get("layers"), false);
      if (ls != null) {
        for (Iterator<Map.Entry<String, JsonNode>> it = ls.fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          c.layerStages.put(e.getKey(), plan(source, "stages.layers." + e.getKey(), e.getValue()));
        }
      }
    }
    c.finetune = io.nncompress.spark.finetune.FinetuneSettings.parse(source, root.get("finetune"));
    c.output = text(source, "output", root.get("output"), true);
    if (c.layerMap != null && c.strategy != ChainingStrategy.PARALLEL && lnr != null && lnr.has("strategy")) {
      throw new BadInputException("Config " + source + ", key lnr.strategy: a layer map is solved layer by layer from "
          + "its stored statistics, the parallel strategy; cannot be: " + c.strategy.id);
    }
    if (c.layerMap != null && c.finetune != null) {
      throw new BadInputException("Config " + source + ", key finetune: a layer map (model.layers) is compressed from "
          + "data.statistics alone, without a network to train; fine-tuning needs model.spec and data.calibration; "
          + "remove finetune");
    }
    if (c.layerMap != null) {
      c.strategy = ChainingStrategy.PARALLEL;
      java.util.Set<String> names = new java.util.TreeSet<>();
      c.layerMap.entries.forEach(e -> names.add(e.name));
      for (String l : c.layerTargets.keySet()) {
        requireMapped(source, "lnr.layers." + l, l, names);
      }
      for (String l : c.keptWhole) {
        requireMapped(source, "lnr.layers." + l, l, names);
      }
      for (String l : c.layerStages.keySet()) {
        requireMapped(source, "stages.layers." + l, l, names);
      }
    }
    if (!c.activations.isEmpty() && c.strategy == ChainingStrategy.TOP_DOWN) {
      throw new BadInputException("Config " + source + ", key lnr.strategy: top-down needs the forward pass; with "
          + "data.activations use parallel or bottom-up");
    }
    return c;
  }

  private static void requireMapped(String source, String key, String layer, java.util.Set<String> names) {
    if (!names.contains(layer)) {
      throw new BadInputException("Config " + source + ", key " + key + ": no layer '" + layer + "' in model.layers; "
          + "its layers are " + names);
    }
  }

  private static io.nncompress.compress.LayerMap layerMap(String source, JsonNode mapped) {
    List<io.nncompress.compress.LayerMap.Entry> entries = new java.util.ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = mapped.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = "model.layers." + e.getKey();
      JsonNode l = object(source, key, e.getValue(), true);
      keys(source, key + ".", l, MAPPED);
      List<String> couples = new java.util.ArrayList<>();
      JsonNode cs = l.get("couples");
      if (cs != null && !cs.isNull()) {
        if (!cs.isArray()) {
          throw new BadInputException("Config " + source + ", key " + key + ".couples: must be a list of tensor names, "
              + "cannot be: " + cs);
        }
        for (JsonNode c : cs) {
          couples.add(text(source, key + ".couples", c, true));
        }
      }
      String stats = text(source, key + ".statistics", l.get("statistics"), false);
      entries.add(new io.nncompress.compress.LayerMap.Entry(e.getKey(), text(source, key + ".weight", l.get("weight"),
          true), text(source, key + ".bias", l.get("bias"), false), stats == null ? e.getKey() : stats, couples));
    }
    if (entries.isEmpty()) {
      throw new BadInputException("Config " + source + ", key model.layers: name at least one layer");
    }
    return new io.nncompress.compress.LayerMap(entries);
  }

  private static io.nncompress.compress.StagePlan plan(String source, String key, JsonNode n) {
    java.util.List<String> items = new java.util.ArrayList<>();
    if (n != null && n.isArray()) {
      for (JsonNode x : n) {
        items.add(text(source, key, x, true));
      }
    } else {
      items.add(text(source, key, n, true));
    }
    try {
      return io.nncompress.compress.StagePlan.parse(items);
    } catch (IllegalArgumentException e) {
      throw new BadInputException("Config " + source + ", key " + key + ": " + e.getMessage(), e);
    }
  }

  private static LambdaSearch.Target target(String source, String key, JsonNode n) {
    if (n != null && n.isTextual() && n.asText().equals("none")) {
      return null;
    }
    JsonNode o = object(source, key, n, true);
    keys(source, key + ".", o, TARGET);
    if (o.size() != 1) {
      throw new BadInputException("Config " + source + ", key " + key + ": give exactly one of " + sorted(TARGET)
          + ", cannot be: " + o);
    }
    String k = o.fieldNames().next();
    JsonNode v = o.get(k);
    String full = key + "." + k;
    switch (k) {
      case "keep":
        // a layer keeps at least one input (none would leave the previous layer without units)
        return LambdaSearch.Target.keepCount(integer(source, full, v, 1, Integer.MAX_VALUE));
      case "keep_fraction":
        if (v != null && v.isNumber() && v.asDouble() == 0) {
          throw new BadInputException("Config " + source + ", key " + full + ": must be a number in (0, 1] (a layer "
              + "keeps at least one input; use target none to keep a layer whole), cannot be: 0");
        }
        return LambdaSearch.Target.keepFraction(number(source, full, v, 0, 1));
      case "max_relative_error":
        return LambdaSearch.Target.maxRelativeError(number(source, full, v, 0, 1e6));
      default:
        return null;
    }
  }

  private static void keys(String source, String prefix, JsonNode n, Set<String> allowed) {
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!allowed.contains(k)) {
        throw new BadInputException("Config " + source + ": unknown key '" + prefix + k + "'; allowed here: "
            + sorted(allowed));
      }
    }
  }

  private static List<String> sorted(Set<String> s) {
    return s.stream().sorted().toList();
  }

  private static JsonNode object(String source, String key, JsonNode n, boolean required) {
    if (n == null || n.isNull()) {
      if (required) {
        throw new BadInputException("Config " + source + ": missing key '" + key + "'");
      }
      return null;
    }
    if (!n.isObject()) {
      throw new BadInputException("Config " + source + ", key " + key + ": must be a mapping, cannot be: " + n);
    }
    return n;
  }

  private static String text(String source, String key, JsonNode n, boolean required) {
    if (n == null || n.isNull()) {
      if (required) {
        throw new BadInputException("Config " + source + ": missing key '" + key + "'");
      }
      return null;
    }
    if (!n.isTextual() || n.asText().isBlank()) {
      throw new BadInputException("Config " + source + ", key " + key + ": must be a non-empty string, cannot be: "
          + n);
    }
    return n.asText();
  }

  private static int integer(String source, String key, JsonNode n, int min, int max) {
    if (n == null || !n.canConvertToInt() || !n.isIntegralNumber() || n.asInt() < min || n.asInt() > max) {
      throw new BadInputException("Config " + source + ", key " + key + ": must be an integer in " + min + ".."
          + max + ", cannot be: " + n);
    }
    return n.asInt();
  }

  private static double number(String source, String key, JsonNode n, double min, double max) {
    if (n == null || !n.isNumber() || !(n.asDouble() >= min && n.asDouble() <= max)) {
      throw new BadInputException("Config " + source + ", key " + key + ": must be a number in [" + min + ", " + max
          + "], cannot be: " + n);
    }
    return n.asDouble();
  }
}
