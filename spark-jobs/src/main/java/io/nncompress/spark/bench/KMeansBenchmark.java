package io.nncompress.spark.bench;

import io.nncompress.codec.kmeans.KMeans1D;
import io.nncompress.spark.codec.DistributedWeightSharing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.clustering.KMeansModel;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import picocli.CommandLine.Option;

/**
 * {@code nncompress bench kmeans}: 1-D k-means of heavy-tailed synthetic layer weights
 * (Student-t(3) x 0.02, float32, generated on the executors), measured in one run on the same
 * values:
 * <ol>
 *   <li>ours, on the driver: {@link KMeans1D#optimal} (exact dynamic programme) when n is at most
 *       {@code --exact-max} and k (n + 1) fits its cap, and {@link KMeans1D#optimalOnHistogram}
 *       ({@code --bins} bins) always;</li>
 *   <li>ours, distributed: {@link DistributedWeightSharing} (min/max pass + histogram pass over the
 *       cached rows + the exact solver on the bins), codebook only;</li>
 *   <li>Spark MLlib {@code org.apache.spark.ml.clustering.KMeans} with the same k over the same
 *       values as a 1-column vector DataFrame, cached and counted before timing: k-means|| init
 *       (2 steps), {@code --maxIter} iterations at most, tolerance {@code --tol}, seed 1.</li>
 * </ol>
 * The SSE of every method is computed the same way, on the driver, over all n values to their
 * nearest centroid; "MLlib/this" is the MLlib time over ours (target: at least 20x, with an SSE
 * never worse), from medians of {@code --repeat} timed runs of ours and {@code --mllib-repeat} of
 * MLlib's (on a machine shared with other work, a sub-second run is at the mercy of the moment's
 * load; the median is steadier). Before the timed runs, every method runs once untimed on
 * {@code --warmup} values (JIT compilation, Spark's first jobs), MLlib included.
 *
 * <p>Run:
 * <pre>
 * NNCOMPRESS_DRIVER_MEMORY=12g bin/nncompress bench kmeans --sizes 1000000,10000000 --ks 16,256 \
 *     --maxIter 20 --mllib-max 300000000
 * </pre>
 * ({@code --mllib-max 300000000} skips MLlib at n = 10M, k = 256, which takes minutes.)
 */
public final class KMeansBenchmark {

  /** Command-line settings. */
  public static final class Settings {
    @Option(names = "--sizes", split = ",", description = "numbers of weights n (default: 1000000,10000000)")
    public long[] sizes = {1_000_000L, 10_000_000L};

    @Option(names = "--ks", split = ",", description = "numbers of clusters k, powers of 2 (default: 16,256)")
    public int[] ks = {16, 256};

    @Option(names = "--maxIter", description = "MLlib KMeans maxIter (default: ${DEFAULT-VALUE})")
    public int maxIter = 20;

    @Option(names = "--tol", description = "MLlib KMeans tolerance (default: ${DEFAULT-VALUE})")
    public double tol = 1e-4;

    @Option(names = "--bins", description = "histogram bins of our histogram solvers (default: ${DEFAULT-VALUE})")
    public int bins = 1 << 16;

    @Option(names = "--exact-max", description = "largest n for our direct exact solver (default: ${DEFAULT-VALUE})")
    public long exactMax = 1_000_000L;

    @Option(names = "--mllib-max", description = "largest n*k given to MLlib; beyond it MLlib is skipped "
        + "(default: ${DEFAULT-VALUE})")
    public long mllibMax = 1L << 40;

    @Option(names = "--partitions", description = "partitions of the data (default: ${DEFAULT-VALUE})")
    public int partitions = 4;

    @Option(names = "--repeat", description = "timed runs of each of our methods; the median is reported "
        + "(default: ${DEFAULT-VALUE})")
    public int repeat = 5;

    @Option(names = "--mllib-repeat", description = "timed runs of MLlib; the median is reported (default: "
        + "${DEFAULT-VALUE})")
    public int mllibRepeat = 1;

    @Option(names = "--warmup", description = "values of the untimed warm-up run of every method, 0 for none "
        + "(default: ${DEFAULT-VALUE})")
    public long warmup = 100_000L;
  }

  private final SparkSession spark;
  private final Settings s;

  public KMeansBenchmark(SparkSession spark, Settings settings) {
    this.spark = spark;
    this.s = settings;
  }

  private static final class Line {
    final String method;
    final double secs; // median of the timed runs
    final double min;
    final double sse;

    Line(String method, double[] secs, double sse) {
      this.method = method;
      double[] t = secs.clone();
      Arrays.sort(t);
      this.secs = t.length % 2 == 1 ? t[t.length / 2] : 0.5 * (t[t.length / 2 - 1] + t[t.length / 2]);
      this.min = t[0];
      this.sse = sse;
    }
  }

  /** One timed run: returns the centroids it found. */
  private interface Run {
    double[] centroids();
  }

  /** The run timed {@code repeat} times; the SSE of its centroids over x, computed after the timing. */
  private static Line timed(String method, int repeat, double[] x, Run run) {
    double[] t = new double[Math.max(1, repeat)];
    double[] c = null;
    for (int i = 0; i < t.length; i++) {
      long t0 = System.nanoTime();
      c = run.centroids();
      t[i] = secs(t0);
    }
    return new Line(method, t, KMeans1D.sse(x, null, c));
  }

