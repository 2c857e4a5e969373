package io.nncompress.spark.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.nncompress.data.LabeledImages;
import io.nncompress.model.Network;
import io.nncompress.spark.compress.InputData;
import io.nncompress.train.ConstrainedNetwork;
import io.nncompress.train.DistillationLoss;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Epochs as one exchanged job ({@link ExchangedEpoch}) against the per-step Spark jobs they replace. */
class ExchangedEpochTest {
  static final LabeledImages DATA = DataParallelTrainerTest.images(300, 11);
  static final Network TEACHER = DataParallelTrainerTest.mlp(99);

  private static double[] train(DataParallelTrainer trainer, int partitions, int[] exchanged, List<Double> losses) {
    ConstrainedNetwork c = DataParallelTrainerTest.constrained(5);
    try (TrainingData t = TrainingData.of(DataParallelTrainerTest.JSC, DATA, partitions)) {
      for (DataParallelTrainer.Epoch e : trainer.train(c, TEACHER, t, null)) {
        losses.add(e.loss);
      }
    }
    exchanged[0] = trainer.exchangedEpochs;
    return c.values();
  }

  private static DataParallelTrainer trainer() {
    // 3 epochs of 10 steps (the last one of 12 samples), distilling: the teacher runs in the tasks too
    return new DataParallelTrainer(DataParallelTrainerTest.SPARK,
        DataParallelTrainerTest.settings(3, 32, new DistillationLoss(3.0, 0.4)));
  }

  @Test
  void exchangedEpochsTrainExactlyLikePerStepJobs() {
    int[] exchanged = new int[1];
    List<Double> lossX = new java.util.ArrayList<>();
    List<Double> lossJ = new java.util.ArrayList<>();
    double[] viaExchange = train(trainer(), 2, exchanged, lossX);
    assertEquals(3, exchanged[0], "the 3 epochs ran as exchanged jobs on local[2] with 2 partitions");
    double[] viaJobs = train(trainer().exchange(false), 2, exchanged, lossJ);
    assertEquals(0, exchanged[0]);
    assertArrayEquals(viaJobs, viaExchange, 1e-12);
    assertEquals(lossJ.size(), lossX.size());
    for (int e = 0; e < lossJ.size(); e++) {
      assertEquals(lossJ.get(e), lossX.get(e), 1e-12, "loss of epoch " + (e + 1));
    }
    assertEquals(false, java.util.Arrays.equals(viaJobs, DataParallelTrainerTest.constrained(5).values()));
  }

  @Test
  void anUnreachableDriverFallsBackToPerStepJobsWithTheSameResult() {
    int[] exchanged = new int[1];
    DataParallelTrainer t = trainer();
    t.exchangeHost = "127.0.0.2"; // the server listens on 127.0.0.1 only: the tasks' connections are refused
    double[] fellBack = train(t, 2, exchanged, new java.util.ArrayList<>());
    assertEquals(0, exchanged[0]);
    double[] viaJobs = train(trainer().exchange(false), 2, exchanged, new java.util.ArrayList<>());
    assertArrayEquals(viaJobs, fellBack, 1e-12);
  }

  @Test
  void moreTasksThanSlotsTakePerStepJobs() {
    int[] exchanged = new int[1];
    double[] three = train(trainer(), 3, exchanged, new java.util.ArrayList<>());
    assertEquals(0, exchanged[0], "3 partitions cannot all run at once on local[2]");
    double[] one = train(trainer(), 1, exchanged, new java.util.ArrayList<>());
    assertEquals(3, exchanged[0]);
    assertArrayEquals(one, three, 1e-6);
  }

