package io.nncompress.spark.bench;

import io.nncompress.data.LabeledImages;
import io.nncompress.linalg.Blas;
import io.nncompress.model.Network;
import io.nncompress.spark.finetune.DataParallelTrainer;
import io.nncompress.spark.finetune.FinetuneSettings;
import io.nncompress.spark.finetune.TrainingData;
import io.nncompress.train.Adam;
import io.nncompress.train.Backprop;
import io.nncompress.train.ConstrainedNetwork;
import io.nncompress.train.DistillationLoss;
import io.nncompress.train.Trainer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bench finetune}: one epoch of data-parallel fine-tuning on Spark over the Fashion-MNIST
 * training images beside a single-threaded in-memory loop over the same data (same batches, same
 * loss, same Adam), in the same run; samples/s of each.
 */
public final class FinetuneBenchmark {
  private final SparkSession spark;
  private final Path spec;
  private final Path weights;
  private final Path fashionMnist;
  private final FinetuneSettings settings;
  private final int partitions;

  public FinetuneBenchmark(SparkSession spark, Path spec, Path weights, Path fashionMnist, FinetuneSettings settings,
      int partitions) {
    this.spark = spark;
    this.spec = spec;
    this.weights = weights;
    this.fashionMnist = fashionMnist;
    this.settings = settings;
    this.partitions = partitions;
  }

  public void run(PrintStream out) throws Exception {
    LabeledImages train = LabeledImages.fashionMnist(fashionMnist, true);
    LabeledImages test = LabeledImages.fashionMnist(fashionMnist, false);
    Network teacher = Network.load(spec, weights);
    out.printf("Fine-tuning %s (%d weights and biases), %d epoch(s) over %d images, batches of %d, learning rate %s;"
        + " %s, OPENBLAS_NUM_THREADS=%s%n", teacher.name(), new ConstrainedNetwork(teacher).size(), settings.epochs,
        train.size(), settings.batchSize, settings.learningRate, Blas.describe(),
        System.getenv().getOrDefault("OPENBLAS_NUM_THREADS", "unset"));
    out.printf("Teacher held-out accuracy: %.4f%n", Trainer.accuracy(teacher, test));
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    ConstrainedNetwork student = new ConstrainedNetwork(Network.load(spec, weights));
    double sparkRate;
    int perEpoch = (train.size() + settings.batchSize - 1) / settings.batchSize;
    String dir = fashionMnist.toString();
    try (TrainingData t = TrainingData.of(jsc, () -> LabeledImages.fashionMnist(Path.of(dir), true), partitions)) {
      DataParallelTrainer trainer = new DataParallelTrainer(spark, settings);
      List<DataParallelTrainer.Epoch> curve = trainer.train(student, settings.distill == null ? null : teacher, t,
          null);
      for (DataParallelTrainer.Epoch e : curve) {
        out.printf("  Spark %s, %d partitions: epoch %d  loss %.4f  %.2f s  %.0f samples/s  %.1f ms/step%n",
            spark.sparkContext().master(), partitions, e.epoch, e.loss, e.seconds, e.samples / e.seconds,
            1e3 * e.seconds / perEpoch);
      }
      out.printf("  Spark: %d of %d epoch(s) as one job exchanging values and gradients with the driver, the others "
          + "one job per step%n", trainer.exchangedEpochs(), settings.epochs);
      DataParallelTrainer.Epoch last = curve.get(curve.size() - 1);
      sparkRate = last.samples / last.seconds;
    }
    out.printf("  Spark: held-out accuracy after %.4f%n", Trainer.accuracy(student.network(), test));
    // the same batches, loss and Adam in one thread, in memory
    ConstrainedNetwork local = new ConstrainedNetwork(Network.load(spec, weights));
    Adam adam = new Adam(local.blocks(), settings.learningRate);
    DistillationLoss loss = settings.loss();
    int n = train.size();
    int b = settings.batchSize;
    long steps = (long) settings.epochs * perEpoch;
    double localRate = 0;
    for (int e = 1; e <= settings.epochs; e++) {
      long t0 = System.nanoTime();
      int[] order = DataParallelTrainer.order(settings.seed, e, n);
      double sum = 0;
      for (int k = 0; k < perEpoch; k++) {
        long t = (long) (e - 1) * perEpoch + k;
        adam.learningRate(settings.learningRate * 0.5 * (1 + Math.cos(Math.PI * t / steps)));
        int[] idx = java.util.Arrays.copyOfRange(order, k * b, Math.min(n, (k + 1) * b));
        double[] g = new double[local.size()];
        sum += loss.addGradient(local, settings.distill == null ? null : teacher, train.batch(idx), train.labels(idx),
            1.0 / idx.length, new Backprop.Gradients(local.network()), g);
        adam.step(local.split(g));
        local.sync();
      }
      double s = (System.nanoTime() - t0) / 1e9;
      localRate = n / s;
      out.printf("  in-memory, one thread: epoch %d  loss %.4f  %.2f s  %.0f samples/s  %.1f ms/step%n", e,
          sum / perEpoch, s, localRate, 1e3 * s / perEpoch);
    }
    out.printf("  in-memory: held-out accuracy after %.4f%n", Trainer.accuracy(local.network(), test));
    double maxDiff = 0;
    double[] a = student.values();
    double[] c = local.values();
    for (int k = 0; k < a.length; k++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[k] - c[k]));
    }
    out.printf("Spark / in-memory rate: %.2fx; largest difference of the trained values: %.2e%n",
        sparkRate / localRate, maxDiff);
  }
}
