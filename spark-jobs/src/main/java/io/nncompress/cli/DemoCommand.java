package io.nncompress.cli;

import io.nncompress.compress.ChainingStrategy;
import io.nncompress.data.LabeledImages;
import io.nncompress.lnr.LambdaSearch;
import io.nncompress.model.Network;
import io.nncompress.progress.Phase;
import io.nncompress.progress.Progress;
import io.nncompress.spark.compress.CompressionConfig;
import io.nncompress.spark.compress.CompressionJob;
import io.nncompress.spark.compress.InputData;
import io.nncompress.spark.compress.SparkStatistics;
import io.nncompress.spark.compress.CompressedModelStore;
import io.nncompress.spark.data.FashionMnistParquet;
import io.nncompress.spark.io.AtomicOutput;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code nncompress demo}: the compression job on an embedded default: Fashion-MNIST (Debian's
 * dataset-fashion-mnist) and the LeNet-300-100 teacher shipped in conf/demo (trained by
 * io.nncompress.train.TrainTeacher), compressed with the three chaining strategies side by side.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Compresses a LeNet-300-100 trained on Fashion-MNIST with LNR, with the three chaining "
        + "strategies side by side, and prints per-layer neurons, parameters and errors, and the accuracy before "
        + "and after.")
final class DemoCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Option(names = "--workdir", description = "where data and outputs go (default: ${DEFAULT-VALUE})")
  String workdir = "nncompress-demo";

  @Option(names = "--fashion-mnist", description = "the Fashion-MNIST files (default: ${DEFAULT-VALUE})")
  Path fashionMnist = LabeledImages.FASHION_MNIST_DIR;

  @Option(names = "--strategies", split = ",", description = "strategies to run (default: all three)")
  List<String> strategies = List.of("parallel", "top-down", "bottom-up");

  @Option(names = "--conv", description = "run the conv example instead: a small conv net (conv 1->8, conv 8->16, "
      + "dense 256->10) whose channels LNR removes")
  boolean conv;

  @Option(names = "--codecs", description = "also compare every codec after the bottom-up LNR, at comparable "
      + "sizes (accuracy and real bytes)")
  boolean codecs;

  /** The codecs the demo compares, each alone after LNR. */
  static final List<String> CODECS = List.of("kmeans(4) -> huffman", "prune(0.5) -> kmeans(4) -> huffman",
      "kmeans_aware(4) -> huffman", "uniform(8)", "uniform(4,row)", "binary", "svd(energy=0.9)",
      "svd_aware(energy=0.9)", "pq(4,64)", "rq(4,16,2)", "hashed(16384)", "hashed_aware(4096)");

  /**
   * The demo's per-layer targets, the input neurons each layer keeps: fc1 80% of the pixels, fc2 55%
   * of fc1's neurons, fc3 90% of fc2's; then weight sharing with 16 values and Huffman coding (what
   * conf/demo.yaml says too).
   */
  static CompressionConfig config(Path home, String train, String test, String output) {
    CompressionConfig c = new CompressionConfig();
    c.source = "demo";
    c.spec = home.resolve("conf/demo/lenet300100.yaml");
    c.weights = home.resolve("conf/demo/lenet300100.safetensors");
    c.calibration = train;
    c.evaluation = test;
    c.inputColumn = "image";
    c.labelColumn = "label";
    c.target = LambdaSearch.Target.keepFraction(0.55);
    c.layerTargets.put("fc1", LambdaSearch.Target.keepFraction(0.8));
    c.layerTargets.put("fc3", LambdaSearch.Target.keepFraction(0.9));
    c.tolerance = 1e-4;
    c.stages = io.nncompress.compress.StagePlan.parse("kmeans(4) -> huffman");
    c.output = output;
    return c;
  }

  /** The conv example: conv2 keeps 6 of conv1's 8 channels, the dense layer 12 of conv2's 16. */
  static CompressionConfig convConfig(Path home, String train, String test, String output) {
    CompressionConfig c = config(home, train, test, output);
    c.spec = home.resolve("conf/demo/convnet.yaml");
    c.weights = home.resolve("conf/demo/convnet.safetensors");
    c.layerTargets.clear();
    c.target = null;
    c.layerTargets.put("conv2", LambdaSearch.Target.keepCount(6));
    c.layerTargets.put("fc1", LambdaSearch.Target.keepCount(12));
    return c;
  }

  static Path home() {
    String h = System.getProperty("nncompress.home");
    return Path.of(h != null ? h : ".").toAbsolutePath().normalize();
  }

  @Override
  public Integer call() throws Exception {
    if (!Files.exists(fashionMnist.resolve("train-images-idx3-ubyte.gz"))) {
      throw new io.nncompress.spark.autocorr.BadInputException("Fashion-MNIST is not in " + fashionMnist
          + ": install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass --fashion-mnist");
    }
    SparkSession spark = SparkRuntime.session("nncompress demo", main.master, main.conf);
    String train = workdir + "/data/fashion-mnist-train";
    String test = workdir + "/data/fashion-mnist-test";
    long t0 = System.nanoTime();
    try (Phase p = Progress.phase("data").message("Fashion-MNIST as Parquet under " + workdir + "/data").start()) {
      if (!new File(train).exists()) {
        AtomicOutput.commit(spark, train, false, tmp -> FashionMnistParquet.write(spark, fashionMnist, true, tmp, 4));
      }
      if (!new File(test).exists()) {
        AtomicOutput.commit(spark, test, false, tmp -> FashionMnistParquet.write(spark, fashionMnist, false, tmp, 2));
      }
    }
    CompressionConfig c = conv ? convConfig(home(), train, test, workdir + "/out-conv")
        : config(home(), train, test, workdir + "/out");
    CompressionJob job = new CompressionJob(spark, c);
    Network net = job.validate(true);
    System.out.printf("Teacher %s: %s; data ready in %.1f s%n", net.name(), c.weights,
        (System.nanoTime() - t0) / 1e9);
    SparkStatistics stats = new SparkStatistics(spark,
        InputData.open(spark, train, c.inputColumn, c.labelColumn, net.inputShape().size()), c.batchSize);
    List<CompressionJob.Outcome> outcomes = new ArrayList<>();
    for (String s : strategies) {
      CompressionJob.Outcome o = job.compute(net, ChainingStrategy.parse(s), stats);
      outcomes.add(o);
      String out = c.output + "/" + s;
      try (Phase p = Progress.phase("write").strategy(s).message(out).start()) {
        AtomicOutput.commit(spark, out, true, tmp -> CompressedModelStore.write(spark, tmp, o.finalNetwork,
            o.layers, job.metrics(o)));
      }
    }
    CompressionTables.print(outcomes);
    if (codecs) {
      CompressionJob.Outcome base = outcomes.stream().filter(o -> o.result.strategy == ChainingStrategy.BOTTOM_UP)
          .findFirst().orElse(outcomes.get(outcomes.size() - 1));
      List<io.nncompress.compress.StagePlan> plans = new ArrayList<>();
      for (String p : CODECS) {
        plans.add(io.nncompress.compress.StagePlan.parse(p));
      }
      List<CompressionJob.StageRecord> recs = job.compareCodecs(base, plans, stats);
      System.out.printf("%nCodecs after LNR (%s), each alone: real bytes of the whole model, accuracy%n",
          base.result.strategy.id);
      System.out.printf("%-36s %10s %8s %9s %9s%n", "codec", "bytes", "smaller", "accuracy", "agree");
      long float32 = 4 * base.paramsBefore();
      System.out.printf("%-36s %10d %7.1fx %8.2f%% %8.2f%%%n", "original float32", float32, 1.0,
          100 * base.evaluation.accuracyOriginal, 100.0);
      for (CompressionJob.StageRecord r : recs) {
        System.out.printf("%-36s %10d %7.1fx %8.2f%% %8.2f%%%n", r.stage, r.bytes, (double) float32 / r.bytes,
            100 * r.accuracy, 100 * r.agreement);
      }
    }
    System.out.printf("%nOutputs under %s/<strategy>; demo took %.1f s%n", c.output,
        (System.nanoTime() - t0) / 1e9);
    return 0;
  }
}