  public void run() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    System.out.printf(Locale.ROOT, "%nnncompress bench kmeans: Student-t(3) x 0.02 weights (float32), %d partitions, "
        + "%d cores; MLlib KMeans: k-means|| init (2 steps), maxIter %d, tol %g, seed 1; histogram %d bins%n",
        s.partitions, Runtime.getRuntime().availableProcessors(), s.maxIter, s.tol, s.bins);
    if (s.warmup > 0) {
      long t0 = System.nanoTime();
      measure(jsc, s.warmup, false);
      System.out.printf(Locale.ROOT, "%nwarm-up: every method once on %d values, not timed (%.1f s)%n", s.warmup,
          secs(t0));
    }
    for (long n : s.sizes) {
      measure(jsc, n, true);
    }
  }

  private void measure(JavaSparkContext jsc, long n, boolean print) {
    {
      int cols = 1000;
      long rowsN = (n + cols - 1) / cols;
      long total = rowsN * cols;
      JavaPairRDD<Long, float[]> layer = SyntheticLayers.studentT(jsc, rowsN, cols, s.partitions, 0.02, 1234)
          .persist(StorageLevel.MEMORY_ONLY());
      // the values on the driver for our local solvers (not timed)
      double[] x = new double[(int) total];
      List<scala.Tuple2<Long, float[]>> all = new ArrayList<>(layer.collect());
      all.sort((a, b) -> Long.compare(a._1, b._1));
      int t = 0;
      for (scala.Tuple2<Long, float[]> r : all) {
        for (float v : r._2) {
          x[t++] = v;
        }
      }
      all = null;
      // the same values as a 1-column vector DataFrame, cached and counted before timing
      JavaRDD<Row> vrows = layer.values().flatMap(r -> {
        List<Row> out = new ArrayList<>(r.length);
        for (float v : r) {
          out.add(RowFactory.create((Object) Vectors.dense(new double[] {v})));
        }
        return out.iterator();
      });
      StructType schema = new StructType().add("features", SQLDataTypes.VectorType(), false);
      Dataset<Row> df = spark.createDataFrame(vrows, schema).persist(StorageLevel.MEMORY_ONLY());
      long counted = df.count();
      if (print) {
        System.out.printf(Locale.ROOT, "%nn = %d weights (%d cached DataFrame rows)%n", total, counted);
      }
      System.out.printf(Locale.ROOT, print ? "%-5s %-56s %10s %10s %16s %12s %10s%n" : "", "k", "method",
          "median s", "min s", "SSE", "SSE/best", "MLlib/this");
      int reps = print ? s.repeat : 1;
      for (int k : s.ks) {
        List<Line> lines = new ArrayList<>();
        if (total <= s.exactMax && (long) k * (total + 1) <= KMeans1D.MAX_DIRECT_CELLS) {
          lines.add(timed("ours: KMeans1D.optimal (exact, driver)", reps, x,
              () -> KMeans1D.optimal(x, null, k).centroids));
        }
        lines.add(timed("ours: KMeans1D.optimalOnHistogram (driver)", reps, x,
            () -> KMeans1D.optimalOnHistogram(x, null, k, s.bins).centroids));
        if (Integer.bitCount(k) == 1 && k <= 256) {
          lines.add(timed("ours: DistributedWeightSharing (float32 book)", reps, x, () -> {
            DistributedWeightSharing.Result r = DistributedWeightSharing.fit(layer, new DistributedWeightSharing
                .Options().bits(Integer.numberOfTrailingZeros(k)).bins(s.bins).collectThreshold(0));
            double[] c = new double[k];
            for (int i = 0; i < k; i++) {
              c[i] = r.codebook[i];
            }
            return c;
          }));
        }
        Line mllib = null;
        if ((double) total * k <= s.mllibMax) {
          KMeans km = new KMeans().setK(k).setMaxIter(s.maxIter).setTol(s.tol).setSeed(1L).setInitMode("k-means||")
              .setInitSteps(2).setFeaturesCol("features");
          double[] t2 = new double[print ? Math.max(1, s.mllibRepeat) : 1];
          KMeansModel model = null;
          for (int i = 0; i < t2.length; i++) {
            long t0 = System.nanoTime();
            model = km.fit(df);
            t2[i] = secs(t0);
          }
          Vector[] centers = model.clusterCenters();
          double[] c = new double[centers.length];
          for (int i = 0; i < c.length; i++) {
            c[i] = centers[i].apply(0);
          }
          Arrays.sort(c);
          int iters = model.hasSummary() ? model.summary().numIter() : -1;
          mllib = new Line("MLlib ml.clustering.KMeans (" + iters + " iterations, " + c.length + " centers)", t2,
              KMeans1D.sse(x, null, c));
          lines.add(mllib);
        }
        double best = Double.MAX_VALUE;
        for (Line l : lines) {
          best = Math.min(best, l.sse);
        }
        for (Line l : print ? lines : new ArrayList<Line>()) {
          String ratio = mllib == null || l == mllib ? "" : String.format(Locale.ROOT, "%.1fx", mllib.secs / l.secs);
          System.out.printf(Locale.ROOT, "%-5d %-56s %10.3f %10.3f %16.6e %12.6f %10s%n", k, l.method, l.secs, l.min,
              l.sse, l.sse / best, ratio);
        }
        if (mllib == null && print) {
          System.out.printf(Locale.ROOT, "%-5d MLlib skipped (n*k above --mllib-max)%n", k);
        }
      }
      df.unpersist(true);
      layer.unpersist(true);
    }
  }

  private static double secs(long t0) {
    return (System.nanoTime() - t0) * 1e-9;
  }
}
