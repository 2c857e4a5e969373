package io.nncompress.spark.autocorr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.data.ExampleActivations;
import io.nncompress.stats.AutocorrelationStats;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutocorrelationJobTest {
  static final int N = 257;
  static final int D = 6;
  static final long SEED = 11;
  static final List<ColumnEncoding> ALL = Arrays.asList(ColumnEncoding.values());
  static final List<String> COLUMNS = List.of("f", "d", "v", "b");

  @TempDir
  static Path dir;
  static SparkSession spark;
  static String data;

  @BeforeAll
  static void generate() {
    spark = SparkTestSession.get();
    data = dir.resolve("acts").toString();
    ExampleActivations.write(spark, data, N, D, ALL, COLUMNS, 3, SEED);
  }

  /** R directly from the generated rows: (1/N) sum x~ x~^T in plain loops. */
  static DenseMatrix direct(List<double[]> rows) {
    int d = rows.get(0).length;
    DenseMatrix r = new DenseMatrix(d + 1, d + 1);
    for (double[] x : rows) {
      for (int i = 0; i <= d; i++) {
        for (int j = 0; j <= d; j++) {
          r.add(i, j, (i < d ? x[i] : 1) * (j < d ? x[j] : 1));
        }
      }
    }
    for (int k = 0; k < r.data.length; k++) {
      r.data[k] /= rows.size();
    }
    return r;
  }

  static List<double[]> generatedRows() {
    double[][] m = ExampleActivations.model(D, SEED);
    List<double[]> rows = new ArrayList<>();
    for (long i = 0; i < N; i++) {
      rows.add(ExampleActivations.row(i, D, m[0], m[1], SEED));
    }
    return rows;
  }

  static AutocorrelationJob job() {
    return new AutocorrelationJob(spark, new AutocorrelationJob.Options());
  }

  static double relDiff(DenseMatrix a, DenseMatrix b) {
    double scale = 0;
    for (double v : a.data) {
      scale = Math.max(scale, Math.abs(v));
    }
    return a.maxAbsDiff(b) / scale;
  }

  @Test
  void everyEncodingMatchesTheDirectComputation() {
    List<LayerInput> layers = new ArrayList<>();
    for (String c : COLUMNS) {
      layers.add(LayerInput.dense("layer_" + c, data, c));
    }
    List<AutocorrelationJob.LayerResult> res = job().compute(layers);
    DenseMatrix want = direct(generatedRows());
    for (int k = 0; k < res.size(); k++) {
      AutocorrelationJob.LayerResult r = res.get(k);
      assertEquals(ALL.get(k), r.encoding);
      assertEquals(N, r.samples);
      assertEquals(D, r.dim);
      assertTrue(relDiff(want, r.stats.autocorrelation()) < 1e-12, "encoding " + r.encoding);
    }
  }

  @Test
  void columnBatchesAndRowsGiveTheSameR() {
    List<LayerInput> layers = new ArrayList<>();
    for (String c : COLUMNS) {
      layers.add(LayerInput.dense("layer_" + c, data, c));
    }
    AutocorrelationJob.Options rowsOnly = new AutocorrelationJob.Options();
    rowsOnly.columnar = false;
    List<AutocorrelationJob.LayerResult> batches = job().compute(layers);
    List<AutocorrelationJob.LayerResult> rows = new AutocorrelationJob(spark, rowsOnly).compute(layers);
    DenseMatrix want = direct(generatedRows());
    for (int k = 0; k < layers.size(); k++) {
      assertEquals(AutocorrelationJob.LayerResult.COLUMN_BATCHES, batches.get(k).reader, "encoding " + ALL.get(k));
      assertEquals(AutocorrelationJob.LayerResult.ROWS, rows.get(k).reader);
      assertTrue(batches.get(k).stats.relativeDifference(rows.get(k).stats) <= 1e-12, "encoding " + ALL.get(k));
      assertTrue(relDiff(want, batches.get(k).stats.autocorrelation()) < 1e-12, "encoding " + ALL.get(k));
      assertArrayEquals(rows.get(k).min, batches.get(k).min);
      assertArrayEquals(rows.get(k).max, batches.get(k).max);
    }
    // a DataFrame computed by other operators is read as rows
    Dataset<Row> shuffled = spark.read().parquet(data).repartition(3);
    assertEquals(AutocorrelationJob.LayerResult.ROWS,
        job().computeDataset("shuffled", shuffled, List.of(LayerInput.dense("l", data, "b"))).get(0).reader);
  }

  @Test
  void columnBatchesDoNotDependOnTheFiles(@TempDir Path tmp) {
    String oneFile = tmp.resolve("one").toString();
    String sevenFiles = tmp.resolve("seven").toString();
    spark.read().parquet(data).coalesce(1).write().parquet(oneFile);
    spark.read().parquet(data).repartition(7).write().parquet(sevenFiles);
    // array<float> is read from column batches (binary alone from Parquet pages, ParquetFileInputTest)
    AutocorrelationJob.LayerResult one = job().compute(List.of(LayerInput.dense("l", oneFile, "f"))).get(0);
    AutocorrelationJob.LayerResult seven = job().compute(List.of(LayerInput.dense("l", sevenFiles, "f"))).get(0);
    assertEquals(AutocorrelationJob.LayerResult.COLUMN_BATCHES, one.reader);
    assertEquals(AutocorrelationJob.LayerResult.COLUMN_BATCHES, seven.reader);
    assertTrue(one.stats.relativeDifference(seven.stats) <= 1e-12, "" + one.stats.relativeDifference(seven.stats));
    assertEquals(N, seven.samples);
  }

  @Test
  void resultDoesNotDependOnPartitioning() {
    Dataset<Row> df = spark.read().parquet(data);
    AutocorrelationStats one = job().computeDataset("one", df.coalesce(1), List.of(LayerInput.dense("l", data, "d")))
        .get(0).stats;
    AutocorrelationStats many = job().computeDataset("many", df.repartition(7),
        List.of(LayerInput.dense("l", data, "d"))).get(0).stats;
    assertTrue(one.relativeDifference(many) <= 1e-12, "relative difference " + one.relativeDifference(many));
    assertEquals(one.samples(), many.samples());
  }

  @Test
  void tiledModeWithTinyTilesEqualsTheWholeMatrixAndRoundTrips() {
    AutocorrelationJob.Options o = new AutocorrelationJob.Options();
    o.tileThreshold = 2;
    o.tileSize = 3; // p = 7 -> 3 x 3 tiles, 6 upper ones
    o.maxTilesPerTask = 2;
    o.blockSamples = 10;
    String out = dir.resolve("tiled-out").toString();
    List<AutocorrelationJob.LayerResult> res =
        new AutocorrelationJob(spark, o).compute(List.of(LayerInput.dense("t", data, "v")));
    assertEquals(null, res.get(0).stats);
    AutocorrelationStore.write(spark, out, res, false);
    AutocorrelationStats read = AutocorrelationStore.read(spark, out).get("t").stats;
    assertTrue(relDiff(direct(generatedRows()), read.autocorrelation()) < 1e-12);
    assertEquals(6L, spark.read().parquet(out + "/tiles").count());
  }

  @Test
  void writeThenReadBackIsExactAndExistingOutputIsKept() throws Exception {
    String out = dir.resolve("whole-out").toString();
    List<AutocorrelationJob.LayerResult> res =
        job().compute(List.of(LayerInput.dense("a", data, "f"), LayerInput.dense("b", data, "b")));
    AutocorrelationStore.write(spark, out, res, false);
    Map<String, AutocorrelationStore.StoredLayer> read = AutocorrelationStore.read(spark, out);
    assertEquals(List.of("a", "b"), new ArrayList<>(read.keySet()));
    assertEquals(0.0, read.get("a").stats.autocorrelation().maxAbsDiff(res.get(0).stats.autocorrelation()));
    assertEquals("array<float>", read.get("a").encoding);
    assertEquals(N, read.get("b").stats.samples());
    assertEquals(Arrays.toString(res.get(1).stats.mean()), Arrays.toString(read.get("b").stats.mean()));

    BadInputException e = assertThrows(BadInputException.class,
        () -> AutocorrelationStore.write(spark, out, res, false));
    assertTrue(e.getMessage().contains("already exists"), e.getMessage());
    AutocorrelationStore.write(spark, out, res.subList(0, 1), true);
    assertEquals(List.of("a"), new ArrayList<>(AutocorrelationStore.read(spark, out).keySet()));
    assertNoTemporaries(dir);
  }

  static void assertNoTemporaries(Path parent) throws Exception {
    try (var s = Files.list(parent)) {
      List<String> tmp = s.map(p -> p.getFileName().toString()).filter(n -> n.contains(".inprogress-")
          || n.contains(".replaced-")).toList();
      assertEquals(List.of(), tmp);
    }
  }

  @Test
  void convPatchesMatchANaiveComputation() {
    // 2 channels, 5x4 maps, kernel 3, stride 2, padding 1, dilation 2
    int c = 2;
    int h = 5;
    int w = 4;
    String conv = dir.resolve("conv").toString();
    ExampleActivations.write(spark, conv, 40, c * h * w, List.of(ColumnEncoding.FLOAT_ARRAY), List.of("x"), 2, 5);
    LayerInput l = LayerInput.parse("name=c1,dataset=" + conv + ",column=x,shape=2x5x4,kernel=3,stride=2,padding=1,"
        + "dilation=2");
    AutocorrelationJob.LayerResult r = job().compute(List.of(l)).get(0);

    double[][] m = ExampleActivations.model(c * h * w, 5);
    List<double[]> patches = new ArrayList<>();
    int outH = (h + 2 - 2 * 2 - 1) / 2 + 1;
    int outW = (w + 2 - 2 * 2 - 1) / 2 + 1;
    for (long n = 0; n < 40; n++) {
      double[] x = ExampleActivations.row(n, c * h * w, m[0], m[1], 5);
      for (int u = 0; u < outH; u++) {
        for (int v = 0; v < outW; v++) {
          double[] patch = new double[c * 9];
          int k = 0;
          for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < 3; i++) {
              for (int j = 0; j < 3; j++) {
                int y = u * 2 - 1 + 2 * i;
                int xx = v * 2 - 1 + 2 * j;
                patch[k++] = y < 0 || y >= h || xx < 0 || xx >= w ? 0 : x[ch * h * w + y * w + xx];
              }
            }
          }
          patches.add(patch);
        }
      }
    }
    assertEquals(patches.size(), r.samples);
    assertEquals(40, r.rows);
    assertTrue(relDiff(direct(patches), r.stats.autocorrelation()) < 1e-12);
  }

  @Test
  void sparseAndDenseVectorsAgree() {
    List<Row> rows = new ArrayList<>();
    List<double[]> values = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      double[] x = {i % 3 == 0 ? 0 : i, 0, 0.5 * i, i % 2 == 0 ? -1 : 0};
      values.add(x);
      org.apache.spark.ml.linalg.Vector v = i % 2 == 0 ? org.apache.spark.ml.linalg.Vectors.dense(x)
          : org.apache.spark.ml.linalg.Vectors.dense(x).toSparse();
      rows.add(org.apache.spark.sql.RowFactory.create(i, v));
    }
    String path = dir.resolve("sparse").toString();
    spark.createDataFrame(rows, new org.apache.spark.sql.types.StructType().add("id", "int")
        .add("v", org.apache.spark.ml.linalg.SQLDataTypes.VectorType())).write().parquet(path);
    AutocorrelationStats s = job().compute(List.of(LayerInput.dense("s", path, "v"))).get(0).stats;
    assertTrue(relDiff(direct(values), s.autocorrelation()) < 1e-12);
  }

  @Test
  void estimatorEqualsTheJob() {
    Dataset<Row> df = spark.read().parquet(data);
    AutocorrelationModel model = new AutocorrelationEstimator().setInputCol("v").fit(df);
    AutocorrelationStats job = job().compute(List.of(LayerInput.dense("v", data, "v"))).get(0).stats;
    assertEquals(0.0, model.stats().relativeDifference(job), 1e-12);
    assertEquals(N, model.count());
    assertEquals(job.autocorrelation().get(2, 3), model.autocorrelation().apply(2, 3), 1e-15);
    assertEquals(df.schema(), model.transform(df).schema());
  }

  @Test
  void failedRunLeavesNoOutput(@TempDir Path tmp) throws Exception {
    String bad = tmp.resolve("nan").toString();
    writeWithOneBadRow(bad, new float[] {1, Float.NaN, 3});
    String out = tmp.resolve("out").toString();
    assertThrows(BadInputException.class, () -> job().run(List.of(LayerInput.dense("l", bad, "x")), out, false));
    assertFalse(new File(out).exists());
    assertNoTemporaries(tmp);
  }

  static void writeWithOneBadRow(String path, float[] badRow) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      rows.add(org.apache.spark.sql.RowFactory.create(i, i == 13 ? box(badRow) : box(new float[] {1, 2, 3})));
    }
    spark.createDataFrame(rows, new org.apache.spark.sql.types.StructType()
        .add("id", "int").add("x", "array<float>")).coalesce(1).write().parquet(path);
  }

  static Float[] box(float[] f) {
    Float[] b = new Float[f.length];
    for (int i = 0; i < f.length; i++) {
      b[i] = f[i];
    }
    return b;
  }
}
