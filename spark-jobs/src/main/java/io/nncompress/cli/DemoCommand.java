package io.nncompress.cli;

import io.nncompress.linalg.ConvGeometry;
import io.nncompress.spark.autocorr.AutocorrelationJob;
import io.nncompress.spark.autocorr.ColumnEncoding;
import io.nncompress.spark.autocorr.LayerInput;
import io.nncompress.spark.data.ExampleActivations;
import java.io.File;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code nncompress demo}: the main job on an embedded default, on generated example data. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Generates example activation datasets (a dense layer input in two encodings and a conv layer "
        + "input) and runs the autocorrelation job on them.")
final class DemoCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Option(names = "--workdir", description = "where data and outputs go (default: ${DEFAULT-VALUE})")
  String workdir = "nncompress-demo";

  @Override
  public Integer call() {
    SparkSession spark = SparkRuntime.session("nncompress demo", main.master, main.conf);
    String dense = workdir + "/data/dense";
    String conv = workdir + "/data/conv";
    if (!new File(dense).exists()) {
      ExampleActivations.write(spark, dense, 50_000, 256,
          List.of(ColumnEncoding.BINARY_FLOAT32_LE, ColumnEncoding.FLOAT_ARRAY), List.of("fc1_bin", "fc1_arr"), 4, 42);
    }
    if (!new File(conv).exists()) {
      ExampleActivations.write(spark, conv, 2_000, 3 * 16 * 16, List.of(ColumnEncoding.FLOAT_ARRAY), List.of("x"),
          2, 7);
    }
    List<LayerInput> layers = List.of(
        LayerInput.dense("fc1", dense, "fc1_bin"),
        LayerInput.dense("fc1_copy", dense, "fc1_arr"),
        new LayerInput("conv1", conv, "x", null, new ConvGeometry(3, 16, 16, 3, 1, 1, 1)));
    String out = workdir + "/autocorr";
    long t0 = System.nanoTime();
    List<AutocorrelationJob.LayerResult> res =
        new AutocorrelationJob(spark, new AutocorrelationJob.Options()).run(layers, out, true);
    Summary.print(res, (System.nanoTime() - t0) / 1e9, out);
    System.out.printf("fc1 from binary vs from array<float>: relative difference %.2e%n",
        res.get(0).stats.relativeDifference(res.get(1).stats));
    return 0;
  }
}
