package io.nncompress.spark.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.compress.ChainingStrategy;
import io.nncompress.compress.InMemoryStatistics;
import io.nncompress.compress.LnrCompressor;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.model.Network;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.autocorr.BadInputException;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The compression job on Spark, over Parquet, against the same computation in memory. */
class CompressionJobTest {
  @TempDir
  static Path dir;
  static SparkSession spark;
  static Network net;
  static DenseMatrix x;
  static int[] labels;
  static Path spec;
  static Path weights;
  static String train;
  static String test;

  /** A random 12-10-8-3 relu MLP and correlated inputs (CompressionFixture's, drawn from one seed). */
  @BeforeAll
  static void setUp() throws Exception {
    spark = SparkTestSession.get();
    java.util.Random rnd = new java.util.Random(3);
    net = io.nncompress.spark.cluster.CompressionFixture.network(rnd);
    spec = dir.resolve("mlp.yaml");
    weights = dir.resolve("mlp.safetensors");
    net.save(weights, spec, Map.of());
    int n = 900;
    x = io.nncompress.spark.cluster.CompressionFixture.inputs(n, rnd);
    labels = Network.argmaxColumns(net.forward(x));
    for (int s = 0; s < n; s += 7) {
      labels[s] = (labels[s] + 1) % 3; // some disagreement with the network, so accuracy is not 1
    }
    train = write("train", 0, 600);
    test = write("test", 600, 900);
  }

  static String write(String name, int from, int to) {
    List<Row> rows = new ArrayList<>();
    for (int s = from; s < to; s++) {
      Double[] v = new Double[12];
      for (int i = 0; i < 12; i++) {
        v[i] = x.get(i, s);
      }
      rows.add(RowFactory.create(v, labels[s]));
    }
    String path = dir.resolve(name).toString();
    spark.createDataFrame(rows, new StructType().add("x", "array<double>").add("label", "int")).repartition(3)
        .write().parquet(path);
    return path;
  }

  static String config(String extraLnr, String output) {
    return "model:\n  spec: " + spec + "\n  weights: " + weights + "\n"
        + "data:\n  calibration: " + train + "\n  evaluation: " + test + "\n  input_column: x\n  label_column: label\n"
        + "  batch_size: 64\n"
        + "lnr:\n  strategy: top-down\n  target: {keep: 6}\n  layers:\n    fc1: {keep: 8}\n  tolerance: 1.0e-9\n"
        + extraLnr + "output: " + output + "\n";
  }

  static CompressionConfig parse(String yaml) {
    return CompressionConfig.parse("test.yaml", yaml, dir);
  }

