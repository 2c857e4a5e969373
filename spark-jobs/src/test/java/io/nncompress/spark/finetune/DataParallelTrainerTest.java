package io.nncompress.spark.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nncompress.data.LabeledImages;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.DenseLayer;
import io.nncompress.model.ElementwiseLayer;
import io.nncompress.model.FeatureShape;
import io.nncompress.model.Layer;
import io.nncompress.model.LayerSpec;
import io.nncompress.model.LayerType;
import io.nncompress.model.Network;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.train.Adam;
import io.nncompress.train.Backprop;
import io.nncompress.train.ConstrainedNetwork;
import io.nncompress.train.DistillationLoss;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataParallelTrainerTest {
  static final SparkSession SPARK = SparkTestSession.get();
  static final JavaSparkContext JSC = JavaSparkContext.fromSparkContext(SPARK.sparkContext());

  static DenseMatrix random(Random r, int rows, int cols, double scale) {
    DenseMatrix m = new DenseMatrix(rows, cols);
    for (int k = 0; k < m.data.length; k++) {
      m.data[k] = scale * r.nextGaussian();
    }
    return m;
  }

  /** dense 16 -> 8, tanh, dense 8 -> 3 over 4x4 images. */
  static Network mlp(long seed) {
    Random r = new Random(seed);
    List<Layer> l = List.of(new DenseLayer("fc1", random(r, 8, 16, 0.5), random(r, 8, 1, 0.1).data),
        new ElementwiseLayer(LayerSpec.simple("t", LayerType.TANH), FeatureShape.flat(8)),
        new DenseLayer("fc2", random(r, 3, 8, 0.5), random(r, 3, 1, 0.1).data));
    return new Network("mlp", FeatureShape.flat(16), null, l);
  }

  static LabeledImages images(int n, long seed) {
    Random r = new Random(seed);
    byte[] px = new byte[n * 16];
    r.nextBytes(px);
    int[] y = new int[n];
    for (int s = 0; s < n; s++) {
      y[s] = (px[s * 16] & 0xff) % 3; // learnable from the first pixel
    }
    return new LabeledImages(4, 4, px, y);
  }

  /** fc1 shared (4 centroids, some weights pruned: -1), fc2 with pruned zeros. */
  static ConstrainedNetwork constrained(long seed) {
    Network net = mlp(seed);
    double[] w2 = ((DenseLayer) net.layer(2)).weight().data;
    for (int e = 0; e < w2.length; e += 3) {
      w2[e] = 0.0;
    }
    int[] index = new int[128];
    for (int e = 0; e < index.length; e++) {
      index[e] = e % 9 == 0 ? -1 : (e * 7) % 4;
    }
    return new ConstrainedNetwork(net).share(0, index, new double[] {-0.5, -0.1, 0.2, 0.6}).freezeZeros(2);
  }

  static FinetuneSettings settings(int epochs, int batch, DistillationLoss distill) {
    FinetuneSettings s = new FinetuneSettings();
    s.epochs = epochs;
    s.batchSize = batch;
    s.learningRate = 0.01;
    s.seed = 7;
    s.distill = distill;
    return s;
  }

  @Test
  void oneStepOverTwoPartitionsEqualsOnePartitionAndTheInProcessStep() {
    LabeledImages data = images(90, 1);
    for (DistillationLoss distill : new DistillationLoss[] {null, new DistillationLoss(3.0, 0.4)}) {
      Network teacher = mlp(99);
      FinetuneSettings s = settings(1, 90, distill); // one epoch of one step: the whole permuted data
      double[][] after = new double[3][];
      for (int p = 1; p <= 2; p++) {
        ConstrainedNetwork c = constrained(5);
        try (TrainingData t = TrainingData.of(JSC, data, p)) {
          assertEquals(p, t.partitions());
          new DataParallelTrainer(SPARK, s).train(c, teacher, t, null);
        }
        after[p] = c.values();
      }
      // in process: the same batch (order of epoch 1), the same loss, one Adam step
      ConstrainedNetwork c = constrained(5);
      int[] order = DataParallelTrainer.order(7, 1, 90);
      double[] g = new double[c.size()];
      (distill == null ? DistillationLoss.CROSS_ENTROPY : distill).addGradient(c, teacher, data.batch(order),
          data.labels(order), 1.0 / 90, new Backprop.Gradients(c.network()), g);
      Adam adam = new Adam(c.blocks(), 0.01);
      adam.step(c.split(g));
      after[0] = c.values();
      assertArrayEquals(after[1], after[2], 1e-6, "2 partitions vs 1, distill " + distill);
      assertArrayEquals(after[0], after[1], 1e-6, "Spark vs in process, distill " + distill);
      assertEquals(false, java.util.Arrays.equals(after[0], constrained(5).values()), "the step moved the values");
    }
  }

  @Test
  void constraintsHoldAfterDistributedTrainingAndTheLossFalls() {
    LabeledImages data = images(300, 2);
    ConstrainedNetwork c = constrained(6);
    Network net = c.network();
    double[] zerosBefore = ((DenseLayer) net.layer(2)).weight().data.clone();
    double accuracyBefore = io.nncompress.train.Trainer.accuracy(net, images(100, 3));
    List<DataParallelTrainer.Epoch> curve;
    try (TrainingData t = TrainingData.of(JSC, data, 2); TrainingData h = TrainingData.of(JSC, images(100, 3), 2)) {
      curve = new DataParallelTrainer(SPARK, settings(4, 32, null)).train(c, null, t, h);
    }
    assertEquals(5, curve.size()); // epoch 0: before training
    assertEquals(accuracyBefore, curve.get(0).accuracy, 1e-12);
    assertEquals(true, curve.get(4).loss < curve.get(1).loss, "loss " + curve.get(1).loss + " -> "
        + curve.get(4).loss);
    // the held-out accuracy is a real accuracy: the fraction of the 100 samples predicted right
    LabeledImages held = images(100, 3);
    assertEquals(io.nncompress.train.Trainer.accuracy(net, held), curve.get(4).accuracy, 1e-12);
    DenseMatrix w1 = ((DenseLayer) net.layer(0)).weight();
    assertEquals(8, w1.rows);
    assertEquals(16, w1.cols);
    java.util.Set<Double> distinct = new java.util.TreeSet<>();
    for (double w : w1.data) {
      distinct.add(w);
    }
    assertEquals(5, distinct.size(), "4 centroids and the pruned 0: " + distinct);
    double[] w2 = ((DenseLayer) net.layer(2)).weight().data;
    for (int e = 0; e < w2.length; e += 3) {
      assertEquals(0.0, w2[e], 0.0, "pruned weight " + e);
      assertEquals(0.0, zerosBefore[e], 0.0);
    }
  }

  @Test
  void aKilledRunResumesAfterItsLastEpoch(@TempDir Path dir) throws Exception {
    LabeledImages data = images(120, 4);
    FinetuneSettings s = settings(3, 40, null);
    ConstrainedNetwork whole = constrained(8);
    try (TrainingData t = TrainingData.of(JSC, data, 2)) {
      new DataParallelTrainer(SPARK, s).train(whole, null, t, null);
      FinetuneCheckpoints cp = new FinetuneCheckpoints(SPARK, dir.resolve("work").toString());
      ConstrainedNetwork killed = constrained(8);
      RuntimeException e = assertThrows(RuntimeException.class, () -> new DataParallelTrainer(SPARK, s)
          .checkpoints(cp, "after-lnr").onEpoch(ep -> {
            if (ep.epoch == 2) {
              throw new IllegalStateException("driver killed after epoch 2");
            }
          }).train(killed, null, t, null));
      assertEquals("driver killed after epoch 2", e.getMessage());
      assertEquals(2, cp.load("after-lnr", killed.size(), s).epoch());
      assertEquals(true, Files.exists(dir.resolve("work/finetune-after-lnr.state")));
      ConstrainedNetwork resumed = constrained(8);
      List<Integer> ran = new ArrayList<>();
      List<DataParallelTrainer.Epoch> curve = new DataParallelTrainer(SPARK, s).checkpoints(cp, "after-lnr")
          .onEpoch(ep -> ran.add(ep.epoch)).train(resumed, null, t, null);
      assertEquals(List.of(3), ran, "only the epoch after the checkpoint runs again");
      assertEquals(3, curve.size());
      assertArrayEquals(whole.values(), resumed.values(), 1e-12);
      // other settings do not resume from it
      assertEquals(null, cp.load("after-lnr", killed.size(), settings(3, 20, null)));
    }
  }

  @Test
  void withoutLabelsOrTeacherTheErrorNamesTheDataset() {
    io.nncompress.spark.autocorr.BadInputException e = assertThrows(
        io.nncompress.spark.autocorr.BadInputException.class, () -> {
          ConstrainedNetwork c = constrained(1);
          try (TrainingData t = TrainingData.unlabelled(JSC, images(10, 1), 1)) {
            new DataParallelTrainer(SPARK, settings(1, 5, null)).train(c, null, t, null);
          }
        });
    assertEquals("Dataset images: fine-tuning without labels needs finetune.distill (the original network's "
        + "outputs) or data.label_column", e.getMessage());
  }
}
