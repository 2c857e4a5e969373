package io.nncompress.spark.finetune;

import io.nncompress.spark.compress.NetworkBytes;
import io.nncompress.train.Backprop;
import io.nncompress.train.ConstrainedNetwork;
import io.nncompress.train.DistillationLoss;
import java.io.IOException;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One epoch of synchronous data-parallel fine-tuning as ONE Spark job instead of one job per step:
 * each partition's task (all running at once, one per task slot) connects to the driver ({@link
 * ExchangeServer}) and, per step, receives the trained values, computes the constrained gradient of
 * its block's share of the step's mini-batch (the batch order is {@link DataParallelTrainer#order},
 * computed in the task), and sends it back; the driver sums the gradients in partition order and
 * steps Adam. The math is that of the per-step jobs: the same batches, gradients, sums and steps.
 * What goes away is Spark's per-step cost: a job, a broadcast of the values, serialized task results.
 *
 * <p>It needs as many task slots as partitions and executors that reach the driver on a new port;
 * when it cannot run (too few slots: the tasks do not all connect in time; a task fails; the port is
 * unreachable) {@link #run} returns false and the trainer restores the epoch's start and runs it with
 * per-step jobs. {@code --conf spark.nncompress.finetune.exchange=false} turns it off.
 */
final class ExchangedEpoch {
  private static final Logger LOG = LoggerFactory.getLogger(ExchangedEpoch.class);
  /** The Spark conf that turns the exchange off (true by default). */
  static final String CONF = "spark.nncompress.finetune.exchange";
  /** How long the driver waits for all the epoch's tasks to connect. */
  static final long ACCEPT_TIMEOUT_S = 60;

  /** The driver's side of the steps. */
  interface Steps {
    /** The trained values the step's gradients are computed at. */
    double[] values();

    /** Step {@code k} of the epoch with the summed gradient (its last element: the summed loss). */
    void step(int k, double[] summed);
  }

  private ExchangedEpoch() {}

  /** Whether the exchange is on (spark.nncompress.finetune.exchange, true by default). */
  static boolean enabled(JavaSparkContext jsc) {
    return jsc.getConf().getBoolean(CONF, true);
  }

  /** The tasks that can run at once, as Spark reports them (its default parallelism / spark.task.cpus). */
  static int slots(JavaSparkContext jsc) {
    return Math.max(1, jsc.defaultParallelism() / Math.max(1, jsc.getConf().getInt("spark.task.cpus", 1)));
  }

  /**
   * The most partitions fine-tuning's data should have: the task slots when the exchange is on (so
   * that an epoch's tasks can all run at once), else no limit.
   */
  public static int maxPartitions(JavaSparkContext jsc) {
    return enabled(jsc) ? slots(jsc) : Integer.MAX_VALUE;
  }

  /** Whether the exchange is on and the partitions' tasks can all run at once (by the task slots Spark reports). */
  static boolean possible(JavaSparkContext jsc, int partitions) {
    return enabled(jsc) && partitions <= slots(jsc);
  }

  /**
   * Runs epoch {@code epoch} (batches of {@code batch}); false when it could not, after which the
   * steps already taken must be undone by the caller. {@code connectHost}: where the tasks reach the
   * driver (null: spark.driver.host).
   */
  static boolean run(JavaSparkContext jsc, TrainingData train, Broadcast<ConstrainedNetwork.Spec> spec,
      Broadcast<NetworkBytes> teach, DistillationLoss loss, int size, long seed, int epoch, int batch,
      String connectHost, Steps steps) {
    SparkConf conf = jsc.getConf();
    String host = connectHost != null ? connectHost : conf.get("spark.driver.host", "127.0.0.1");
    String bind = conf.get("spark.driver.bindAddress", conf.get("spark.driver.host", "127.0.0.1"));
    int n = (int) train.size();
    int perEpoch = (n + batch - 1) / batch;
    long token = new java.security.SecureRandom().nextLong();
    JavaFutureAction<List<Integer>> job = null;
    try (ExchangeServer server = ExchangeServer.open(bind, train.partitions(), token, size)) {
      try {
        job = train.blocks.mapPartitionsWithIndex(task(host, server.port(), token, size, seed, epoch, n, batch,
            train.offsets, spec, teach, loss), false).collectAsync();
        JavaFutureAction<List<Integer>> j = job;
        if (!server.acceptAll(System.nanoTime() + ACCEPT_TIMEOUT_S * 1_000_000_000L, j::isDone)) {
          LOG.warn("Fine-tuning epoch {}: the {} tasks did not all connect to the driver at {}:{} within {} s (too "
              + "few task slots or an unreachable port); per-step Spark jobs instead", epoch, train.partitions(),
              host, server.port(), ACCEPT_TIMEOUT_S);
          return false;
        }
        for (int k = 0; k < perEpoch; k++) {
          server.send(steps.values());
          steps.step(k, server.receiveSum(j::isDone));
        }
        job.get();
        return true;
      } catch (IOException | ExecutionException e) {
        LOG.warn("Fine-tuning epoch {}: the exchange with the tasks failed ({}); per-step Spark jobs instead", epoch,
            e.getCause() != null ? e.getCause().toString() : e.toString());
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } finally {
        server.close(); // first: a task blocked on its connection fails at once
        if (job != null && !job.isDone()) {
          job.cancel(true);
        }
      }
    } catch (IOException e) {
      LOG.warn("Fine-tuning epoch {}: cannot listen on {} for the tasks ({}); per-step Spark jobs instead", epoch,
          bind, e.toString());
      return false;
    }
  }

  // the task of partition p: all the epoch's steps over its block
  private static Function2<Integer, Iterator<TrainingData.Block>, Iterator<Integer>> task(String host, int port,
      long token, int size, long seed, int epoch, int n, int batch, long[] offsets,
      Broadcast<ConstrainedNetwork.Spec> spec, Broadcast<NetworkBytes> teach, DistillationLoss loss) {
    return (p, it) -> {
      TrainingData.Block block = it.next();
      int[] order = DataParallelTrainer.order(seed, epoch, n);
      int perEpoch = (n + batch - 1) / batch;
      double[] values = new double[size];
      double[] out = new double[size + 1];
      int[] local = new int[batch];
      ConstrainedNetwork c = ExecutorNetworks.take(spec);
      try (ExchangeClient client = ExchangeClient.connect(host, port, token, p, size)) {
        for (int k = 0; k < perEpoch; k++) {
          int from = k * batch;
          int to = Math.min(n, from + batch);
          client.receive(values);
          java.util.Arrays.fill(out, 0.0);
          int count = DataParallelTrainer.local(order, from, to, offsets[p], offsets[p + 1], local);
          if (count > 0) {
            c.set(values);
            out[size] = loss.addGradient(c, ExecutorNetworks.teacher(teach), block.inputs(local, count),
                block.labels(local, count), 1.0 / (to - from), new Backprop.Gradients(c.network()), out);
          }
          client.send(out);
        }
      } finally {
        ExecutorNetworks.give(spec, c);
      }
      return Collections.singletonList(p).iterator();
    };
  }
}