  @Test
  void sparkJobEqualsTheInMemoryComputationAndRoundTrips() throws Exception {
    String out = dir.resolve("out-ok").toString();
    CompressionConfig c = parse(config("", out));
    CompressionJob.Outcome o = new CompressionJob(spark, c).run(false);

    DenseMatrix xtrain = x.selectColumns(java.util.stream.IntStream.range(0, 600).toArray());
    LnrCompressor.Result local = new LnrCompressor(ChainingStrategy.TOP_DOWN, c::targetOf,
        GroupLassoSolver.defaults().tolerance(1e-9)).compress(net, new InMemoryStatistics(xtrain, 100));
    for (int k = 0; k < 3; k++) {
      assertArrayEquals(local.keptGroups.get(k), o.result.keptGroups.get(k));
    }
    DenseMatrix xtest = x.selectColumns(java.util.stream.IntStream.range(600, 900).toArray());
    DenseMatrix yl = local.compressed.forward(xtest);
    DenseMatrix ys = o.result.compressed.forward(xtest);
    assertTrue(yl.maxAbsDiff(ys) < 1e-6 * (1 + yl.frobeniusNorm()), "spark vs local " + yl.maxAbsDiff(ys));

    // accuracy counted on the cluster = counted here
    int[] pred = Network.argmaxColumns(o.result.compressed.forward(xtest));
    int ok = 0;
    for (int s = 0; s < pred.length; s++) {
      ok += pred[s] == labels[600 + s] ? 1 : 0;
    }
    assertEquals(ok / 300.0, o.evaluation.accuracyCompressed, 1e-12);
    assertEquals(300, o.evaluation.samples);

    // what was written loads back and computes the same (weights stored as float32)
    Network loaded = CompressedModelStore.load(spark, out);
    assertTrue(loaded.forward(xtest).maxAbsDiff(ys) < 1e-4, "loaded vs computed");
    Network fromSafetensors = Network.load(Path.of(out, "model", "model.yaml"), Path.of(out, "model",
        "model.safetensors"));
    assertEquals(0.0, fromSafetensors.forward(xtest).maxAbsDiff(loaded.forward(xtest)), 1e-12);
    List<CompressedModelStore.StoredLayer> layers = CompressedModelStore.readLayers(spark, out);
    assertEquals(List.of("fc1", "fc2", "fc3"), layers.stream().map(l -> l.layer).toList());
    assertArrayEquals(new int[] {6, 8}, layers.get(0).shape);
    assertArrayEquals(new int[] {10, 12}, layers.get(0).originalShape);
    assertEquals(8, layers.get(0).keptInputs.length);
    String metrics = Files.readString(Path.of(out, "metrics.json"), StandardCharsets.UTF_8);
    assertTrue(metrics.contains("\"accuracy_after\""), metrics);
    assertTrue(metrics.contains("\"strategy\" : \"top-down\""), metrics);
    String report = Files.readString(Path.of(out, "report.html"), StandardCharsets.UTF_8);
    assertTrue(report.contains("id=\"lambda-kept-fc1\"") && report.contains("id=\"layer-params\""),
        "the report has the lambda path and the per-layer bars");
  }

  @Test
  void precomputedActivationsGiveTheForwardPassResult() throws Exception {
    // each layer's input for the training samples, one column per layer, as a user would export them
    List<Row> rows = new ArrayList<>();
    DenseMatrix xtrain = x.selectColumns(java.util.stream.IntStream.range(0, 600).toArray());
    DenseMatrix[] in = {xtrain, net.forwardRange(0, 2, xtrain, null), net.forwardRange(0, 4, xtrain, null)};
    for (int s = 0; s < 600; s++) {
      Object[] v = new Object[3];
      for (int k = 0; k < 3; k++) {
        Double[] col = new Double[in[k].rows];
        for (int i = 0; i < col.length; i++) {
          col[i] = in[k].get(i, s);
        }
        v[k] = col;
      }
      rows.add(RowFactory.create(v));
    }
    String acts = dir.resolve("acts").toString();
    spark.createDataFrame(rows, new StructType().add("a1", "array<double>").add("a2", "array<double>")
        .add("a3", "array<double>")).write().parquet(acts);
    String base = config("", dir.resolve("o-acts").toString()).replace("strategy: top-down", "strategy: parallel");
    CompressionConfig forward = parse(base);
    CompressionConfig fromActs = parse(base.replace("  calibration: " + train + "\n", "  activations:\n"
        + "    fc1: {dataset: " + acts + ", column: a1}\n    fc2: {dataset: " + acts + ", column: a2}\n"
        + "    fc3: {dataset: " + acts + ", column: a3}\n"));
    assertEquals(null, fromActs.calibration);
    CompressionJob.Outcome a = new CompressionJob(spark, forward).compute(new CompressionJob(spark, forward)
        .validate(false));
    CompressionJob.Outcome b = new CompressionJob(spark, fromActs).compute(new CompressionJob(spark, fromActs)
        .validate(false));
    for (int k = 0; k < 3; k++) {
      assertArrayEquals(a.result.keptGroups.get(k), b.result.keptGroups.get(k));
    }
    DenseMatrix xtest = x.selectColumns(java.util.stream.IntStream.range(600, 900).toArray());
    assertTrue(a.result.compressed.forward(xtest).maxAbsDiff(b.result.compressed.forward(xtest)) < 1e-6);
    assertThrows(BadInputException.class, () -> parse(base.replace("strategy: parallel", "strategy: top-down")
        .replace("  calibration: " + train + "\n", "  activations:\n    fc1: {dataset: " + acts + ", column: a1}\n")));
  }