  @Test
  void parquetDataInMorePartitionsThanSlotsIsMergedSoThatEpochsRunExchanged(@TempDir Path dir) {
    // 4 Parquet files of 16 features without labels: 4 partitions, more than local[2]'s 2 slots
    java.util.Random r = new java.util.Random(3);
    List<Row> rows = new java.util.ArrayList<>();
    for (int s = 0; s < 400; s++) {
      Double[] v = new Double[16];
      for (int i = 0; i < 16; i++) {
        v[i] = r.nextGaussian();
      }
      rows.add(RowFactory.create((Object) v));
    }
    String path = dir.resolve("x").toString();
    DataParallelTrainerTest.SPARK.createDataFrame(rows, new StructType().add("x", "array<double>")).repartition(4)
        .write().parquet(path);
    assertEquals(2, ExchangedEpoch.maxPartitions(DataParallelTrainerTest.JSC));
    FinetuneSettings s = DataParallelTrainerTest.settings(2, 50, new DistillationLoss(2.0, 0.5));
    double[][] after = new double[2][];
    int[] exchanged = new int[2];
    // files of 13 KB under splits of at most 16k: one partition each (Spark would pack them into 2)
    DataParallelTrainerTest.SPARK.conf().set("spark.sql.files.maxPartitionBytes", "16k");
    try {
      for (int k = 0; k < 2; k++) {
        InputData in = InputData.open(DataParallelTrainerTest.SPARK, path, "x", null, 16);
        ConstrainedNetwork c = DataParallelTrainerTest.constrained(5);
        try (TrainingData t = TrainingData.of(in, 64, k == 0 ? Integer.MAX_VALUE : 2)) {
          assertEquals(k == 0 ? 4 : 2, t.partitions());
          assertEquals(400, t.size());
          DataParallelTrainer trainer = new DataParallelTrainer(DataParallelTrainerTest.SPARK, s);
          trainer.train(c, TEACHER, t, null);
          exchanged[k] = trainer.exchangedEpochs();
        }
        after[k] = c.values();
      }
    } finally {
      DataParallelTrainerTest.SPARK.conf().unset("spark.sql.files.maxPartitionBytes");
    }
    assertArrayEquals(new int[] {0, 2}, exchanged, "4 partitions: per-step jobs; merged into 2: exchanged");
    assertArrayEquals(after[0], after[1], 1e-6);
  }

  @Test
  void theServerSumsTheTasksGradientsAndRefusesStrangers() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try (ExchangeServer server = ExchangeServer.open("127.0.0.1", 2, 42L, 2)) {
      // a stranger with another token first (the first in the accept queue): refused, its connection closed
      java.util.concurrent.CountDownLatch sent = new java.util.concurrent.CountDownLatch(1);
      Future<Integer> stranger = pool.submit(() -> {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
          ByteBuffer h = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
          s.getOutputStream().write(h.putLong(ExchangeServer.MAGIC).putLong(41L).putInt(0).array());
          sent.countDown();
          return s.getInputStream().read();
        }
      });
      sent.await();
      Future<double[]>[] tasks = new Future[2];
      for (int p = 1; p >= 0; p--) {
        int part = p;
        tasks[p] = pool.submit(() -> {
          try (ExchangeClient c = ExchangeClient.connect("127.0.0.1", server.port(), 42L, part, 2)) {
            double[] v = new double[2];
            c.receive(v);
            c.send(new double[] {v[0] * (part + 1), v[1] + part, 0.25 * (part + 1)});
            return v;
          }
        });
      }
      assertEquals(true, server.acceptAll(System.nanoTime() + 30_000_000_000L, () -> false));
      assertEquals(-1, stranger.get(), "the stranger's connection is closed");
      server.send(new double[] {1.5, -2.0});
      assertArrayEquals(new double[] {1.5 + 3.0, -2.0 + -1.0, 0.75}, server.receiveSum(() -> false), 0.0);
      assertArrayEquals(new double[] {1.5, -2.0}, tasks[0].get(), 0.0);
      assertArrayEquals(new double[] {1.5, -2.0}, tasks[1].get(), 0.0);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aTaskThatConnectsAgainMidStepStopsTheEpoch() throws IOException {
    try (ExchangeServer server = ExchangeServer.open("127.0.0.1", 1, 42L, 2);
        ExchangeClient task = ExchangeClient.connect("127.0.0.1", server.port(), 42L, 0, 2)) {
      assertEquals(true, server.acceptAll(System.nanoTime() + 30_000_000_000L, () -> false));
      server.send(new double[] {1.0, 2.0});
      double[] v = new double[2];
      task.receive(v);
      assertArrayEquals(new double[] {1.0, 2.0}, v, 0.0);
      // the task's attempt is lost before it answers; Spark's second attempt connects
      try (ExchangeClient again = ExchangeClient.connect("127.0.0.1", server.port(), 42L, 0, 2)) {
        IOException e = assertThrows(IOException.class, () -> server.receiveSum(() -> false));
        assertEquals("the exchanged epoch's tasks stopped answering", e.getMessage());
      }
    }
  }

  @Test
  void theServerGivesUpWhenTheJobEnded() throws IOException {
    try (ExchangeServer server = ExchangeServer.open("127.0.0.1", 2, 42L, 2)) {
      assertEquals(false, server.acceptAll(Long.MAX_VALUE, () -> true));
    }
  }
}
