package io.nncompress.spark.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.compress.StageChain;
import io.nncompress.compress.StagePlan;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.spark.SparkTestSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The stage pipeline: each layer's chain runs once, and every stage's metrics are read off it. */
class StagePipelineTest {
  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkTestSession.get();
  }

  static DenseMatrix matrix(int rows, int cols, long seed) {
    Random rnd = new Random(seed);
    DenseMatrix w = new DenseMatrix(rows, cols);
    for (int k = 0; k < w.data.length; k++) {
      w.data[k] = rnd.nextGaussian() * 0.1;
    }
    return w;
  }

  static DenseMatrix autocorrelation(int d) {
    DenseMatrix x = matrix(d, 50, 9);
    DenseMatrix r = new DenseMatrix(d, d);
    DenseMatrix.gemm(1.0 / 50, x, false, x, true, 0.0, r);
    return r;
  }

  @Test
  void everyStageIsReadOffOneRunOfEachLayersChain() throws Exception {
    List<String> names = List.of("a", "b", "c", "d");
    List<StagePlan> plans = List.of(StagePlan.parse("prune(0.5) -> kmeans_aware(3) -> huffman"),
        StagePlan.parse("svd(rank=2) -> kmeans(2)"), StagePlan.parse("uniform(4,row)"), StagePlan.none());
    List<DenseMatrix> weights = List.of(matrix(12, 10, 1), matrix(16, 10, 2), matrix(8, 10, 3), matrix(6, 10, 4));
    DenseMatrix r = autocorrelation(10);
    StagePipeline.Layers layers = new StagePipeline.Layers() {
      @Override
      public int size() {
        return names.size();
      }

      @Override
      public String name(int k) {
        return names.get(k);
      }

      @Override
      public StagePlan plan(int k) {
        return plans.get(k);
      }

      @Override
      public DenseMatrix weight(int k) {
        return weights.get(k);
      }

      @Override
      public DenseMatrix autocorrelation(int k) {
        return r;
      }
    };
    AtomicInteger jobs = new AtomicInteger();
    SparkListener count = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart e) {
        jobs.incrementAndGet();
      }
    };
    List<StagePipeline.Stage> seen = new ArrayList<>();
    spark.sparkContext().addSparkListener(count);
    try {
      new StagePipeline(spark).run(layers, stage -> {
        seen.add(stage);
        return null;
      });
    } finally {
      spark.sparkContext().listenerBus().waitUntilEmpty();
      spark.sparkContext().removeSparkListener(count);
    }
    // three stages from one Spark job: the chains ran once (re-encoding each prefix took a job per stage)
    assertEquals(1, jobs.get());
    assertEquals(3, seen.size());
    assertEquals(List.of("stage 1", "stage 2", "stage 3"), seen.stream().map(s -> s.label).toList());
    assertEquals(List.of("prune(0.5) -> kmeans_aware(3)", "svd(rank=2) -> kmeans(2)", "uniform(4,row)", "none"),
        seen.get(1).prefixes);
    for (int k = 0; k < names.size(); k++) {
      List<StagePlan.Encoded> chain = StageChain.run(plans.get(k), weights.get(k), r);
      for (StagePipeline.Stage s : seen) {
        byte[] expected = chain.isEmpty() ? io.nncompress.codec.RawFloat32Tensor.of(weights.get(k)).encode()
            : chain.get(Math.min(s.index, chain.size()) - 1).tensor.encode();
        assertArrayEquals(expected, s.encoded.get(k).encode(), names.get(k) + ", stage " + s.index);
        // the relative error of the layer's weight decoded after this stage, computed here directly
        DenseMatrix w = weights.get(k);
        DenseMatrix d = s.encoded.get(k).decode();
        double num = 0;
        double den = 0;
        for (int i = 0; i < w.rows; i++) {
          for (int j = 0; j < w.cols; j++) {
            num += (w.get(i, j) - d.get(i, j)) * (w.get(i, j) - d.get(i, j));
            den += w.get(i, j) * w.get(i, j);
          }
        }
        assertEquals(Math.sqrt(num / den), s.errors.get(names.get(k)), 1e-12, names.get(k) + ", stage " + s.index);
      }
      // the last stage is the whole plan's encoding
      assertArrayEquals(plans.get(k).encode(weights.get(k), r).encode(), seen.get(2).encoded.get(k).encode());
    }
    // stage 1 of layer a prunes by saliency: its plan is data-aware (kmeans_aware), as the whole plan always did
    assertArrayEquals(StagePlan.parse("prune_obd(0.5)").encode(weights.get(0), r).encode(),
        seen.get(0).encoded.get(0).encode());
    assertTrue(seen.get(0).errors.get("d") < 0x1p-24, "no stages: float32 rounding only, " + seen.get(0).errors.get("d"));
    // svd then kmeans: the spectrum from stage 1 on; kmeans's codebooks of both factors in the last stage
    assertEquals(2, ((java.util.Map<?, ?>) seen.get(0).spectra.get("b")).get("rank"));
    assertEquals(java.util.Set.of("b.0", "b.1"), seen.get(2).factorCodebooks.get("b").keySet());

    // metrics.json: each stage's record carries the errors of its layers
    List<CompressionJob.StageRecord> records = new ArrayList<>();
    for (StagePipeline.Stage s : seen) {
      CompressionJob.StageRecord rec = new CompressionJob.StageRecord(s.label, 100L * s.index, 10, Double.NaN,
          Double.NaN, java.util.Map.of(), java.util.Map.of());
      rec.layerErrors = s.errors;
      records.add(rec);
    }
    List<io.nncompress.report.Metrics.Stage> json = CompressionMetrics.stages(records);
    assertEquals(seen.get(1).errors, json.get(1).layerRelativeErrors());
    assertEquals(List.of("a", "b", "c", "d"), List.copyOf(json.get(2).layerRelativeErrors().keySet()));
  }
}
