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
import java.util.Map;
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

  @Option(names = "--strategies", split = ",", description = "strategies to run (default: all three; with "
      + "--finetune bottom-up, as fine-tuning takes minutes per strategy)")
  List<String> strategies;

  /** The strategies to run: --strategies, else all three, or bottom-up alone with --finetune. */
  List<String> strategies() {
    return strategies != null ? strategies : finetune ? List.of("bottom-up")
        : List.of("parallel", "top-down", "bottom-up");
  }

  @Option(names = "--conv", description = "run the conv example instead: a small conv net (conv 1->8, conv 8->16, "
      + "dense 256->10) whose channels LNR removes")
  boolean conv;

  @Option(names = "--codecs", description = "also compare every codec after the bottom-up LNR, at two common "
      + "byte budgets (accuracy and real bytes)")
  boolean codecs;

  @Option(names = "--finetune", description = "fine-tune after LNR and the centroids after kmeans (data-parallel "
      + "Adam on Spark, the finetune config section) with tighter targets: fc1 keeps 80% of the pixels, fc2 28% of "
      + "fc1's neurons, fc3 50% of fc2's (--conv: Deep Compression's pruning instead, every channel kept: "
      + "prune, retrain with the pruned weights kept at zero, kmeans(4), retrain the centroids, huffman)")
  boolean finetune;

  @Option(names = "--finetune-epochs", description = "epochs of --finetune after LNR (default: " + LNR_EPOCHS
      + "; --conv: after each of the first " + (CONV_PRUNE_ROUNDS - 1) + " of the " + CONV_PRUNE_ROUNDS
      + " rounds of pruning, default: " + CONV_PRUNE_EPOCHS + ", after the last " + CONV_FINAL_FACTOR
      + " times as many; after kmeans at most " + KMEANS_EPOCHS + ")")
  Integer finetuneEpochs;

  /** --finetune-epochs, else the default of the network: LNR_EPOCHS, or CONV_PRUNE_EPOCHS per round with --conv. */
  int finetuneEpochs() {
    return finetuneEpochs != null ? finetuneEpochs : conv ? CONV_PRUNE_EPOCHS : LNR_EPOCHS;
  }

  /**
   * The codec comparison, each codec alone after LNR, in groups at one byte budget: the real bytes of
   * the group's first codec. In the others, {B} is that budget in bits per weight (bytes less the
   * float32 biases, over the weights); {E} is the smallest relative-error bound whose ranks fit the
   * budget (one bound for all layers, {@link io.nncompress.codec.lowrank.RankBudget}), {8E} the one
   * whose float32 factors fit eight times the budget, which kmeans(4) then stores in 4 bits instead of
   * 32 (at the second budget, float32 factors of eight times the budget are the whole layers: no row).
   * {K} is the most centroids, one number for every layer (at most its rows), whose pq or rq
   * encodings of all layers fit the budget ({@link io.nncompress.codec.quant.VectorQuantizer#clustersWithin(
   * List, int, int, long)}).
   */
  static final List<List<String>> CODEC_GROUPS = List.of(
      List.of("kmeans(4) -> huffman", "kmeans_aware(4) -> huffman", "uniform(4,row)", "pq(4,{K})", "rq(4,{K},2)",
          "svd(error={E})", "svd_aware(error={E})", "svd(error={8E}) -> kmeans(4) -> huffman",
          "svd_aware(error={8E}) -> kmeans_aware(4) -> huffman", "svd(bits={B})", "hashed(bits={B})",
          "hashed_aware(bits={B})"),
      List.of("uniform(8)", "uniform(8,row)", "kmeans(8)", "pq(4,{K})", "rq(11,{K},2)", "svd(error={E})",
          "svd_aware(error={E})", "hashed(bits={B})", "hashed_aware(bits={B})"));

  /** Other settings, at their own sizes. */
  static final List<String> OTHER_CODECS = List.of("binary", "prune(0.5) -> kmeans(4) -> huffman", "svd(energy=0.9)",
      "svd_aware(energy=0.9)");

  /**
   * A group's plan at a budget of {@code weightBytes} for the weights ({@code bits} per weight, rounded
   * down to 2 decimals so that it stays within), {@code spectra} the layers' spectra for svd and
   * svd_aware (to find {E} and {8E}).
   */
  static String atBudget(String plan, double bits, long weightBytes,
      Map<String, List<io.nncompress.codec.lowrank.Spectrum>> spectra) {
    double b = Math.floor(bits * 100) / 100;
    String method = plan.startsWith("svd_aware") ? "svd_aware" : "svd";
    java.util.regex.Matcher e = java.util.regex.Pattern.compile("\\{(\\d*)E\\}").matcher(plan);
    if (e.find()) {
      long times = e.group(1).isEmpty() ? 1 : Long.parseLong(e.group(1));
      plan = plan.replace(e.group(), plain(io.nncompress.codec.lowrank.RankBudget.errorWithin(spectra.get(method),
          times * weightBytes)));
    }
    java.util.regex.Matcher k = java.util.regex.Pattern.compile("^(pq|rq)\\((\\d+),\\{K\\}(?:,(\\d+))?\\)$")
        .matcher(plan);
    if (k.matches()) {
      List<int[]> shapes = new ArrayList<>();
      for (io.nncompress.codec.lowrank.Spectrum s : spectra.get("svd")) {
        shapes.add(new int[] {s.rows, s.cols});
      }
      int stages = k.group(3) == null ? 1 : Integer.parseInt(k.group(3));
      int clusters = io.nncompress.codec.quant.VectorQuantizer.clustersWithin(shapes, Integer.parseInt(k.group(2)),
          stages, weightBytes);
      plan = plan.replace("{K}", Integer.toString(Math.max(1, clusters)));
    }
    return plan.replace("{B}", String.format(java.util.Locale.ROOT, "%.2f", b));
  }

  private static String plain(double v) {
    return new java.math.BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
  }

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

  /** --finetune's epochs after LNR (--finetune-epochs) and after kmeans. */
  static final int LNR_EPOCHS = 10;
  static final int KMEANS_EPOCHS = 2;

  /**
   * --finetune: tighter LNR targets (LeNet-300-100: fewer hidden neurons rather than fewer pixels), then
   * fine-tuning in batches of 256 with Adam, cosine to 0: after LNR {@code epochs} at 2e-3, on the labels
   * alone (cross entropy), then the centroids after kmeans for 2 epochs at 5e-4. The conv net keeps every
   * channel and is pruned instead ({@link #CONV_PRUNE}): {@code epochs} after prune, then the same after
   * kmeans (measured against issue #16's targets; DemoFinetuneConfigTest pins them).
   */
  static void withFinetune(CompressionConfig c, int epochs) {
    if (c.layerTargets.containsKey("fc3")) { // LeNet-300-100
      c.layerTargets.put("fc1", LambdaSearch.Target.keepFraction(0.8));
      c.target = LambdaSearch.Target.keepFraction(0.28);
      c.layerTargets.put("fc3", LambdaSearch.Target.keepFraction(0.5));
    }
    io.nncompress.spark.finetune.FinetuneSettings f = new io.nncompress.spark.finetune.FinetuneSettings();
    f.epochs = epochs;
    f.learningRate = 2e-3;
    f.batchSize = 256;
    f.after = List.of("lnr", "kmeans");
    if (c.layerTargets.containsKey("conv2")) { // the conv net: pruning, every channel kept
      c.layerTargets.clear();
      CONV_PRUNE.forEach((layer, plan) -> c.layerStages.put(layer, io.nncompress.compress.StagePlan.parse(plan)));
      f.after = List.of("prune", "kmeans");
      f.pruneRounds = CONV_PRUNE_ROUNDS;
      f.pruneFinalEpochs = CONV_FINAL_FACTOR * epochs;
    }
    f.placeEpochs.put("kmeans", Math.min(epochs, KMEANS_EPOCHS));
    f.placeLearningRates.put("kmeans", 5e-4);
    c.finetune = f;
  }

  /**
   * --conv --finetune's plans per layer: whole channels cannot go (removing them alone cost 4.2 pp at
   * 19.3% of the parameters, the loss flat after 6 epochs), single weights can: magnitude pruning to
   * 19.7% of the 5,994 parameters nonzero, conv2 and fc1 pruned most (conv1's 208 are the features
   * everything reads), in CONV_PRUNE_ROUNDS rounds (finetune.prune.rounds) each followed by
   * CONV_PRUNE_EPOCHS epochs with the zeros kept (finetune.after: prune), then kmeans(4) and Huffman on
   * the trained weights, the centroids retrained. The last round, at the plans' final density, trains
   * CONV_FINAL_FACTOR times as long (finetune.prune.final_epochs): most of the accuracy is lost there.
   * (Training the dense network 6 epochs first, finetune.after: lnr, took the teacher from 88.33% to
   * 89.12% but the pruned network no further: measured in memory, 87.19% with it, 87.58% without.)
   */
  static final int CONV_PRUNE_ROUNDS = 6;
  static final int CONV_PRUNE_EPOCHS = 3;
  static final int CONV_FINAL_FACTOR = 3;

  static final Map<String, String> CONV_PRUNE = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(
      Map.of("conv1", "prune(0.3) -> kmeans(4) -> huffman", "conv2", "prune(0.825) -> kmeans(4) -> huffman",
          "fc1", "prune(0.825) -> kmeans(4) -> huffman")));

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
    io.nncompress.progress.PhaseTimer timer = io.nncompress.progress.PhaseTimer.install();
    try {
      return run(timer);
    } finally {
      timer.uninstall();
    }
  }

  // the split's images read in the background when its Parquet is not there yet, else null
  private java.util.concurrent.CompletableFuture<LabeledImages> idx(String parquet, boolean train) {
    if (new File(parquet).exists()) {
      return null;
    }
    return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return LabeledImages.fashionMnist(fashionMnist, train);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  // the images read in the background; an unreadable IDX file is bad input naming the file
  private LabeledImages await(java.util.concurrent.CompletableFuture<LabeledImages> f) {
    try {
      return f.join();
    } catch (java.util.concurrent.CompletionException e) {
      if (e.getCause() instanceof java.io.UncheckedIOException u) {
        throw new io.nncompress.spark.autocorr.BadInputException("Fashion-MNIST in " + fashionMnist
            + " cannot be read: " + u.getCause().getMessage(), u.getCause());
      }
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  private int run(io.nncompress.progress.PhaseTimer timer) throws Exception {
    long t0 = System.nanoTime();
    String train = workdir + "/data/fashion-mnist-train";
    String test = workdir + "/data/fashion-mnist-test";
    // the IDX files (gzip) are decoded on another core while Spark starts
    java.util.concurrent.CompletableFuture<LabeledImages> trainImages = idx(train, true);
    java.util.concurrent.CompletableFuture<LabeledImages> testImages = idx(test, false);
    SparkSession spark;
    try (Phase p = Progress.phase("spark").message("starting Spark").start()) {
      spark = SparkRuntime.session("nncompress demo", main.master, main.conf);
    }
    try (Phase p = Progress.phase("data").message("Fashion-MNIST as Parquet under " + workdir + "/data").start()) {
      if (trainImages != null) {
        LabeledImages im = await(trainImages);
        AtomicOutput.commit(spark, train, false, tmp -> FashionMnistParquet.write(spark, im, tmp, 4));
      }
      if (testImages != null) {
        LabeledImages im = await(testImages);
        AtomicOutput.commit(spark, test, false, tmp -> FashionMnistParquet.write(spark, im, tmp, 2));
      }
    }
    CompressionConfig c = conv ? convConfig(home(), train, test, workdir + "/out-conv")
        : config(home(), train, test, workdir + "/out");
    if (finetune) {
      withFinetune(c, finetuneEpochs());
    }
    CompressionJob job = new CompressionJob(spark, c);
    Network net;
    try (Phase p = Progress.phase("validate").message("model, datasets and output").start()) {
      net = job.validate(true);
    }
    System.out.printf("Teacher %s: %s; data ready in %.1f s%n", net.name(), c.weights,
        (System.nanoTime() - t0) / 1e9);
    SparkStatistics stats = new SparkStatistics(spark, job.data(train, net.inputShape().size()), c.batchSize);
    List<CompressionJob.Outcome> outcomes = new ArrayList<>();
    for (String s : strategies()) {
      CompressionJob.Outcome o = job.compute(net, ChainingStrategy.parse(s), stats);
      outcomes.add(o);
      String out = c.output + "/" + s;
      try (Phase p = Progress.phase("write").strategy(s).message(out).start()) {
        AtomicOutput.commit(spark, out, true, tmp -> CompressedModelStore.write(spark, tmp, o.finalNetwork,
            o.layers, job.metrics(o)));
      }
    }
    CompressionTables.print(outcomes);
    for (CompressionJob.Outcome o : outcomes) {
      o.finetune.forEach((after, curve) -> {
        System.out.printf("%nFine-tuning after %s (%s): held-out accuracy, original %.2f%%%n", after,
            o.result.strategy.id, 100 * o.evaluation.accuracyOriginal);
        for (io.nncompress.spark.finetune.DataParallelTrainer.Epoch e : curve) {
          System.out.printf(e.epoch == 0 ? "  before     accuracy %.2f%%%n"
              : "  epoch %-3d  accuracy %.2f%%  loss %.4f  %.1f s  %.0f samples/s%n", e.epoch == 0
              ? new Object[] {100 * e.accuracy} : new Object[] {e.epoch, 100 * e.accuracy, e.loss, e.seconds,
                  e.samples / e.seconds});
        }
      });
    }
    if (codecs) {
      CompressionJob.Outcome base = outcomes.stream().filter(o -> o.result.strategy == ChainingStrategy.BOTTOM_UP)
          .findFirst().orElse(outcomes.get(outcomes.size() - 1));
      // the budgets: the bytes of each group's first codec
      List<io.nncompress.compress.StagePlan> refs = new ArrayList<>();
      for (List<String> g : CODEC_GROUPS) {
        refs.add(io.nncompress.compress.StagePlan.parse(g.get(0)));
      }
      List<CompressionJob.StageRecord> refRecs = job.compareCodecs(base, refs, stats);
      io.nncompress.compress.LayerChain chain = io.nncompress.compress.LayerChain.of(base.result.compressed);
      long weights = 0;
      long biasBytes = 0;
      for (int k = 0; k < chain.size(); k++) {
        io.nncompress.linalg.DenseMatrix w = io.nncompress.compress.LayerChain.weight(chain.layer(k));
        double[] b = io.nncompress.compress.LayerChain.bias(chain.layer(k));
        weights += (long) w.rows * w.cols;
        biasBytes += b == null ? 0 : 4L * b.length;
      }
      // each layer's spectra, as svd(error=E) and svd_aware(error=E) see them (R: the LNR network's layer
      // inputs, the statistics compareCodecs uses too)
      int[] idx = new int[chain.size()];
      for (int k = 0; k < idx.length; k++) {
        idx[k] = chain.networkIndex(k);
      }
      io.nncompress.stats.AutocorrelationStats[] rs = stats.inputs(base.result.compressed, idx);
      Map<String, List<io.nncompress.codec.lowrank.Spectrum>> spectra = new java.util.HashMap<>();
      spectra.put("svd", new ArrayList<>());
      spectra.put("svd_aware", new ArrayList<>());
      for (int k = 0; k < chain.size(); k++) {
        io.nncompress.linalg.DenseMatrix w = io.nncompress.compress.LayerChain.weight(chain.layer(k));
        int[] cols = java.util.stream.IntStream.range(0, w.cols).toArray();
        io.nncompress.codec.lowrank.RankSelector one = io.nncompress.codec.lowrank.RankSelector.fixed(1);
        spectra.get("svd").add(io.nncompress.codec.lowrank.TruncatedSvd.factor(w, one).spectrum);
        spectra.get("svd_aware").add(io.nncompress.codec.lowrank.ActivationAwareLowRank.factor(w,
            rs[k].autocorrelation().selectSymmetric(cols), one).spectrum);
      }
      List<io.nncompress.compress.StagePlan> plans = new ArrayList<>();
      double[] bits = new double[CODEC_GROUPS.size()];
      for (int g = 0; g < bits.length; g++) {
        bits[g] = 8.0 * (refRecs.get(g).bytes - biasBytes) / weights;
        for (String p : CODEC_GROUPS.get(g).subList(1, CODEC_GROUPS.get(g).size())) {
          plans.add(io.nncompress.compress.StagePlan.parse(atBudget(p, bits[g], refRecs.get(g).bytes - biasBytes,
              spectra)));
        }
      }
      for (String p : OTHER_CODECS) {
        plans.add(io.nncompress.compress.StagePlan.parse(p));
      }
      List<CompressionJob.StageRecord> recs = job.compareCodecs(base, plans, stats);
      long float32 = 4 * base.paramsBefore();
      System.out.printf("%nCodecs after LNR (%s), each alone, at comparable sizes: real bytes of the whole model "
          + "(float32 %d bytes, accuracy %.2f%%), accuracy and top-1 agreement with the original%n",
          base.result.strategy.id, float32, 100 * base.evaluation.accuracyOriginal);
      int width = 0;
      for (CompressionJob.StageRecord r : recs) {
        width = Math.max(width, r.stage.length());
      }
      int at = 0;
      for (int g = 0; g < bits.length; g++) {
        CompressionJob.StageRecord ref = refRecs.get(g);
        List<CompressionJob.StageRecord> group = new ArrayList<>();
        group.add(ref);
        group.addAll(recs.subList(at, at + CODEC_GROUPS.get(g).size() - 1));
        at += CODEC_GROUPS.get(g).size() - 1;
        CompressionTables.printCodecs(String.format(java.util.Locale.ROOT, "Budget %d: the bytes of %s, %d bytes "
            + "(%.2f bits per weight)", g + 1, ref.stage, ref.bytes, bits[g]), ref.bytes, float32, group, width);
      }
      CompressionTables.printCodecs("Other settings", 0, float32, recs.subList(at, recs.size()), width);
    }
    System.out.printf("%nOutputs under %s/<strategy>; demo took %.1f s%n", c.output,
        (System.nanoTime() - t0) / 1e9);
    System.out.printf("%nTime per phase (wall seconds of each phase less the phases inside it; the JVM's start "
        + "before the timer is not counted)%n%s", timer.table());
    return 0;
  }
}
