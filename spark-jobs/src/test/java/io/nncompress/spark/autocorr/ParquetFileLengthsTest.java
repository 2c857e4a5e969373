package io.nncompress.spark.autocorr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.data.ExampleActivations;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ParquetInputs#checkFileLengths}: every encoding, read on the driver (no Spark job). */
class ParquetFileLengthsTest {
  @TempDir
  Path dir;

  // a dataset of 2 files of vectors of length 6 and, moved in, a file of length 5 (the last by name)
  private String mixed(ColumnEncoding enc) throws Exception {
    SparkSession spark = SparkTestSession.get();
    String ds = dir.resolve("ds-" + enc.name()).toString();
    String other = dir.resolve("other-" + enc.name()).toString();
    ExampleActivations.write(spark, ds, 10, 6, List.of(enc), List.of("v"), 2, 1);
    ExampleActivations.write(spark, other, 10, 5, List.of(enc), List.of("v"), 1, 1);
    Path part;
    try (java.util.stream.Stream<Path> s = Files.list(Path.of(other))) {
      part = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    Files.move(part, Path.of(ds, "part-99999-late.snappy.parquet"));
    return ds;
  }

  @Test
  void differentLengthsAreFoundInEveryEncodingWithoutASparkJob() throws Exception {
    SparkSession spark = SparkTestSession.get();
    AtomicInteger jobs = new AtomicInteger();
    SparkListener count = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart e) {
        jobs.incrementAndGet();
      }
    };
    for (ColumnEncoding enc : ColumnEncoding.values()) {
      String ds = mixed(enc);
      Dataset<Row> df = ParquetInputs.read(spark, ds);
      spark.sparkContext().listenerBus().waitUntilEmpty();
      spark.sparkContext().addSparkListener(count);
      try {
        BadInputException e = assertThrows(BadInputException.class,
            () -> ParquetInputs.checkFileLengths(spark, ds, df, "v", enc));
        String m = e.getMessage();
        assertTrue(m.startsWith("Dataset " + ds + ", column v: its files hold vectors of different lengths: "), m);
        assertTrue(m.contains(" 6 values, ") && m.endsWith("part-99999-late.snappy.parquet 5 values"), enc + ": " + m);
        spark.sparkContext().listenerBus().waitUntilEmpty();
      } finally {
        spark.sparkContext().removeSparkListener(count);
      }
      assertEquals(0, jobs.get(), enc + ": Spark jobs started by the check");
    }
  }

  @Test
  void inferDimReadsTheFirstFileOnTheDriver() throws Exception {
    SparkSession spark = SparkTestSession.get();
    AtomicInteger jobs = new AtomicInteger();
    SparkListener count = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart e) {
        jobs.incrementAndGet();
      }
    };
    for (ColumnEncoding enc : ColumnEncoding.values()) {
      String ds = dir.resolve("dim-" + enc.name()).toString();
      ExampleActivations.write(spark, ds, 10, 7, List.of(enc), List.of("v"), 2, 1);
      Dataset<Row> df = ParquetInputs.read(spark, ds);
      spark.sparkContext().listenerBus().waitUntilEmpty();
      spark.sparkContext().addSparkListener(count);
      int d;
      try {
        d = ParquetInputs.inferDim(ds, df, "v", enc);
        spark.sparkContext().listenerBus().waitUntilEmpty();
      } finally {
        spark.sparkContext().removeSparkListener(count);
      }
      assertEquals(7, d, enc.name());
      assertEquals(0, jobs.get(), enc + ": Spark jobs started by inferDim");
    }
  }

  @Test
  void aTruncatedFileIsNamed() throws Exception {
    SparkSession spark = SparkTestSession.get();
    String ds = dir.resolve("trunc").toString();
    ExampleActivations.write(spark, ds, 10, 6, List.of(ColumnEncoding.BINARY_FLOAT32_LE), List.of("v"), 2, 1);
    Path good;
    try (java.util.stream.Stream<Path> s = Files.list(Path.of(ds))) {
      good = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    byte[] b = Files.readAllBytes(good);
    Path bad = Files.write(Path.of(ds, "part-99999-cut.snappy.parquet"), java.util.Arrays.copyOf(b, b.length / 2));
    Dataset<Row> df = ParquetInputs.read(spark, ds);
    BadInputException e = assertThrows(BadInputException.class,
        () -> ParquetInputs.checkFileLengths(spark, ds, df, "v", ColumnEncoding.BINARY_FLOAT32_LE));
    assertTrue(e.getMessage().startsWith("Dataset " + ds + " cannot be read as Parquet: file "), e.getMessage());
    assertTrue(e.getMessage().contains(bad + ": "), e.getMessage());
  }
}
