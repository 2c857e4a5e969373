package io.nncompress.spark.autocorr;

import static io.nncompress.spark.autocorr.AutocorrelationJobTest.direct;
import static io.nncompress.spark.autocorr.AutocorrelationJobTest.relDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.data.ExampleActivations;
import io.nncompress.stats.AutocorrelationStats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The direct read of binary columns from Parquet pages ({@link ParquetFileInput}). */
class ParquetFileInputTest {
  static final int N = 1000;
  static final int D = 6;
  static final long SEED = 23;

  @TempDir
  static Path dir;
  static SparkSession spark;
  static String data;

  @BeforeAll
  static void generate() {
    spark = SparkTestSession.get();
    data = dir.resolve("acts").toString();
    // 3 files of about 333 rows in row groups of at most 2 KiB (about 80 rows): many row groups
    ExampleActivations.write(spark, data, N, D, List.of(ColumnEncoding.BINARY_FLOAT32_LE), List.of("b"), 3, SEED,
        2048);
  }

  static List<double[]> generatedRows() {
    double[][] m = ExampleActivations.model(D, SEED);
    List<double[]> rows = new ArrayList<>();
    for (long i = 0; i < N; i++) {
      double[] x = ExampleActivations.row(i, D, m[0], m[1], SEED);
      for (int j = 0; j < D; j++) {
        x[j] = (float) x[j];
      }
      rows.add(x);
    }
    return rows;
  }

  static AutocorrelationJob.Options throughSpark() {
    AutocorrelationJob.Options o = new AutocorrelationJob.Options();
    o.direct = false;
    o.columnar = false;
    return o;
  }

