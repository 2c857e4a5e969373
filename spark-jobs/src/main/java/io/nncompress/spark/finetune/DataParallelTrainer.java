package io.nncompress.spark.finetune;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Network;
import io.nncompress.progress.Edge;
import io.nncompress.progress.Phase;
import io.nncompress.progress.Progress;
import io.nncompress.progress.ProgressEvent;
import io.nncompress.spark.compress.NetworkBytes;
import io.nncompress.train.Adam;
import io.nncompress.train.Backprop;
import io.nncompress.train.ConstrainedNetwork;
import io.nncompress.train.DistillationLoss;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synchronous data-parallel fine-tuning: per step the driver sends the trained values (a flat
 * vector, {@link ConstrainedNetwork#values()}) to the tasks, one per partition; each computes the
 * constrained gradient of its block's share of the step's mini-batch (and, distilling, the teacher's
 * logits of the same samples), the gradients are summed (each sample weighs 1 / B, so the sum is the
 * batch's mean gradient), and the driver steps Adam. An epoch runs as one Spark job whose tasks
 * exchange values and gradients with the driver over a socket, step after step ({@link
 * ExchangedEpoch}); where that cannot run, as one Spark job per step (a broadcast of the values and a
 * tree reduce of one gradient per task). The result is the same as
 * one-process training with the same batch order, whatever the partitioning (up to the order of
 * floating-point sums). Gradient averaging per step rather than model averaging per round: it is
 * exactly mini-batch Adam, so learning rates and epochs mean what they mean in one process; its cost
 * is one round trip of the values and one gradient per task per step.
 */
public final class DataParallelTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(DataParallelTrainer.class);

  /** One epoch of the training curve. */
  public static final class Epoch implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    public final int epoch;
    public final double loss;
    /** Held-out accuracy after the epoch (NaN without held-out data); epoch 0: before training (loss NaN). */
    public final double accuracy;
    public final double seconds;
    public final long samples;

    public Epoch(int epoch, double loss, double accuracy, double seconds, long samples) {
      this.epoch = epoch;
      this.loss = loss;
      this.accuracy = accuracy;
      this.seconds = seconds;
      this.samples = samples;
    }

    public io.nncompress.report.Metrics.Epoch toRecord() {
      return new io.nncompress.report.Metrics.Epoch(epoch, Double.isNaN(loss) ? null : loss,
          Double.isNaN(accuracy) ? null : accuracy, seconds, epoch > 0 ? samples / seconds : null);
    }
  }

  private final SparkSession spark;
  private final JavaSparkContext jsc;
  private final FinetuneSettings settings;
  private FinetuneCheckpoints checkpoints;
  private String label = "finetune";
  private java.util.function.Consumer<Epoch> listener = e -> { };
  /** Whether epochs may run as one exchanged job ({@link ExchangedEpoch}); false after one could not. */
  private boolean exchange = true;
  /** Where the exchanged epochs' tasks reach the driver (null: spark.driver.host); tests set another. */
  String exchangeHost;
  /** How many epochs ran as one exchanged job. */
  int exchangedEpochs;

  /** How many epochs of the last {@link #train} ran as one exchanged job (the others: one Spark job per step). */
  public int exchangedEpochs() {
    return exchangedEpochs;
  }

  /** Whether epochs may run as one exchanged job (default: yes, unless spark.nncompress.finetune.exchange=false). */
  public DataParallelTrainer exchange(boolean on) {
    this.exchange = on;
    return this;
  }

  public DataParallelTrainer(SparkSession spark, FinetuneSettings settings) {
    this.spark = spark;
    this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    this.settings = settings;
  }

  /**
   * Keeps the state after each epoch in {@code cp} and resumes from it (null: no checkpoints);
   * {@code label} names the training in progress events, logs and the checkpoint's file.
   */
  public DataParallelTrainer checkpoints(FinetuneCheckpoints cp, String label) {
    this.checkpoints = cp;
    this.label = label;
    return this;
  }

  /** Called after each epoch, once its checkpoint is written (e.g. to print the curve as it grows). */
  public DataParallelTrainer onEpoch(java.util.function.Consumer<Epoch> l) {
    this.listener = l;
    return this;
  }

  /** The mini-batches of one epoch: a permutation of 0..n-1 from the seed and the epoch, cut in batches. */
  public static int[] order(long seed, int epoch, int n) {
    Random r = new Random(seed * 1_000_003L + epoch);
    int[] order = new int[n];
    for (int k = 0; k < n; k++) {
      order[k] = k;
    }
    for (int k = n - 1; k > 0; k--) {
      int j = r.nextInt(k + 1);
      int tmp = order[k];
      order[k] = order[j];
      order[j] = tmp;
    }
    return order;
  }

  /**
   * Trains {@code student} in place on {@code train}; {@code teacher} (null: none) is the network
   * whose softened outputs it learns when distilling; {@code heldOut} (null: none) gives the accuracy
   * after each epoch. Returns the training curve (from a checkpoint's first epochs when resumed).
   */
  public List<Epoch> train(ConstrainedNetwork student, Network teacher, TrainingData train, TrainingData heldOut) {
    DistillationLoss loss = settings.loss();
    if (settings.distill != null && teacher == null) {
      throw new IllegalArgumentException("distillation needs the teacher network");
    }
    if (!train.labelled && settings.distill == null) {
      throw new io.nncompress.spark.autocorr.BadInputException("Dataset " + train.source + ": fine-tuning without "
          + "labels needs finetune.distill (the original network's outputs) or data.label_column");
    }
    exchangedEpochs = 0;
    int n = (int) train.size();
    int b = Math.min(settings.batchSize, n);
    int perEpoch = (n + b - 1) / b;
    long steps = (long) settings.epochs * perEpoch;
    Adam adam = new Adam(student.blocks(), settings.learningRate);
    List<Epoch> curve = new ArrayList<>();
    int first = 1;
    if (checkpoints != null) {
      FinetuneCheckpoints.State s = checkpoints.load(label, student.size(), settings);
      if (s != null) {
        student.set(s.values);
        adam.restore(s.steps, s.m, s.v);
        curve.addAll(s.curve);
        first = s.epoch + 1;
        LOG.info("Fine-tuning {} resumed after epoch {} from {}", label, s.epoch, checkpoints.directory());
      }
    }
    Broadcast<ConstrainedNetwork.Spec> spec = jsc.broadcast(student.spec());
    Broadcast<NetworkBytes> teach = settings.distill == null ? null : jsc.broadcast(NetworkBytes.of(teacher));
    jsc.setJobGroup("nncompress-finetune", "nncompress finetune: " + label, false);
    try {
      if (curve.isEmpty() && heldOut != null) { // epoch 0: the held-out accuracy before training
        long t0 = System.nanoTime();
        curve.add(new Epoch(0, Double.NaN, accuracy(spec, student.values(), heldOut), (System.nanoTime() - t0) / 1e9,
            heldOut.size()));
      }
      for (int e = first; e <= settings.epochs; e++) {
        long t0 = System.nanoTime();
        try (Phase phase = Progress.phase("finetune").stage(label).step(e - 1, settings.epochs)
            .message("epoch " + e + " of " + settings.epochs + ", " + perEpoch + " steps of " + b).start()) {
          int exchangedBefore = exchangedEpochs;
          double sum = epoch(student, adam, spec, teach, loss, train, e, b, steps, t0);
          double acc = heldOut == null ? Double.NaN : accuracy(spec, student.values(), heldOut);
          Epoch ep = new Epoch(e, sum / perEpoch, acc, (System.nanoTime() - t0) / 1e9, n);
          curve.add(ep);
          phase.result(String.format(java.util.Locale.ROOT, "loss %.4f, held-out accuracy %.4f, %.0f samples/s",
              ep.loss, acc, n / ep.seconds));
          LOG.info("Fine-tuning {} epoch {}: loss {}, held-out accuracy {}, {} s ({})", label, e, ep.loss, acc,
              ep.seconds, exchangedEpochs > exchangedBefore ? "one job, its " + train.partitions()
                  + " tasks exchanging values and gradients with the driver" : "one Spark job per step");
        }
        if (checkpoints != null) {
          double[][][] mv = adam.moments();
          checkpoints.save(label, new FinetuneCheckpoints.State(e, adam.steps(), student.values(), mv[0], mv[1],
              curve), student.size(), settings);
        }
        listener.accept(curve.get(curve.size() - 1));
      }
      return curve;
    } finally {
      jsc.clearJobGroup();
      spec.destroy();
      if (teach != null) {
        teach.destroy();
      }
    }
  }

  /**
   * Epoch {@code e}'s steps (batches of {@code b}; {@code steps} in the whole training, for the
   * learning rate's schedule); returns the sum of the steps' losses. As one exchanged job ({@link
   * ExchangedEpoch}) when it can run, else (or when it fails: its steps undone) one Spark job per step.
   */
  private double epoch(ConstrainedNetwork student, Adam adam, Broadcast<ConstrainedNetwork.Spec> spec,
      Broadcast<NetworkBytes> teach, DistillationLoss loss, TrainingData train, int e, int b, long steps, long t0) {
    int n = (int) train.size();
    int perEpoch = (n + b - 1) / b;
    double[] sum = {0};
    ExchangedEpoch.Steps driver = new ExchangedEpoch.Steps() {
      @Override
      public double[] values() {
        return student.values();
      }

      @Override
      public void step(int k, double[] g) {
        sum[0] += g[student.size()];
        adamStep(student, adam, g, e, k, perEpoch, steps, t0);
      }
    };
    if (exchange && ExchangedEpoch.possible(jsc, train.partitions())) {
      double[] values = student.values();
      int t = adam.steps();
      double[][][] mv = adam.moments();
      double[][] m = deepCopy(mv[0]);
      double[][] v = deepCopy(mv[1]);
      if (ExchangedEpoch.run(jsc, train, spec, teach, loss, student.size(), settings.seed, e, b, exchangeHost,
          driver)) {
        exchangedEpochs++;
        return sum[0];
      }
      exchange = false; // not again: the next epochs take per-step jobs at once
      student.set(values);
      adam.restore(t, m, v);
      sum[0] = 0;
    }
    int[] order = order(settings.seed, e, n);
    for (int k = 0; k < perEpoch; k++) {
      int[] batch = java.util.Arrays.copyOfRange(order, k * b, Math.min(n, (k + 1) * b));
      driver.step(k, gradient(student, spec, teach, loss, train, batch));
    }
    return sum[0];
  }

  // one Adam step along the summed gradient g (its last element: the loss), and its progress event
  private void adamStep(ConstrainedNetwork student, Adam adam, double[] g, int e, int k, int perEpoch, long steps,
      long t0) {
    long t = (long) (e - 1) * perEpoch + k;
    adam.learningRate(settings.learningRate * 0.5 * (1 + Math.cos(Math.PI * t / steps)));
    adam.step(student.split(g)); // its first size() values
    student.sync();
    if (Progress.enabled()) {
      double el = (System.nanoTime() - t0) / 1e9;
      Progress.report("finetune", Edge.MIDDLE, ProgressEvent.info("finetune_step")
          .put(ProgressEvent.ITERATION, t + 1).put(ProgressEvent.TOTAL, steps).put("loss", g[student.size()])
          .put(ProgressEvent.DONE, k + 1).put(ProgressEvent.ETA_S, el / (k + 1) * (perEpoch - k - 1)
              + el / (k + 1) * perEpoch * (settings.epochs - e)));
    }
  }

  private static double[][] deepCopy(double[][] a) {
    double[][] c = new double[a.length][];
    for (int k = 0; k < a.length; k++) {
      c[k] = a[k] == null ? null : a[k].clone();
    }
    return c;
  }

  /**
   * The samples of {@code order[from..to)} (a mini-batch) in the partition holding global indices
   * {@code lo..hi-1}, as indices of its block, into {@code local}; returns how many.
   */
  static int local(int[] order, int from, int to, long lo, long hi, int[] local) {
    int count = 0;
    for (int s = from; s < to; s++) {
      int g = order[s];
      if (g >= lo && g < hi) {
        local[count++] = (int) (g - lo);
      }
    }
    return count;
  }

  /**
   * The summed (1 / B weighted) constrained gradient of one mini-batch over all partitions, and the
   * batch's mean loss as its last element.
   */
  double[] gradient(ConstrainedNetwork student, Broadcast<ConstrainedNetwork.Spec> spec,
      Broadcast<NetworkBytes> teach, DistillationLoss loss, TrainingData train, int[] batch) {
    Broadcast<double[]> values = jsc.broadcast(student.values());
    long[] offsets = train.offsets;
    int size = student.size();
    double scale = 1.0 / batch.length;
    try {
      return train.blocks.mapPartitionsWithIndex((p, it) -> {
        double[] out = new double[size + 1]; // the partitions' gradients are summed by a tree reduce
        TrainingData.Block block = it.next();
        int[] local = new int[batch.length];
        int count = local(batch, 0, batch.length, offsets[p], offsets[p + 1], local);
        if (count > 0) {
          ConstrainedNetwork c = ExecutorNetworks.take(spec);
          c.set(values.value());
          out[size] = loss.addGradient(c, ExecutorNetworks.teacher(teach), block.inputs(local, count),
              block.labels(local, count), scale, new Backprop.Gradients(c.network()), out);
          ExecutorNetworks.give(spec, c);
        }
        return Collections.singletonList(out).iterator();
      }, false).treeReduce(DataParallelTrainer::add, 2);
    } finally {
      values.destroy();
    }
  }

  private static double[] add(double[] a, double[] b) {
    for (int k = 0; k < a.length; k++) {
      a[k] += b[k];
    }
    return a;
  }

  /** The accuracy on labelled data of the student with {@code values}, one distributed pass. */
  double accuracy(Broadcast<ConstrainedNetwork.Spec> spec, double[] v, TrainingData data) {
    if (!data.labelled) {
      return Double.NaN;
    }
    Broadcast<double[]> values = jsc.broadcast(v);
    try {
      long[] ok = data.blocks.map(block -> {
        ConstrainedNetwork c = ExecutorNetworks.take(spec);
        c.set(values.value());
        long right = 0;
        for (int from = 0; from < block.size; from += 1000) {
          int to = Math.min(block.size, from + 1000);
          int[] idx = new int[to - from];
          for (int s = 0; s < idx.length; s++) {
            idx[s] = from + s;
          }
          DenseMatrix x = block.inputs(idx, idx.length);
          int[] pred = c.network().predict(x);
          for (int s = 0; s < pred.length; s++) {
            right += pred[s] == block.labels[from + s] ? 1 : 0;
          }
        }
        ExecutorNetworks.give(spec, c);
        return new long[] {right};
      }).reduce((a, b) -> new long[] {a[0] + b[0]});
      return (double) ok[0] / data.size();
    } finally {
      values.destroy();
    }
  }
}
