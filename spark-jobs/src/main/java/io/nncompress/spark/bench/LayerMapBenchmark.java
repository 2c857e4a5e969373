package io.nncompress.spark.bench;

import io.nncompress.format.safetensors.SafetensorsWriter;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.spark.autocorr.AutocorrelationJob;
import io.nncompress.spark.autocorr.ColumnEncoding;
import io.nncompress.spark.autocorr.LayerInput;
import io.nncompress.spark.compress.CompressionConfig;
import io.nncompress.spark.compress.LayerMapCompression;
import io.nncompress.spark.data.ExampleActivations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;

/**
 * Statistics-first compression of one transformer-scale layer: generated activations (d inputs) in
 * Parquet, their R by the autocorrelation job (tiled at and above its tile threshold), a generated
 * h x d weight (Student-t, heavy-tailed like trained weights) in safetensors, then LNR + the stage
 * plan from the stored R alone. Prints each phase's seconds and the peak live driver heap.
 */
public final class LayerMapBenchmark {
  /** The command's options. */
  public static final class Settings {
    @Option(names = "--dim", description = "inputs d of the layer (default: ${DEFAULT-VALUE})")
    public int dim = 4096;

    @Option(names = "--outputs", description = "outputs h of the layer (default: ${DEFAULT-VALUE})")
    public int outputs = 4096;

    @Option(names = "--rows", description = "activation rows (default: ${DEFAULT-VALUE})")
    public long rows = 20_000;

    @Option(names = "--target", description = "the LNR target as YAML (default: ${DEFAULT-VALUE})")
    public String target = "{max_relative_error: 0.02}";

    @Option(names = "--plan", description = "the stages after LNR (default: ${DEFAULT-VALUE})")
    public String plan = "kmeans(4) -> huffman";

    @Option(names = "--partitions", description = "files of the activation dataset (default: ${DEFAULT-VALUE})")
    public int partitions = 8;

    @Option(names = "--dir", description = "working folder (default: ${DEFAULT-VALUE})")
    public String dir = "nncompress-bench/layer-map";
  }

  private final SparkSession spark;
  private final Settings s;

  public LayerMapBenchmark(SparkSession spark, Settings s) {
    this.spark = spark;
    this.s = s;
  }

  public void run() throws Exception {
    Path dir = Path.of(s.dir).toAbsolutePath();
    Files.createDirectories(dir);
    String acts = dir.resolve("activations").toString();
    String stats = dir.resolve("autocorr").toString();
    String out = dir.resolve("compressed").toString();
    System.out.printf("bench layer-map: d = %d, h = %d, %d rows, target %s, stages %s%n", s.dim, s.outputs, s.rows,
        s.target, s.plan);
    long t0 = System.nanoTime();
    ExampleActivations.write(spark, acts, s.rows, s.dim, List.of(ColumnEncoding.BINARY_FLOAT32_LE), List.of("x"),
        s.partitions, 7L);
    double generate = seconds(t0);
    AutocorrelationJob.Options o = new AutocorrelationJob.Options();
    boolean tiled = s.dim + 1 >= o.tileThreshold;
    t0 = System.nanoTime();
    new AutocorrelationJob(spark, o).run(List.of(LayerInput.dense("layer", acts, "x")), stats, true);
    double autocorr = seconds(t0);
    double[] w = new double[s.outputs * s.dim];
    for (int i = 0; i < s.outputs; i++) {
      float[] row = SyntheticLayers.studentTRow(s.dim, 0.02, 11L * 1_000_003L + i);
      for (int j = 0; j < s.dim; j++) {
        w[i * s.dim + j] = row[j];
      }
    }
    double[] b = new double[s.outputs];
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("layer.weight", Tensor.f32(w, s.outputs, s.dim));
    tensors.put("layer.bias", Tensor.f32(b, s.outputs));
    Path weights = dir.resolve("layer.safetensors");
    SafetensorsWriter.write(weights, tensors, Map.of());
    w = null;
    String yaml = "model:\n  weights: " + weights + "\n  layers:\n    layer: {weight: layer.weight, bias: layer.bias}\n"
        + "data: {statistics: " + stats + "}\n"
        + "lnr: {target: " + s.target + "}\n"
        + (s.plan.isBlank() ? "" : "stages: {plan: \"" + s.plan + "\"}\n")
        + "output: " + out + "\n";
    CompressionConfig c = CompressionConfig.parse("bench", yaml, dir);
    LayerMapCompression.Outcome r;
    long peak;
    t0 = System.nanoTime();
    try (HeapMonitor heap = new HeapMonitor()) {
      LayerMapCompression job = new LayerMapCompression(spark, c);
      r = job.run(true);
      peak = heap.peakLiveBytes();
    }
    double compress = seconds(t0);
    var layer = r.lnr.layers.get(0);
    System.out.printf("%-46s %10s%n", "phase", "seconds");
    System.out.printf("%-46s %10.1f%n", "generate activations (not part of the job)", generate);
    System.out.printf("%-46s %10.1f%n", "autocorr" + (tiled ? " (tiled R)" : ""), autocorr);
    System.out.printf("%-46s %10.1f%n", "compress: read R, LNR, stages, write", compress);
    System.out.printf("kept %d of %d inputs, relative error %.4g (lambda search: %d solver iterations, %s)%n",
        layer.keptInputs.length, s.dim, layer.report.relativeErrorDebiased, layer.report.iterations,
        layer.report.method);
    System.out.printf("bytes: float32 %d -> %d (%.1fx smaller)%n", 4L * layer.report.paramsBefore, r.bytesAfter(),
        4.0 * layer.report.paramsBefore / r.bytesAfter());
    System.out.printf("peak live driver heap during compress: %.0f MiB (max heap %.0f MiB); autocorr + compress "
        + "%.1f s (target: under 600 s)%n", peak / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576.0,
        autocorr + compress);
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
