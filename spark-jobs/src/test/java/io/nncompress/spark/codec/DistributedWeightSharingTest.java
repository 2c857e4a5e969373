package io.nncompress.spark.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.codec.BitReader;
import io.nncompress.codec.kmeans.KMeans1D;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.bench.SyntheticLayers;
import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

class DistributedWeightSharingTest {
  private static final SparkSession SPARK = SparkTestSession.get();
  private static final JavaSparkContext JSC = JavaSparkContext.fromSparkContext(SPARK.sparkContext());

  /** Row-major values of the layer, in row order (test only: collects the layer). */
  private static double[] collect(JavaPairRDD<Long, float[]> rows) {
    List<Tuple2<Long, float[]>> l = new ArrayList<>(rows.collect());
    l.sort((a, b) -> Long.compare(a._1, b._1));
    int n = 0;
    for (Tuple2<Long, float[]> t : l) {
      n += t._2.length;
    }
    double[] x = new double[n];
    int i = 0;
    for (Tuple2<Long, float[]> t : l) {
      for (float v : t._2) {
        x[i++] = v;
      }
    }
    return x;
  }

  @Test
  void histogramPathMatchesTheLocalSolverAndIsNearTheExactOptimum() {
    int rows = 500;
    int cols = 4000; // 2M weights in 4 partitions
    int bins = 1 << 16;
    JavaPairRDD<Long, float[]> layer = SyntheticLayers.studentT(JSC, rows, cols, 4, 0.02, 7).cache();
    DistributedWeightSharing.Result r = DistributedWeightSharing.fit(layer,
        new DistributedWeightSharing.Options().bits(4).bins(bins).collectThreshold(0));
    assertFalse(r.collected);
    assertEquals((long) rows * cols, r.count);

    double[] x = collect(layer);
    assertEquals(Arrays.stream(x).min().getAsDouble(), r.min, 0.0);
    assertEquals(Arrays.stream(x).max().getAsDouble(), r.max, 0.0);
    assertEquals(KMeans1D.histogram(x, null, bins).centers.length, r.nonEmptyBins);
    // the codebook is the local histogram solution on the same bins, rounded to float32
    KMeans1D.Result local = KMeans1D.optimalOnHistogram(x, null, 16, bins);
    for (int s = 0; s < 16; s++) {
      float expected = (float) local.centroids[s];
      assertEquals(expected, r.codebook[s], 2 * Math.ulp(expected), "codebook[" + s + "]");
    }

    // every code decodes to a nearest codebook value (brute force), and the distributed SSE is theirs
    Map<Long, byte[]> codes = r.codes.collectAsMap();
    double sse = 0;
    for (int i = 0; i < rows; i++) {
      int[] q = BitReader.unpack(codes.get((long) i), 0, cols, 4);
      for (int j = 0; j < cols; j++) {
        double v = x[i * cols + j];
        double e = Math.abs(v - r.codebook[q[j]]);
        for (int s = 0; s < 16; s++) {
          assertTrue(e <= Math.abs(v - r.codebook[s]), "weight (" + i + ", " + j + ") coded " + q[j] + ", " + s
              + " is nearer");
        }
        sse += e * e;
      }
    }
    double dsse = DistributedWeightSharing.sse(layer, r, null);
    assertEquals(sse, dsse, 1e-9 * sse);

    // within 1 % of the exact optimum on the 2M values themselves (and never below it)
    double opt = KMeans1D.optimal(x, null, 16).sse;
    assertTrue(dsse <= 1.01 * opt, "SSE " + dsse + " vs exact optimum " + opt);
    assertTrue(dsse >= opt * (1 - 1e-9), "SSE " + dsse + " below the exact optimum " + opt);
    layer.unpersist();
  }

