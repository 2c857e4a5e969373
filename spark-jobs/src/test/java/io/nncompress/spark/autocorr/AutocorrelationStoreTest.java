package io.nncompress.spark.autocorr;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.stats.AutocorrelationStats;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/** The stored R read back ({@link AutocorrelationStore#read}): the values written, bit for bit. */
class AutocorrelationStoreTest {
  @TempDir
  static Path dir;
  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkTestSession.get();
  }

  // a symmetric p x p matrix with awkward doubles: -0.0, subnormals, the extremes, 1 ulp apart
  static DenseMatrix symmetric(int p, long seed) {
    Random rnd = new Random(seed);
    double[] special = {-0.0, 0.0, Double.MIN_VALUE, -Double.MIN_NORMAL / 3, Double.MAX_VALUE, -Double.MAX_VALUE,
        Math.nextUp(1.0), 1.0, Math.PI, Double.longBitsToDouble(0x3ff0000000000001L) * -1e-300};
    DenseMatrix r = new DenseMatrix(p, p);
    for (int j = 0; j < p; j++) {
      for (int i = 0; i <= j; i++) {
        double v = (i * 31 + j) % 17 == 0 ? special[(i + j) % special.length] : rnd.nextGaussian() * 1e3;
        r.set(i, j, v);
        r.set(j, i, v);
      }
    }
    return r;
  }

  static AutocorrelationJob.LayerResult result(String name, DenseMatrix r, int tileSize) {
    int p = r.rows;
    double[] mean = new double[p - 1];
    double[] min = new double[p - 1];
    double[] max = new double[p - 1];
    for (int j = 0; j < p - 1; j++) {
      mean[j] = j * 0.1;
      min[j] = -j;
      max[j] = j;
    }
    AutocorrelationStats s = new AutocorrelationStats(p - 1, true, 1000, 1000, r, mean, min, max);
    return new AutocorrelationJob.LayerResult(LayerInput.dense(name, "/nowhere/" + name, "x"),
        ColumnEncoding.BINARY_FLOAT32_LE, s, tileSize);
  }

  static void assertBitsEqual(DenseMatrix expected, DenseMatrix actual, String layer) {
    assertEquals(expected.rows, actual.rows, layer);
    assertEquals(expected.cols, actual.cols, layer);
    for (int k = 0; k < expected.data.length; k++) {
      if (Double.doubleToRawLongBits(expected.data[k]) != Double.doubleToRawLongBits(actual.data[k])) {
        assertEquals(expected.data[k], actual.data[k], layer + ": R(" + k % expected.rows + ", " + k / expected.rows
            + ") " + expected.data[k] + " read back as " + actual.data[k]);
        assertEquals(Double.doubleToRawLongBits(expected.data[k]), Double.doubleToRawLongBits(actual.data[k]),
            layer + ": R(" + k % expected.rows + ", " + k / expected.rows + ") sign of zero");
      }
    }
  }

  @Test
  void readsBackEveryValueWrittenBitForBit() {
    // tiles of 16 over p = 37 and p = 16: full, ragged and one-tile layers; the single-layer read too
    DenseMatrix a = symmetric(37, 1);
    DenseMatrix b = symmetric(16, 2);
    String out = dir.resolve("bits").toString();
    AutocorrelationStore.write(spark, out, List.of(result("a", a, 16), result("b", b, 16)), false);
    var read = AutocorrelationStore.read(spark, out);
    assertEquals(List.of("a", "b"), List.copyOf(read.keySet()));
    assertBitsEqual(a, read.get("a").stats.autocorrelation(), "a");
    assertBitsEqual(b, read.get("b").stats.autocorrelation(), "b");
    assertEquals(-35.0, read.get("a").stats.min()[35]);
    assertEquals(3.5, read.get("a").stats.mean()[35], 1e-15);
    assertBitsEqual(a, AutocorrelationStore.read(spark, out, "a").get("a").stats.autocorrelation(), "a alone");
  }

  /**
   * The time to read a stored R of p = 4097 (tiles of 2048, as the job writes them), against the read
   * it replaced (Rows, their values boxed, kept below for this comparison), alternately in the same
   * JVM so that both see the same load: a measurement, run only with -Dnncompress.timing=true.
   */
  @Test
  @EnabledIfSystemProperty(named = "nncompress.timing", matches = "true")
  void timesTheReadOfALargeR() {
    int p = Integer.getInteger("nncompress.timing.p", 4097);
    DenseMatrix r = symmetric(p, 3);
    String out = dir.resolve("large").toString();
    long t0 = System.nanoTime();
    AutocorrelationStore.write(spark, out, List.of(result("large", r, 2048)), false);
    System.out.printf("stored R, p = %d: write %.1f s%n", p, (System.nanoTime() - t0) / 1e9);
    for (int round = 1; round <= 2; round++) {
      t0 = System.nanoTime();
      DenseMatrix boxed = readBoxed(out, p, 2048);
      double before = (System.nanoTime() - t0) / 1e9;
      t0 = System.nanoTime();
      DenseMatrix back = AutocorrelationStore.read(spark, out).get("large").stats.autocorrelation();
      double after = (System.nanoTime() - t0) / 1e9;
      System.out.printf("stored R, p = %d, round %d: read %.1f s (Rows, boxed values: %.1f s)%n", p, round, after,
          before);
      assertBitsEqual(r, back, "large");
      assertBitsEqual(r, boxed, "large, boxed");
    }
  }

  // the read before: Rows to the driver, each value a Double of a List
  static DenseMatrix readBoxed(String out, int p, int tileSize) {
    DenseMatrix r = new DenseMatrix(p, p);
    java.util.Iterator<org.apache.spark.sql.Row> it = ParquetInputs.read(spark, out + "/" + AutocorrelationStore.TILES)
        .toLocalIterator();
    while (it.hasNext()) {
      org.apache.spark.sql.Row t = it.next();
      int rows = t.getInt(3);
      int cols = t.getInt(4);
      List<Object> values = t.getList(5);
      int i0 = t.getInt(1) * tileSize;
      int j0 = t.getInt(2) * tileSize;
      for (int j = 0; j < cols; j++) {
        for (int i = 0; i < rows; i++) {
          double v = (Double) values.get(i + j * rows);
          r.set(i0 + i, j0 + j, v);
          r.set(j0 + j, i0 + i, v);
        }
      }
    }
    return r;
  }
}