  /**
   * Copies the first file of {@code from} into {@code into} as {@code name}, with {@code column}
   * null in its second row (the first row, which the checks read, stays valid).
   */
  static Path withNullInSecondRow(String from, String column, String name, String into) throws Exception {
    List<Row> rows = new ArrayList<>(spark.read().parquet(from).limit(5).collectAsList());
    StructType schema = spark.read().parquet(from).schema();
    Object[] second = new Object[schema.size()];
    for (int i = 0; i < second.length; i++) {
      second[i] = schema.fieldNames()[i].equals(column) ? null : rows.get(1).get(i);
    }
    rows.set(1, RowFactory.create(second));
    String tmp = dir.resolve(Path.of(into).getFileName() + "-" + name + "-tmp").toString();
    spark.createDataFrame(rows, schema).coalesce(1).write().parquet(tmp);
    Path part;
    try (var files = Files.list(Path.of(tmp))) {
      part = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    return Files.move(part, Path.of(into, name));
  }

  /** Bad calibration data: the checkpoints (here of an earlier, killed run) can serve no rerun and are removed. */
  @Test
  void badCalibrationDataRemovesTheCheckpointsNoRerunCanUse() throws Exception {
    String brokenTrain = dir.resolve("train-broken").toString();
    spark.read().parquet(train).write().parquet(brokenTrain);
    withNullInSecondRow(train, "x", "part-99999-bad.parquet", brokenTrain);
    String out = dir.resolve("out-badcal").toString();
    CompressionConfig c = parse(config("", out).replace("calibration: " + train, "calibration: " + brokenTrain));
    Network loaded = new CompressionJob(spark, c).validate(false);
    Path work = dir.resolve(".out-badcal.work-" + JobCheckpoints.key(spark, c, loaded));
    Files.createDirectories(work);
    Files.writeString(work.resolve("layer-fc9.bin"), "left by a killed run");
    CompressionJob job = new CompressionJob(spark, c);
    BadInputException e = assertThrows(BadInputException.class, () -> job.run(false));
    assertTrue(e.getMessage().contains("Dataset " + brokenTrain) && e.getMessage().contains("null value"),
        e.getMessage());
    assertFalse(Files.exists(work), "checkpoints of bad data removed");
    assertTrue(job.lastCheckpoints().failureNote().startsWith("Removed the checkpoints file:" + work + ": the "
        + "failure is in the data"), job.lastCheckpoints().failureNote());
  }

  /** Validation reads every file's first value: a corrupt file fails before any work, leaving nothing. */
  @Test
  void aCorruptDatasetFileFailsValidationAndLeavesNoCheckpoints() throws Exception {
    String brokenTest = dir.resolve("test-corrupt").toString();
    spark.read().parquet(test).write().parquet(brokenTest);
    Files.write(Path.of(brokenTest, "part-99999-corrupt.parquet"), new byte[] {'P', 'A', 'R', '1', 0, 0, 0, 0});
    CompressionConfig c = parse(config("", dir.resolve("out-corrupt").toString()).replace("evaluation: " + test,
        "evaluation: " + brokenTest));
    BadInputException e = assertThrows(BadInputException.class, () -> new CompressionJob(spark, c).run(false));
    assertTrue(e.getMessage().contains("Dataset " + brokenTest) && e.getMessage().contains("part-99999-corrupt"),
        e.getMessage());
    try (var files = Files.list(dir)) {
      assertEquals(0, files.filter(p -> p.getFileName().toString().startsWith(".out-corrupt.")).count());
    }
  }

  /** A run that fails after its layers are solved leaves checkpoints; the rerun resumes from them. */
  @Test
  void rerunAfterAFailureResumesFromCheckpoints() throws Exception {
    // evaluation data with a file whose second row has a null label: the checks pass, the evaluation pass fails
    String brokenTest = dir.resolve("test-broken").toString();
    spark.read().parquet(test).write().parquet(brokenTest);
    Path bad = withNullInSecondRow(test, "label", "part-99999-bad.parquet", brokenTest);
    String out = dir.resolve("out-resume").toString();
    String yaml = config("", out);
    CompressionConfig failing = parse(yaml.replace("evaluation: " + test, "evaluation: " + brokenTest));
    CompressionJob failingJob = new CompressionJob(spark, failing);
    BadInputException failed = assertThrows(BadInputException.class, () -> failingJob.run(false));
    assertTrue(failed.getMessage().contains("Dataset " + brokenTest) && failed.getMessage().contains(bad.toString())
        && failed.getMessage().contains("null label"), failed.getMessage());
    assertFalse(new File(out).exists());
    List<Path> checkpoints;
    try (var files = Files.list(dir)) {
      checkpoints = files.filter(p -> p.getFileName().toString().startsWith(".out-resume.work-")).toList();
    }
    assertEquals(1, checkpoints.size(), "the failed run keeps its checkpoints");
    // ... and says so: where they are and that the same command resumes from them
    assertEquals("Checkpoints of this run are kept in file:" + checkpoints.get(0) + ": rerunning the same command "
        + "resumes from them (the statistics and layers done so far are not computed again); delete them to start "
        + "afresh", failingJob.lastCheckpoints().failureNote());

    CompressionJob rerun = new CompressionJob(spark, parse(yaml));
    CompressionJob.Outcome resumed = rerun.run(false);
    assertEquals(3, rerun.lastCheckpoints().reusedLayers());
    assertEquals(3, rerun.lastCheckpoints().reusedStatistics()); // top-down: one pass per layer
    assertFalse(Files.exists(Path.of(rerun.lastCheckpoints().directory().toUri())), "checkpoints dropped after commit");

    CompressionJob.Outcome fresh = new CompressionJob(spark, parse(config("", dir.resolve("out-fresh").toString())))
        .run(false);
    DenseMatrix xtest = x.selectColumns(java.util.stream.IntStream.range(600, 900).toArray());
    assertEquals(0.0, fresh.result.compressed.forward(xtest).maxAbsDiff(resumed.result.compressed.forward(xtest)),
        1e-9);
    assertEquals(fresh.evaluation.accuracyCompressed, resumed.evaluation.accuracyCompressed, 0.0);
  }

  /** Stages after LNR run per layer on the cluster; bytes, the paper's rate and accuracy per stage. */
  @Test
  void stagesAfterLnrReportRealBytesAndThePaperRate() throws Exception {
    String out = dir.resolve("out-stages").toString();
    CompressionConfig c = parse(config("", out).replace("output: ", "stages:\n  plan: kmeans(3) -> huffman\noutput: "));
    CompressionJob.Outcome o = new CompressionJob(spark, c).run(false);
    assertEquals(List.of("float32", "lnr", "kmeans(3)", "huffman"), o.stages.stream().map(r -> r.stage).toList());
    long bytes = 0;
    double num = 0;
    double den = 0;
    for (CompressedModelStore.StoredLayer l : o.layers) {
      assertEquals("deepcomp", l.weight.codec());
      DenseMatrix w = l.weight.decode();
      assertTrue(java.util.Arrays.stream(w.data).distinct().count() <= 8, l.layer + " shares at most 8 values");
      bytes += l.weight.encode().length + 4L * l.bias.length;
      num += 32.0 * w.data.length;
      den += 3.0 * w.data.length + 32 * 8;
    }
    CompressionJob.StageRecord last = o.stages.get(3);
    assertEquals(bytes, last.bytes);
    assertEquals(num / den, last.paperRate, 1e-12);
    assertTrue(Double.isNaN(o.stages.get(1).paperRate));
    // the report draws each layer's weights with its 8 shared values
    String report = Files.readString(Path.of(out, "report.html"), StandardCharsets.UTF_8);
    for (String layer : List.of("fc1", "fc2", "fc3")) {
      assertCodebookPlot(report, layer, 8);
    }
    // the stored model is the shared-weight one
    Network loaded = CompressedModelStore.load(spark, out);
    DenseMatrix xtest = x.selectColumns(java.util.stream.IntStream.range(600, 900).toArray());
    assertEquals(0.0, loaded.forward(xtest).maxAbsDiff(o.finalNetwork.forward(xtest)), 1e-5);
  }

  /**
   * stages.distributed_above: fc1 (120 weights, kept whole by LNR) and fc2 (80, compressed by LNR)
   * are above 70, fc3 (24) is not. fc1's weight stays in the model file: only tasks read it (the
   * driver reading it would throw); fc2's rows go from the driver to the executors. Both are
   * weight-shared on the executors and stored as any deepcomp layer.
   */
  @Test
  void layersAboveDistributedAboveAreClusteredOnTheExecutors() throws Exception {
    String out = dir.resolve("out-distributed").toString();
    CompressionConfig c = parse(config("", out).replace("fc1: {keep: 8}", "fc1: none")
        .replace("output: ", "stages:\n  plan: kmeans(3) -> huffman\n  distributed_above: 70\noutput: "));
    assertEquals(70, c.distributedAbove);
    List<String> driverReads = java.util.Collections.synchronizedList(new ArrayList<>());
    java.util.concurrent.atomic.AtomicInteger taskReads = new java.util.concurrent.atomic.AtomicInteger();
    java.util.function.BiConsumer<String, String> previous = io.nncompress.format.safetensors.SafetensorsReader
        .onTensorRead((file, tensor) -> {
          if (tensor.equals("fc1.weight")) {
            if (org.apache.spark.TaskContext.get() == null) {
              driverReads.add(Thread.currentThread().getName());
              throw new IllegalStateException("the driver reads fc1.weight");
            }
            taskReads.incrementAndGet();
          }
        });
    CompressionJob.Outcome o;
    try {
      o = new CompressionJob(spark, c).run(false);
    } finally {
      io.nncompress.format.safetensors.SafetensorsReader.onTensorRead(previous);
    }
    assertEquals(List.of(), driverReads, "fc1.weight read on the driver");
    assertTrue(taskReads.get() > 0, "the executors read fc1.weight from the file");
    assertEquals(List.of("float32", "lnr", "kmeans(3)", "huffman"), o.stages.stream().map(r -> r.stage).toList());

    // fc1: the rows fc2 still reads, from the model file, shared among 8 values
    Network original = Network.load(spec, weights);
    DenseMatrix w1 = ((io.nncompress.model.DenseLayer) original.layer(0)).weight().selectRows(o.result.keptGroups
        .get(1));
    DenseMatrix w2 = ((io.nncompress.model.DenseLayer) o.result.compressed.layer(2)).weight(); // LNR's fc2
    List<CompressedModelStore.StoredLayer> stored = CompressedModelStore.readLayers(spark, out);
    DenseMatrix[] before = {w1, w2};
    for (int k = 0; k < 2; k++) {
      CompressedModelStore.StoredLayer l = stored.get(k);
      assertEquals("deepcomp", l.weight.codec(), l.layer);
      io.nncompress.codec.DeepCompressedTensor t = (io.nncompress.codec.DeepCompressedTensor) l.weight;
      DenseMatrix q = t.decode();
      assertEquals(before[k].rows, q.rows);
      assertEquals(before[k].cols, q.cols);
      assertTrue(java.util.Arrays.stream(q.data).distinct().count() <= 8, l.layer + " shares at most 8 values");
      // every weight has the code of its nearest shared value
      float[] cb = t.shared().codebook();
      double[] cbd = new double[cb.length];
      for (int s = 0; s < cb.length; s++) {
        cbd[s] = cb[s];
      }
      double sse = 0;
      for (int i = 0; i < q.data.length; i++) {
        assertEquals(cbd[io.nncompress.codec.kmeans.KMeans1D.nearest(cbd, before[k].data[i])], q.data[i], 0.0);
        sse += (q.data[i] - before[k].data[i]) * (q.data[i] - before[k].data[i]);
      }
      // the SSE of the exact 1-D solver on the same weights, locally
      double exact = io.nncompress.codec.kmeans.KMeans1D.optimal(before[k].data, null, 8).sse;
      assertTrue(sse >= exact * (1 - 1e-9) && sse <= exact * 1.01, l.layer + ": SSE " + sse + " vs exact " + exact);
      // the bytes written from the partitions' streams are the local encoder's for the same codes, in
      // the smaller form (at 80 and 120 weights the fixed-width codes: DistributedLayersTest has both)
      byte[] coded = io.nncompress.codec.DeepCompressedTensor.of(t.shared(), false, 0, true).encode();
      byte[] fixed = io.nncompress.codec.DeepCompressedTensor.of(t.shared(), false, 0, false).encode();
      assertEquals(coded.length <= fixed.length, t.isHuffman(), l.layer);
      assertArrayEquals(t.isHuffman() ? coded : fixed, l.weight.encode(), l.layer);
    }
    assertEquals("deepcomp", stored.get(2).weight.codec());

    // the evaluation of the last stage is the accuracy of the written model, computed here
    Network loaded = CompressedModelStore.load(spark, out);
    DenseMatrix xtest = x.selectColumns(java.util.stream.IntStream.range(600, 900).toArray());
    int[] pred = Network.argmaxColumns(loaded.forward(xtest));
    int ok = 0;
    for (int s = 0; s < pred.length; s++) {
      ok += pred[s] == labels[600 + s] ? 1 : 0;
    }
    assertEquals(ok / 300.0, o.stages.get(3).accuracy, 1e-12);
    assertEquals(0.0, loaded.forward(xtest).maxAbsDiff(o.finalNetwork.forward(xtest)), 1e-5);
    Network fromSafetensors = Network.load(Path.of(out, "model", "model.yaml"), Path.of(out, "model",
        "model.safetensors"));
    assertEquals(0.0, fromSafetensors.forward(xtest).maxAbsDiff(loaded.forward(xtest)), 1e-12);
    // the paper's rate from the distributed code counts
    double num = 0;
    double den = 0;
    for (CompressedModelStore.StoredLayer l : stored) {
      long nz = java.util.Arrays.stream(l.weight.decode().data).filter(v -> v != 0).count();
      num += 32.0 * nz;
      den += 3.0 * nz + 32 * 8;
    }
    assertEquals(num / den, o.stages.get(3).paperRate, 1e-12);

    // metrics and report: fc1's held-out error is not computed (its weights never reach the driver); codebooks drawn
    String metrics = Files.readString(Path.of(out, "metrics.json"), StandardCharsets.UTF_8);
    assertTrue(metrics.contains("\"distributed_above\" : 70"), metrics);
    assertTrue(Double.isNaN(o.result.layers.get(0).heldOutRelativeError));
    assertFalse(Double.isNaN(o.result.layers.get(1).heldOutRelativeError));
    String report = Files.readString(Path.of(out, "report.html"), StandardCharsets.UTF_8);
    for (String layer : List.of("fc1", "fc2", "fc3")) {
      assertCodebookPlot(report, layer, 8);
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> cb1 = (Map<String, Object>) o.codebooks.get("fc1");
    assertEquals(72L, java.util.Arrays.stream((long[]) cb1.get("counts")).sum());
  }

  /** The report's codebook plot of a layer: histogram bars and one line per shared value, with data. */
  static void assertCodebookPlot(String report, String layer, int k) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("<svg[^>]*id=\"codebook-" + layer
        + "\".*?</svg>", java.util.regex.Pattern.DOTALL).matcher(report);
    assertTrue(m.find(), "no codebook plot for " + layer);
    String svg = m.group();
    int bars = svg.split("<rect class=\"data bar\"", -1).length - 1;
    int marks = svg.split("<line class=\"data mark\"", -1).length - 1;
    assertTrue(bars >= 2, layer + ": " + bars + " histogram bars");
    assertEquals(k, marks, layer + ": one line per shared value");
  }

  @Test
  void badConfigsNameTheKey() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> parse(config("  tolerence: 1.0e-6\n", "/tmp/x")));
    assertTrue(e.getMessage().contains("unknown key 'lnr.tolerence'"), e.getMessage());
    e = assertThrows(BadInputException.class, () -> parse(config("", "/tmp/x").replace("keep: 6", "keep: -1")));
    assertTrue(e.getMessage().contains("lnr.target.keep"), e.getMessage());
    e = assertThrows(BadInputException.class, () -> parse(config("", "/tmp/x").replace("output: ",
        "stages:\n  plan: kmeans(3)\n  distributed_above: -5\noutput: ")));
    assertTrue(e.getMessage().contains("stages.distributed_above") && e.getMessage().contains("-5"), e.getMessage());
    e = assertThrows(BadInputException.class, () -> parse(config("", "/tmp/x").replace("output: ",
        "stages:\n  plan: kmeans(3)\n  distributed_above: many\noutput: ")));
    assertTrue(e.getMessage().contains("stages.distributed_above"), e.getMessage());
    e = assertThrows(BadInputException.class,
        () -> parse(config("", "/tmp/x").replace("strategy: top-down", "strategy: sideways")));
    assertTrue(e.getMessage().contains("lnr.strategy") && e.getMessage().contains("bottom-up"), e.getMessage());
  }

  /** Each bad model fails before any pass over the data, naming the tensor or layer; nothing is written. */
  @Test
  void badModelsFailEarlyAndWriteNothing() throws Exception {
    byte[] good = Files.readAllBytes(weights);
    Path truncated = dir.resolve("truncated.safetensors");
    Files.write(truncated, java.util.Arrays.copyOf(good, good.length - 10));
    assertFails(config("", dir.resolve("o1").toString()).replace(weights.toString(), truncated.toString()),
        "truncated.safetensors");

    Map<String, io.nncompress.format.safetensors.Tensor> t = new java.util.LinkedHashMap<>(net.tensors());
    t.remove("fc2.bias");
    Path missing = dir.resolve("missing.safetensors");
    io.nncompress.format.safetensors.SafetensorsWriter.write(missing, t, Map.of());
    assertFails(config("", dir.resolve("o2").toString()).replace(weights.toString(), missing.toString()),
        "fc2.bias");

    t = new java.util.LinkedHashMap<>(net.tensors());
    t.put("fc2.weight", io.nncompress.format.safetensors.Tensor.f32(new double[8 * 9], 8, 9));
    Path wrong = dir.resolve("wrong.safetensors");
    io.nncompress.format.safetensors.SafetensorsWriter.write(wrong, t, Map.of());
    assertFails(config("", dir.resolve("o3").toString()).replace(weights.toString(), wrong.toString()), "fc2");

    Path badSpec = dir.resolve("bad.yaml");
    Files.writeString(badSpec, Files.readString(spec).replace("type: relu", "type: swish"));
    assertFails(config("", dir.resolve("o4").toString()).replace(spec.toString(), badSpec.toString()), "swish");

    assertFails(config("", dir.resolve("o5").toString()).replace("fc1: {keep: 8}", "fc1: {keep: 13}"),
        "key lnr.layers.fc1.keep: keep 13 is more than the 12 inputs of layer fc1");
    assertFails(config("", dir.resolve("o6").toString()).replace("fc1: {keep: 8}", "fc9: {keep: 8}"),
        "lnr.layers.fc9");
    assertFails(config("", dir.resolve("o7").toString()).replace("input_column: x", "input_column: pixels"),
        "no column 'pixels'");
    // pruning is not distributed: a layer above stages.distributed_above that prunes is refused up front
    assertFails(config("", dir.resolve("o8").toString()).replace("output: ",
        "stages:\n  plan: prune(0.5) -> kmeans(3)\n  distributed_above: 100\noutput: "),
        "layer fc1 has 120 weights, more than stages.distributed_above = 100");
  }

  static void assertFails(String yaml, String mention) {
    CompressionConfig c = parse(yaml);
    Exception e = assertThrows(Exception.class, () -> new CompressionJob(spark, c).run(false));
    BadInputException bad = BadInputException.find(e);
    String msg = bad != null ? bad.getMessage() : e.toString();
    assertTrue(msg.contains(mention), "'" + msg + "' should mention '" + mention + "'");
    assertFalse(new File(c.output).exists(), "no output after a failure");
  }
}