  @Test
  void smallLayersAreCollectedAndSolvedExactlyWithColumnWeights() {
    int rows = 40;
    int cols = 50;
    JavaPairRDD<Long, float[]> layer = SyntheticLayers.studentT(JSC, rows, cols, 3, 0.02, 11);
    double[] rjj = new double[cols];
    for (int j = 0; j < cols; j++) {
      rjj[j] = 0.5 + j % 7;
    }
    DistributedWeightSharing.Result r = DistributedWeightSharing.fit(layer,
        new DistributedWeightSharing.Options().bits(3).columnWeights(rjj));
    assertTrue(r.collected);
    double[] x = collect(layer);
    double[] w = new double[x.length];
    for (int t = 0; t < x.length; t++) {
      w[t] = rjj[t % cols];
    }
    KMeans1D.Result exact = KMeans1D.optimal(x, w, 8);
    for (int s = 0; s < 8; s++) {
      assertEquals((float) exact.centroids[s], r.codebook[s], 0.0f, "codebook[" + s + "]");
    }
    // the weighted SSE of the float32 codebook, against a direct sum
    double direct = 0;
    for (int t = 0; t < x.length; t++) {
      double best = Double.MAX_VALUE;
      for (float c : r.codebook) {
        best = Math.min(best, (x[t] - c) * (x[t] - c));
      }
      direct += w[t] * best;
    }
    assertEquals(direct, DistributedWeightSharing.sse(layer, r, rjj), 1e-12 * direct);
  }

  @Test
  void codesAreWrittenToParquetOneRowPerLayerRow() throws Exception {
    JavaPairRDD<Long, float[]> layer = SyntheticLayers.studentT(JSC, 30, 21, 2, 0.02, 3);
    DistributedWeightSharing.Result r = DistributedWeightSharing.fit(layer,
        new DistributedWeightSharing.Options().bits(5).bins(1 << 10).collectThreshold(0));
    File dir = Files.createTempDirectory("dws").toFile();
    String path = new File(dir, "codes").getPath();
    r.writeCodes(SPARK, path);
    List<Row> back = SPARK.read().parquet(path).orderBy("row").collectAsList();
    assertEquals(30, back.size());
    Map<Long, byte[]> codes = r.codes.collectAsMap();
    for (Row row : back) {
      byte[] b = (byte[]) row.get(1);
      assertEquals((21 * 5 + 7) / 8, b.length);
      assertTrue(Arrays.equals(codes.get(row.getLong(0)), b), "row " + row.getLong(0));
    }
  }

  @Test
  void badParametersAndInputsAreRejectedClearly() {
    JavaPairRDD<Long, float[]> layer = SyntheticLayers.studentT(JSC, 10, 8, 2, 0.02, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DistributedWeightSharing.fit(layer, new DistributedWeightSharing.Options().bits(0)));
    assertEquals("bits must be in 1..8, cannot be: 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> DistributedWeightSharing.fit(layer, new DistributedWeightSharing.Options().bits(9)));
    assertEquals("bits must be in 1..8, cannot be: 9", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> DistributedWeightSharing.fit(layer, new DistributedWeightSharing.Options().bins(0)));
    assertTrue(e.getMessage().startsWith("bins must be in 1.."), e.getMessage());

    JavaPairRDD<Long, float[]> empty = JSC.parallelizePairs(new ArrayList<Tuple2<Long, float[]>>(), 2);
    e = assertThrows(IllegalArgumentException.class,
        () -> DistributedWeightSharing.fit(empty, new DistributedWeightSharing.Options()));
    assertEquals("The layer has no weights: cannot share 16 values among 0", e.getMessage());

    List<Tuple2<Long, float[]>> bad = new ArrayList<>();
    for (long i = 0; i < 10; i++) {
      float[] r = {1, 2, 3, 4};
      if (i == 7) {
        r[3] = Float.NaN;
      }
      bad.add(new Tuple2<>(i, r));
    }
    e = assertThrows(IllegalArgumentException.class, () -> DistributedWeightSharing.fit(JSC.parallelizePairs(bad, 3),
        new DistributedWeightSharing.Options().bits(1)));
    assertEquals("Weight (row 7, column 3) must be finite, cannot be: NaN", e.getMessage());

    bad.set(7, new Tuple2<>(7L, new float[] {1, 2, 3}));
    e = assertThrows(IllegalArgumentException.class, () -> DistributedWeightSharing.fit(JSC.parallelizePairs(bad, 1),
        new DistributedWeightSharing.Options().bits(1)));
    assertEquals("Row 7 of the layer has 3 weights, row 0 has 4: every row must have the same length",
        e.getMessage());

    // 4 distinct values and 8 shared values: each value its own (the histogram's bins hold one value each)
    bad.set(7, new Tuple2<>(7L, new float[] {1, 2, 3, 4}));
    DistributedWeightSharing.Result few = DistributedWeightSharing.fit(JSC.parallelizePairs(bad, 2),
        new DistributedWeightSharing.Options().bits(3).collectThreshold(0));
    assertArrayEquals(new float[] {1, 2, 3, 4, 4, 4, 4, 4}, few.codebook);
  }
}
