package io.nncompress.spark.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/**
 * Synthetic trained-layer weights, generated on the executors row by row from a seed (so a layer
 * never passes through the driver): Student-t(3) times a scale, heavy-tailed like trained weights,
 * rounded to float32.
 */
public final class SyntheticLayers {
  private SyntheticLayers() {}

  /** A rows x cols layer as (row index, row) pairs in {@code partitions} partitions. */
  public static JavaPairRDD<Long, float[]> studentT(JavaSparkContext jsc, long rows, int cols, int partitions,
      double scale, long seed) {
    List<Integer> parts = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      parts.add(p);
    }
    return jsc.parallelize(parts, partitions).flatMapToPair(p -> {
      // partition p holds rows [rows p / P, rows (p + 1) / P)
      long start = rows * p / partitions;
      long end = rows * (p + 1) / partitions;
      List<Tuple2<Long, float[]>> out = new ArrayList<>();
      for (long i = start; i < end; i++) {
        out.add(new Tuple2<>(i, studentTRow(cols, scale, seed * 1_000_003L + i)));
      }
      return out.iterator();
    });
  }

  /** {@code n} values scale * Z / sqrt(chi2_3 / 3), rounded to float32. */
  public static float[] studentTRow(int n, double scale, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      double chi2 = 0;
      for (int d = 0; d < 3; d++) {
        double g = gaussian(rnd);
        chi2 += g * g;
      }
      x[i] = (float) (scale * gaussian(rnd) / Math.sqrt(chi2 / 3));
    }
    return x;
  }

  /** One standard normal (Box-Muller, one of the pair). */
  static double gaussian(SplittableRandom rnd) {
    double u = 1.0 - rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
  }
}