  @Test
  void pagesEqualTheDirectComputationAndTheRowsInOnePass() throws Exception {
    List<LayerInput> layers = List.of(LayerInput.dense("a", data, "b"), new LayerInput("c", data, "b", D, null));
    AtomicInteger jobs = new AtomicInteger();
    SparkListener count = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart e) {
        jobs.incrementAndGet();
      }
    };
    org.apache.spark.sql.Dataset<Row> df = ParquetInputs.read(spark, data);
    spark.sparkContext().addSparkListener(count);
    List<AutocorrelationJob.LayerResult> pages;
    try {
      pages = new AutocorrelationJob(spark, new AutocorrelationJob.Options()).computeDataset(data, df, layers);
    } finally {
      spark.sparkContext().listenerBus().waitUntilEmpty();
      spark.sparkContext().removeSparkListener(count);
    }
    // both layers, and the dim of the first, come from one pass: one Spark job
    assertEquals(1, jobs.get());
    List<AutocorrelationJob.LayerResult> rows = new AutocorrelationJob(spark, throughSpark()).compute(layers);
    for (int k = 0; k < 2; k++) {
      assertEquals(AutocorrelationJob.LayerResult.PARQUET_PAGES, pages.get(k).reader);
      assertEquals(AutocorrelationJob.LayerResult.ROWS, rows.get(k).reader);
      assertEquals(D, pages.get(k).dim);
      assertEquals(D, pages.get(k).input.dim());
      assertEquals(N, pages.get(k).samples);
      assertTrue(relDiff(direct(generatedRows()), pages.get(k).stats.autocorrelation()) < 1e-12);
      assertTrue(pages.get(k).stats.relativeDifference(rows.get(k).stats) <= 1e-12);
      assertArrayEquals(rows.get(k).min, pages.get(k).min, 0.0);
      assertArrayEquals(rows.get(k).max, pages.get(k).max, 0.0);
      assertArrayEquals(rows.get(k).mean, pages.get(k).mean, 1e-14);
    }
  }

  @Test
  void everyRowIsReadOnceWhateverTheSplits() {
    // Spark's splits of at most 1 KiB cut the files inside row groups; each row group is read by the
    // split holding its midpoint; tasks take one split each, or all of them
    AutocorrelationStats reference = null;
    String old = spark.conf().get("spark.sql.files.maxPartitionBytes");
    try {
      for (String split : List.of("1k", "128m")) {
        spark.conf().set("spark.sql.files.maxPartitionBytes", split);
        for (long perTask : new long[] {1, 1L << 30}) {
          AutocorrelationJob.Options o = new AutocorrelationJob.Options();
          o.bytesPerTask = perTask;
          o.blockSamples = 7;
          AutocorrelationJob.LayerResult r =
              new AutocorrelationJob(spark, o).compute(List.of(LayerInput.dense("a", data, "b"))).get(0);
          assertEquals(AutocorrelationJob.LayerResult.PARQUET_PAGES, r.reader);
          assertEquals(N, r.samples, "splits " + split + ", bytes per task " + perTask);
          if (reference == null) {
            reference = r.stats;
          }
          assertTrue(reference.relativeDifference(r.stats) <= 1e-12, "splits " + split + ", bytes per task "
              + perTask + ": " + reference.relativeDifference(r.stats));
          assertArrayEquals(reference.min(), r.stats.min(), 0.0);
        }
      }
    } finally {
      spark.conf().set("spark.sql.files.maxPartitionBytes", old);
    }
    assertTrue(relDiff(direct(generatedRows()), reference.autocorrelation()) < 1e-12);
  }

  @Test
  void splitsFollowSparksFilePartitionsAndCores() {
    ColumnarInput.Scan scan = ColumnarInput.find(ParquetInputs.read(spark, data).select("b"),
        List.of(ColumnEncoding.BINARY_FLOAT32_LE));
    AutocorrelationJob.Options o = new AutocorrelationJob.Options();
    String old = spark.conf().get("spark.sql.files.maxPartitionBytes");
    try {
      spark.conf().set("spark.sql.files.maxPartitionBytes", "1k");
      scan = ColumnarInput.find(ParquetInputs.read(spark, data).select("b"),
          List.of(ColumnEncoding.BINARY_FLOAT32_LE));
      int sparkPartitions = scan.batches().getNumPartitions();
      assertTrue(sparkPartitions > 6, "" + sparkPartitions);
      // as many tasks as cores (local[2]) when every task may read 1 GiB ...
      var few = ParquetFileInput.splits(spark, scan, o);
      assertEquals(2, few.size());
      // ... every byte range of every file exactly once
      long bytes = 0;
      for (var t : few) {
        for (long len : t._1().lengths) {
          bytes += len;
        }
      }
      long files = 0;
      for (java.io.File f : new java.io.File(data).listFiles((d, n) -> n.endsWith(".parquet"))) {
        files += f.length();
      }
      assertEquals(files, bytes);
      // ... and one task per Spark partition when a task may read a byte only
      o.bytesPerTask = 1;
      assertEquals(sparkPartitions, ParquetFileInput.splits(spark, scan, o).size());
      // a task count that is a multiple of the cores, so that the last wave is full: bytes for 3 tasks
      // make 4 on 2 cores (3 left one core idle while the third task ran alone: job/limit 0.63 at 600,000
      // rows against 0.69-0.75 at 200,000 in two tasks), of about equal bytes
      o.bytesPerTask = (files + 2) / 3;
      var even = ParquetFileInput.splits(spark, scan, o);
      assertEquals(4, even.size());
      long most = 0;
      long least = Long.MAX_VALUE;
      for (var t : even) {
        long b = java.util.Arrays.stream(t._1().lengths).sum();
        most = Math.max(most, b);
        least = Math.min(least, b);
      }
      assertTrue(most - least <= 1024 + 1024, most + " vs " + least + " bytes"); // within a split (1 KiB)
    } finally {
      spark.conf().set("spark.sql.files.maxPartitionBytes", old);
    }
  }

  static void writeBinary(String path, List<float[]> rows, int files) {
    List<Row> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      float[] r = rows.get(i);
      byte[] b = null;
      if (r != null) {
        ByteBuffer bb = ByteBuffer.allocate(4 * r.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : r) {
          bb.putFloat(v);
        }
        b = bb.array();
      }
      out.add(RowFactory.create(i, b));
    }
    spark.createDataFrame(out, new StructType().add("id", "int").add("x", "binary")).repartition(files)
        .sortWithinPartitions("id").write().parquet(path);
  }

  static BadInputException fails(String path, int blockSamples) {
    AutocorrelationJob.Options o = new AutocorrelationJob.Options();
    o.blockSamples = blockSamples;
    return assertThrows(BadInputException.class,
        () -> new AutocorrelationJob(spark, o).compute(List.of(LayerInput.dense("fc", path, "x"))));
  }

  static void assertMentions(Exception e, String... parts) {
    AutocorrelationBadInputTest.assertMentions(e, parts);
  }

  @Test
  void aValueFoundBadWhenItsBlockIsCheckedNamesItsFileAndRow(@TempDir Path tmp) {
    List<float[]> rows = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      rows.add(new float[] {i, 1, 2});
    }
    rows.set(13, new float[] {13, Float.NaN, 2});
    String nan = tmp.resolve("nan").toString();
    writeBinary(nan, rows, 1);
    // blocks of 4 rows: row 13 is row 1 of the block checked when row 15 is added
    assertMentions(fails(nan, 4), "Dataset " + nan, "column x", "layer fc", ".parquet", "row 13", "index 1",
        "not finite");
    // checked at the end of the task
    assertMentions(fails(nan, 1000), "row 13", "index 1", "NaN");
    rows.set(13, new float[] {13, 1, 2});
    rows.set(37, null);
    String nul = tmp.resolve("null").toString();
    writeBinary(nul, rows, 1);
    assertMentions(fails(nul, 4), "row 37", "null value");
  }

  @Test
  void vectorsOfDifferentLengthsInTwoFilesNameBothFiles(@TempDir Path tmp) {
    String ds = tmp.resolve("mixed").toString();
    List<float[]> three = new ArrayList<>();
    List<float[]> four = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      three.add(new float[] {i, 1, 2});
      four.add(new float[] {i, 1, 2, 3});
    }
    writeBinary(ds + "/part=a", three, 1);
    writeBinary(ds + "/part=b", four, 1);
    assertMentions(fails(ds, 1024), "Dataset " + ds, "column x", "vectors of length 3 in file", "part=a",
        "but 4 in file", "part=b");
  }

  @Test
  void aLayerFoundLargeByThePagesIsTiled() {
    AutocorrelationJob.Options o = new AutocorrelationJob.Options();
    o.tileThreshold = 5; // p = 7
    o.tileSize = 3;
    AutocorrelationJob job = new AutocorrelationJob(spark, o);
    AutocorrelationJob.LayerResult r = job.compute(List.of(LayerInput.dense("t", data, "b"))).get(0);
    assertNull(r.stats);
    // the pass over the pages stopped at each task's first row: d was all it needed
    assertTrue(job.lastDirectRowsRead >= 1 && job.lastDirectRowsRead <= 2, "" + job.lastDirectRowsRead);
    assertEquals(D, r.dim);
    String out = dir.resolve("tiled-out").toString();
    AutocorrelationStore.write(spark, out, List.of(r), false);
    r.tiles.unpersist(false);
    AutocorrelationStats read = AutocorrelationStore.read(spark, out).get("t").stats;
    assertTrue(relDiff(direct(generatedRows()), read.autocorrelation()) < 1e-12);
  }

  @Test
  void readsDictionaryPagesV2AndOptionalColumnsWrittenByParquetHadoop(@TempDir Path tmp) throws Exception {
    MessageType schema = MessageTypeParser.parseMessageType(
        "message m { required int32 id; optional binary packed; required binary other; }");
    int n = 300;
    int d = 4;
    Random rnd = new Random(5);
    float[][] distinct = new float[7][d]; // few distinct values: dictionary-encoded pages
    for (float[] v : distinct) {
      for (int j = 0; j < d; j++) {
        v[j] = (float) rnd.nextGaussian();
      }
    }
    List<double[]> rows = new ArrayList<>();
    Configuration conf = new Configuration();
    for (int f = 0; f < 2; f++) {
      Path file = tmp.resolve("part-" + f + ".parquet");
      try (ParquetWriter<Group> w = ExampleParquetWriter
          .builder(HadoopOutputFile.fromPath(new org.apache.hadoop.fs.Path(file.toString()), conf))
          .withType(schema).withConf(conf).withRowGroupSize(1024L).withDictionaryEncoding(true)
          .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_2_0).build()) {
        SimpleGroupFactory gf = new SimpleGroupFactory(schema);
        for (int i = 0; i < n; i++) {
          float[] v = distinct[rnd.nextInt(distinct.length)];
          ByteBuffer b = ByteBuffer.allocate(4 * d).order(ByteOrder.LITTLE_ENDIAN);
          double[] x = new double[d];
          for (int j = 0; j < d; j++) {
            b.putFloat(v[j]);
            x[j] = v[j];
          }
          w.write(gf.newGroup().append("id", i).append("packed", Binary.fromConstantByteArray(b.array()))
              .append("other", Binary.fromConstantByteArray(new byte[] {1, 2, 3})));
          rows.add(x);
        }
      }
    }
    String ds = tmp.toString();
    List<LayerInput> layers = List.of(LayerInput.dense("p", ds, "packed"));
    AutocorrelationJob.LayerResult pages =
        new AutocorrelationJob(spark, new AutocorrelationJob.Options()).compute(layers).get(0);
    AutocorrelationJob.LayerResult viaRows = new AutocorrelationJob(spark, throughSpark()).compute(layers).get(0);
    assertEquals(AutocorrelationJob.LayerResult.PARQUET_PAGES, pages.reader);
    assertEquals(2 * n, pages.samples);
    assertTrue(relDiff(direct(rows), pages.stats.autocorrelation()) < 1e-12);
    assertTrue(pages.stats.relativeDifference(viaRows.stats) <= 1e-12);
  }

  @Test
  void compressedPagesOfAWideAndADictionaryColumnGiveTheDirectStatistics(@TempDir Path tmp) throws Exception {
    // pages of "narrow" (dictionary, hundreds of rows each) outlive many pages of "wide" (4 rows);
    // one file in Snappy and data pages v1, one in Zstandard and v2
    List<double[]> wide = new ArrayList<>();
    List<double[]> narrow = new ArrayList<>();
    ParquetProperties.WriterVersion[] versions =
        {ParquetProperties.WriterVersion.PARQUET_1_0, ParquetProperties.WriterVersion.PARQUET_2_0};
    for (int f = 0; f < versions.length; f++) {
      for (float[] row : ReusedPageCodecsTest.write(tmp.resolve("part-" + f + ".parquet"), 1500, versions[f], f,
          f == 0 ? CompressionCodecName.SNAPPY : CompressionCodecName.ZSTD)) {
        double[] w = new double[64];
        for (int j = 0; j < 64; j++) {
          w[j] = row[j];
        }
        wide.add(w);
        narrow.add(new double[] {row[64], row[65]});
      }
    }
    String ds = tmp.toString();
    List<AutocorrelationJob.LayerResult> pages = new AutocorrelationJob(spark, new AutocorrelationJob.Options())
        .compute(List.of(LayerInput.dense("w", ds, "wide"), LayerInput.dense("n", ds, "narrow")));
    assertEquals(AutocorrelationJob.LayerResult.PARQUET_PAGES, pages.get(0).reader);
    assertEquals(AutocorrelationJob.LayerResult.PARQUET_PAGES, pages.get(1).reader);
    assertEquals(3000, pages.get(0).samples);
    assertTrue(relDiff(direct(wide), pages.get(0).stats.autocorrelation()) < 1e-12);
    assertTrue(relDiff(direct(narrow), pages.get(1).stats.autocorrelation()) < 1e-12);
  }
}
