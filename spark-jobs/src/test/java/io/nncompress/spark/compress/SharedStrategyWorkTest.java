package io.nncompress.spark.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nncompress.compress.ChainingStrategy;
import io.nncompress.compress.Evaluation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The three strategies computed by one job, as the demo runs them: the work they share is done once
 * (statistics of the original network, layers with the same problem, the datasets opened, the
 * evaluation of a lossless stage), and every figure equals the one of each strategy computed alone.
 */
class SharedStrategyWorkTest {
  @TempDir
  static Path tmp;

  @BeforeAll
  static void setUp() throws Exception {
    CompressionJobTest.dir = tmp;
    CompressionJobTest.setUp(); // the 12-10-8-3 MLP, train (600 samples) and test (300) as Parquet
  }

  static CompressionConfig config(String out) {
    return CompressionJobTest.parse(CompressionJobTest.config("", tmp.resolve(out).toString())
        .replace("output: ", "stages:\n  plan: kmeans(3) -> huffman\noutput: "));
  }

  static final List<ChainingStrategy> ORDER = List.of(ChainingStrategy.PARALLEL, ChainingStrategy.TOP_DOWN,
      ChainingStrategy.BOTTOM_UP);

  @Test
  void threeStrategiesShareTheirWorkAndGiveTheSameFigures() {
    CompressionConfig c = config("out-shared");
    CompressionJob job = new CompressionJob(CompressionJobTest.spark, c);
    io.nncompress.model.Network net = job.validate(false);
    SparkStatistics stats = new SparkStatistics(CompressionJobTest.spark, job.data(c.calibration, 12), c.batchSize);
    List<CompressionJob.Outcome> together = new ArrayList<>();
    for (ChainingStrategy s : ORDER) {
      together.add(job.compute(net, s, stats));
    }
    // statistics: parallel's pass over the original network serves top-down's fc1 and all of bottom-up;
    // top-down's fc2 and fc3 need their joint passes
    assertEquals(3, stats.passes());
    assertEquals(2, job.reusedSolves()); // top-down's fc1 and bottom-up's fc3 are parallel's
    // passes per strategy: its statistics passes, then evaluations after lnr and kmeans(3) (huffman: the same)
    assertEquals(List.of(1 + 2, 2 + 2, 0 + 2), together.stream().map(o -> o.passes).toList());
    for (int i = 0; i < ORDER.size(); i++) {
      ChainingStrategy s = ORDER.get(i);
      CompressionJob.Outcome a = new CompressionJob(CompressionJobTest.spark, config("out-" + s.id))
          .compute(CompressionJobTest.net, s, null); // alone, nothing shared
      CompressionJob.Outcome b = together.get(i);
      assertEquals(a.evaluation.accuracyCompressed, b.evaluation.accuracyCompressed, 0.0, s.id);
      assertEquals(a.evaluation.agreement, b.evaluation.agreement, 0.0, s.id);
      assertEquals(a.bytesAfter, b.bytesAfter, s.id);
      assertEquals(a.paramsAfter(), b.paramsAfter(), s.id);
      for (int k = 0; k < 3; k++) {
        assertEquals(a.result.layers.get(k).relativeErrorDebiased, b.result.layers.get(k).relativeErrorDebiased, 0.0,
            s.id);
        assertEquals(a.result.layers.get(k).heldOutRelativeError, b.result.layers.get(k).heldOutRelativeError, 0.0,
            s.id);
      }
      for (int k = 0; k < 4; k++) {
        assertEquals(a.stages.get(k).stage, b.stages.get(k).stage);
        assertEquals(a.stages.get(k).bytes, b.stages.get(k).bytes, s.id + " " + a.stages.get(k).stage);
        assertEquals(a.stages.get(k).accuracy, b.stages.get(k).accuracy, 0.0, s.id + " " + a.stages.get(k).stage);
      }
      // the huffman record's accuracy, taken from kmeans(3), is what a pass over the data gives
      Evaluation real = job.evaluate(b.result.original, b.finalNetwork, CompressionJob.keptOutputs(b.result),
          job.data(c.evaluation, 12));
      assertEquals(real.accuracyCompressed, b.stages.get(3).accuracy, 0.0, s.id);
      assertEquals(real.agreement, b.stages.get(3).agreement, 0.0, s.id);
    }
  }
}
