package io.nncompress.spark.bench;

import io.nncompress.cli.CliRun;
import io.nncompress.cli.Main;
import io.nncompress.format.safetensors.SafetensorsWriter;
import io.nncompress.format.safetensors.Tensor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * {@code nncompress bench hostile} (issue 17's audit): builds bad inputs in a temp folder (configs
 * with unknown keys or wrong types, missing files, NaN data and weights, wrong vector lengths, empty
 * datasets, bad stage plans and strategies, outputs inside inputs or that cannot be created, labels
 * out of range, ...), runs each through {@link Main#run} in-process with stdout and stderr captured,
 * and classifies it: clear (exit 2, one line naming the file, key or layer), unclear (exit 2, but
 * more lines or no name), crashed (exit 1 or a stack trace), silent (exit 0).
 */
public final class HostileInputs {
  /** How a bad input ended. */
  public enum Verdict { CLEAR, UNCLEAR, CRASHED, SILENT }

  /** One bad input: its name, the command line, and what the error line must name. */
  public record Case(String name, List<String> args, String names) {}

  /** A case's outcome. */
  public record Result(Case c, int code, String err, Verdict verdict) {}

  static final String SPEC = "name: mlp\ninput: [12]\nlayers:\n"
      + "  - {name: fc1, type: dense, units: 10}\n  - {name: relu1, type: relu}\n"
      + "  - {name: fc2, type: dense, units: 8}\n  - {name: relu2, type: relu}\n"
      + "  - {name: fc3, type: dense, units: 3}\n";

  private final SparkSession spark;
  private final Path dir;
  private final Random rnd = new Random(17);
  private Path spec;
  private Path weights;
  private String train;
  private String test;

  public HostileInputs(SparkSession spark, Path dir) {
    this.spark = spark;
    this.dir = dir;
  }

  /** Writes the valid model and datasets every case spoils one thing of. */
  public HostileInputs setUp() throws IOException {
    spec = Files.writeString(dir.resolve("mlp.yaml"), SPEC);
    weights = dir.resolve("mlp.safetensors");
    SafetensorsWriter.write(weights, tensors(Double.NaN, -1), Map.of());
    train = data("train", 300, 12, 0, false, 3);
    test = data("test", 150, 12, 0, false, 1);
    return this;
  }

  /** The calibration dataset (300 rows of 12 doubles in column x, 3 files). */
  String train() {
    return train;
  }

  /** The MLP's tensors; value {@code bad} at flat index {@code at} of fc2.weight when at >= 0. */
  Map<String, Tensor> tensors(double bad, int at) {
    Map<String, Tensor> t = new LinkedHashMap<>();
    int[][] shapes = {{10, 12}, {8, 10}, {3, 8}};
    for (int k = 0; k < 3; k++) {
      double[] w = new double[shapes[k][0] * shapes[k][1]];
      for (int i = 0; i < w.length; i++) {
        w[i] = (float) (rnd.nextGaussian() / Math.sqrt(shapes[k][1]));
      }
      if (k == 1 && at >= 0) {
        w[at] = bad;
      }
      t.put("fc" + (k + 1) + ".weight", Tensor.f32(w, shapes[k][0], shapes[k][1]));
      t.put("fc" + (k + 1) + ".bias", Tensor.f32(new double[shapes[k][0]], shapes[k][0]));
    }
    return t;
  }

  /** n rows (x: dim doubles, label), in {@code files} files; row 7 gets label {@code badLabel} or a NaN. */
  String data(String name, int n, int dim, int badLabel, boolean nan, int files) {
    return data(name, n, dim, (long) badLabel, nan, files);
  }

  /** With a bigint label column when badLabel does not fit an int. */
  String data(String name, int n, int dim, long badLabel, boolean nan, int files) {
    boolean wide = badLabel != (int) badLabel;
    List<Row> rows = new ArrayList<>();
    for (int s = 0; s < n; s++) {
      Double[] v = new Double[dim];
      double z = rnd.nextGaussian();
      for (int i = 0; i < dim; i++) {
        v[i] = z * (i % 3 + 1) + 0.3 * rnd.nextGaussian();
      }
      if (s == 7 && nan) {
        v[3] = Double.NaN;
      }
      long label = s == 7 && badLabel != 0 ? badLabel : s % 3;
      rows.add(RowFactory.create(v, wide ? (Object) label : (Object) (int) label));
    }
    String path = dir.resolve(name).toString();
    spark.createDataFrame(rows, new StructType().add("x", "array<double>").add("label", wide ? "bigint" : "int"))
        .coalesce(files)
        .write().mode(SaveMode.Append).parquet(path);
    return path;
  }

  String base(String output) {
    return "model:\n  spec: " + spec + "\n  weights: " + weights + "\n"
        + "data:\n  calibration: " + train + "\n  evaluation: " + test + "\n  input_column: x\n"
        + "  label_column: label\n  batch_size: 64\n"
        + "lnr:\n  strategy: parallel\n  target: {keep_fraction: 0.5}\n  tolerance: 1.0e-6\n"
        + "stages:\n  plan: kmeans(3) -> huffman\n"
        + "output: " + output + "\n";
  }

  /** A config: the base one with {@code from} replaced by {@code to}. */
  String config(String name, String from, String to) throws IOException {
    String yaml = base(out(name));
    if (from != null) {
      if (!yaml.contains(from)) {
        throw new IllegalStateException("case " + name + ": '" + from + "' not in the base config");
      }
      yaml = yaml.replace(from, to);
    }
    return Files.writeString(dir.resolve("cfg-" + slug(name) + ".yaml"), yaml).toString();
  }

  /** The output folder of a case's config. */
  String out(String name) {
    return dir.resolve("out-" + slug(name)).toString();
  }

  static String slug(String name) {
    return name.replaceAll("[^A-Za-z0-9]+", "-");
  }

  static List<String> args(String... a) {
    List<String> out = new ArrayList<>(List.of("-q"));
    out.addAll(List.of(a));
    return out;
  }

  /** The bad inputs (at least 30). */
  public List<Case> cases() throws IOException {
    List<Case> cs = new ArrayList<>();
    // configs: unknown keys, wrong types, bad values
    cs.add(cfgCase("unknown top-level key", "output:", "outptu_dir: x\noutput:", "outptu_dir", true));
    cs.add(cfgCase("unknown lnr key", "  tolerance:", "  tolerence: 1\n  tolerance:", "tolerence", true));
    cs.add(cfgCase("tolerance not a number", "tolerance: 1.0e-6", "tolerance: abc", "tolerance", true));
    cs.add(cfgCase("negative batch size", "batch_size: 64", "batch_size: -1", "batch_size", true));
    cs.add(cfgCase("batch size a list", "batch_size: 64", "batch_size: [1, 2]", "batch_size", true));
    cs.add(cfgCase("keep_fraction 0", "{keep_fraction: 0.5}", "{keep_fraction: 0}", "keep_fraction", true));
    cs.add(cfgCase("keep_fraction 1.5", "{keep_fraction: 0.5}", "{keep_fraction: 1.5}", "keep_fraction", true));
    cs.add(cfgCase("keep more than the inputs", "{keep_fraction: 0.5}", "{keep: 1000}", "keep", true));
    cs.add(cfgCase("strategy typo in YAML", "strategy: parallel", "strategy: diagonal", "strategy", true));
    cs.add(cfgCase("stage plan kmeans(0)", "kmeans(3) -> huffman", "kmeans(0) -> huffman", "stages.plan", true));
    cs.add(cfgCase("stage plan unknown stage", "kmeans(3) -> huffman", "zip -> huffman", "stages.plan", true));
    cs.add(cfgCase("duplicate key", "output:", "lnr: {}\noutput:", "cfg-duplicate-key", true));
    cs.add(cfgCase("YAML syntax error", "batch_size: 64", "batch_size: [64", "cfg-YAML", true));
    cs.add(cfgCase("YAML tab indentation", "  input_column: x", "\tinput_column: x", "cfg-YAML-tab", true));
    // missing or bad files
    Path missing = dir.resolve("nope.yaml");
    cs.add(new Case("config file missing", args("compress", "-c", missing.toString(), "--validate-only"),
        missing.toString()));
    cs.add(cfgCase("spec file missing", "spec: " + spec, "spec: " + dir.resolve("no-spec.yaml"), "no-spec.yaml",
        true));
    cs.add(cfgCase("weights file missing", "weights: " + weights, "weights: " + dir.resolve("no.safetensors"),
        "no.safetensors: the file does not exist", true));
    cs.add(cfgCase("weights path a directory", "weights: " + weights, "weights: " + dir,
        "is a directory, not a safetensors file", true));
    Path nanWeights = dir.resolve("nan.safetensors");
    SafetensorsWriter.write(nanWeights, tensors(Double.NaN, 17), Map.of());
    cs.add(cfgCase("NaN weight", "weights: " + weights, "weights: " + nanWeights, "fc2.weight", true));
    Path infWeights = dir.resolve("inf.safetensors");
    SafetensorsWriter.write(infWeights, tensors(Double.POSITIVE_INFINITY, 3), Map.of());
    cs.add(cfgCase("infinite weight, run", "weights: " + weights, "weights: " + infWeights, "fc2.weight", false));
    Path wrongSpec = Files.writeString(dir.resolve("wrong.yaml"), SPEC.replace("units: 8", "units: 9"));
    cs.add(cfgCase("spec not matching the weights", "spec: " + spec, "spec: " + wrongSpec, "fc2", true));
    Path dupSpec = Files.writeString(dir.resolve("dup.yaml"), SPEC.replace("name: fc2", "name: fc1"));
    cs.add(cfgCase("spec with a duplicate layer name", "spec: " + spec, "spec: " + dupSpec, "fc1", true));
    Path quoted = Files.writeString(dir.resolve("quoted.yaml"), SPEC.replace("name: fc3", "name: \"0\""));
    cs.add(cfgCase("spec with a quoted name and no such tensor", "spec: " + spec, "spec: " + quoted, "0", true));
    // datasets
    String empty = Files.createDirectories(dir.resolve("empty")).toString();
    cs.add(cfgCase("empty calibration dataset", "calibration: " + train, "calibration: " + empty, empty, true));
    cs.add(cfgCase("calibration dataset missing", "calibration: " + train, "calibration: " + dir.resolve("nodata"),
        "nodata", true));
    cs.add(cfgCase("calibration dataset a safetensors file", "calibration: " + train, "calibration: " + weights,
        "footer", true));
    cs.add(cfgCase("input column missing", "input_column: x", "input_column: pixels", "pixels", true));
    cs.add(cfgCase("label column missing", "label_column: label", "label_column: y", "y", true));
    String wrongDim = data("dim13", 50, 13, 0, false, 1);
    cs.add(cfgCase("vectors of the wrong length", "calibration: " + train, "calibration: " + wrongDim, "13", true));
    String mixed = data("mixed", 100, 12, 0, false, 1);
    data("mixed", 50, 11, 0, false, 1);
    cs.add(cfgCase("files of different vector lengths", "calibration: " + train, "calibration: " + mixed, "mixed",
        true));
    String labels = data("labels42", 60, 12, 42, false, 1);
    cs.add(cfgCase("label out of range, run", "evaluation: " + test, "evaluation: " + labels, "label 42", false));
    // a bigint label column (accepted) with a value no class index can be: 2^32 + 3 wraps to 3 as an int
    String longLabels = data("labels-long", 60, 12, (1L << 32) + 3, false, 1);
    cs.add(cfgCase("bigint label beyond int, run", "evaluation: " + test, "evaluation: " + longLabels, "4294967299",
        false));
    String nan = data("nan-later", 100, 12, 0, false, 1);
    data("nan-later", 100, 12, 0, true, 1);
    cs.add(cfgCase("NaN in a later file, run", "calibration: " + train, "calibration: " + nan, "NaN", false));
    // found only after LNR (the budget depends on the layer's shape), while the other layers' tasks run
    cs.add(cfgCase("stage byte budget below a rank-1 factor, run", "kmeans(3) -> huffman", "svd(bytes=10)",
        "svd(bytes=10)", false));
    // a layer of d = 20,000: R alone is 3.2 GB, the LNR's estimate beyond any default driver
    Path wide = Files.writeString(dir.resolve("wide.yaml"), "name: wide\ninput: [20000]\nlayers:\n"
        + "  - {name: big, type: dense, units: 10}\n");
    Path wideWeights = dir.resolve("wide.safetensors");
    SafetensorsWriter.write(wideWeights, Map.of("big.weight", Tensor.f32(new double[200_000], 10, 20_000),
        "big.bias", Tensor.f32(new double[10], 10)), Map.of());
    String wideData = data("wide-data", 20, 20_000, 0, false, 1);
    String wideCfg = config("layer too large for the driver", null, null).replace("cfg-", "cfg-wide-");
    Files.writeString(Path.of(wideCfg), Files.readString(Path.of(config("layer too large for the driver", null,
        null))).replace("spec: " + spec, "spec: " + wide).replace("weights: " + weights, "weights: " + wideWeights)
        .replace(train, wideData).replace(test, wideData));
    cs.add(new Case("layer too large for the driver (d = 20000)", args("compress", "-c", wideCfg, "--validate-only"),
        "NNCOMPRESS_DRIVER_MEMORY"));
    // outputs
    cs.add(cfgCase("output inside the input", "output: " + out("output inside the input"),
        "output: " + train + "/stats", train, true));
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    cs.add(cfgCase("output parent is a file", "output: " + out("output parent is a file"),
        "output: " + file + "/out", "a-file", true));
    cs.add(cfgCase("output under /proc", "output: " + out("output under /proc"),
        "output: /proc/nncompress-out", "/proc/nncompress-out", true));
    // command line
    String ok = config("ok", null, null);
    cs.add(new Case("--strategy typo", args("compress", "-c", ok, "--strategy", "diagonal", "--validate-only"),
        "--strategy"));
    cs.add(new Case("autocorr NaN in a later file", args("autocorr", "--dataset", nan, "--columns", "x", "-o",
        dir.resolve("ac-nan").toString()), "NaN"));
    cs.add(new Case("autocorr dim not matching", args("autocorr", "--layer", "name=a,dataset=" + train
        + ",column=x,dim=7", "-o", dir.resolve("ac-dim").toString(), "--validate-only"), "dim 7"));
    cs.add(new Case("autocorr malformed layer spec", args("autocorr", "--layer", "name=a,datset=" + train, "-o",
        dir.resolve("ac-spec").toString(), "--validate-only"), "datset"));
    cs.add(new Case("autocorr missing column", args("autocorr", "--dataset", train, "--columns", "q", "-o",
        dir.resolve("ac-col").toString(), "--validate-only"), "column 'q'"));
    cs.add(new Case("autocorr output is the input", args("autocorr", "--dataset", train, "--columns", "x", "-o",
        train, "--overwrite", "--validate-only"), train));
    cs.add(new Case("autocorr --tile-size 0", args("autocorr", "--dataset", train, "--columns", "x", "-o",
        dir.resolve("ac-tile").toString(), "--tile-size", "0", "--validate-only"), "tileSize"));
    cs.add(new Case("autocorr --columns without --dataset", args("autocorr", "--columns", "x", "-o",
        dir.resolve("ac-nods").toString()), "--dataset"));
    cs.add(new Case("generate-example --rows -5", args("generate-example", "-o", dir.resolve("gen1").toString(),
        "--rows", "-5"), "--rows"));
    cs.add(new Case("generate-example --dim 0", args("generate-example", "-o", dir.resolve("gen2").toString(),
        "--dim", "0"), "--dim"));
    return cs;
  }

  Case cfgCase(String name, String from, String to, String names, boolean validateOnly) throws IOException {
    String c = config(name, from, to);
    String n = names.startsWith("cfg-") ? c : names;
    return validateOnly ? new Case(name, args("compress", "-c", c, "--validate-only"), n)
        : new Case(name, args("compress", "-c", c), n);
  }

  /** Runs one case through Main.run with stdout and stderr captured, and classifies it. */
  public static Result run(Case c) {
    CliRun r = CliRun.asProcess(c.args());
    int code = r.code();
    String err = r.err();
    String out = r.out();
    Verdict v = classify(code, err, c.names());
    if (v == Verdict.CLEAR && LOG_LINE.matcher(out).find()) {
      v = Verdict.UNCLEAR; // log lines or a trace on stdout
    }
    return new Result(c, code, err, v);
  }

  static final java.util.regex.Pattern LOG_LINE =
      java.util.regex.Pattern.compile("(?m)^\\d\\d:\\d\\d:\\d\\d (INFO|WARN|ERROR) |\tat ");

  static Verdict classify(int code, String err, String names) {
    if (code == 0) {
      return Verdict.SILENT;
    }
    if (code != 2 || err.contains("\tat ")) {
      return Verdict.CRASHED;
    }
    List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
    boolean one = lines.size() == 1 && lines.get(0).startsWith("nncompress: error: ");
    return one && lines.get(0).contains(names) ? Verdict.CLEAR : Verdict.UNCLEAR;
  }

  /** Runs every case, prints the table and the totals to {@code out}; returns the results. */
  public List<Result> runAll(PrintStream out) throws IOException {
    List<Result> rs = new ArrayList<>();
    Map<Verdict, Integer> n = new EnumMap<>(Verdict.class);
    out.printf("%-48s %4s %-8s %s%n", "bad input", "exit", "verdict", "first stderr line");
    for (Case c : cases()) {
      Result r = run(c);
      rs.add(r);
      n.merge(r.verdict(), 1, Integer::sum);
      String first = r.err().lines().filter(l -> !l.isBlank()).findFirst().orElse("");
      out.printf("%-48s %4d %-8s %s%n", c.name(), r.code(), r.verdict().name().toLowerCase(),
          first.length() > 160 ? first.substring(0, 160) + "..." : first);
    }
    out.printf("bad inputs tried %d / clear %d / unclear %d / crashed %d / silent %d%n", rs.size(),
        n.getOrDefault(Verdict.CLEAR, 0), n.getOrDefault(Verdict.UNCLEAR, 0), n.getOrDefault(Verdict.CRASHED, 0),
        n.getOrDefault(Verdict.SILENT, 0));
    return rs;
  }
}
