package io.nncompress.spark.bench;

import io.nncompress.codec.lowrank.Svd;
import io.nncompress.linalg.Blas;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.spark.codec.DistributedSvd;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.mllib.linalg.SingularValueDecomposition;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.mllib.linalg.Vectors;
import org.apache.spark.mllib.linalg.distributed.RowMatrix;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import picocli.CommandLine.Option;

/**
 * {@code nncompress bench svd}: the top-k SVD of one synthetic m x n matrix with a known spectrum
 * ({@link SyntheticMatrices}: rank-r signal from 100 down to 1 plus noise), measured in one run on
 * the same rows:
 * <ol>
 *   <li>ours: {@link DistributedSvd} (randomized, l = k + oversampling, q power iterations, U kept
 *       distributed), best of {@code --repeat} runs;</li>
 *   <li>Spark MLlib {@code RowMatrix.computeSVD(k, computeU = true, rCond = 1e-9)} (ARPACK on the
 *       distributed Gramian products for these shapes), capped at {@code --rowmatrix-timeout}
 *       seconds: past it the job group is cancelled and "did not finish" reported;</li>
 *   <li>one LAPACK dgesdd (economy, with vectors) of the whole matrix collected to the driver,
 *       only when it fits ({@code m n 8 <= --lapack-max-bytes}); collection is not timed.</li>
 * </ol>
 * Rows are cached in memory before timing when {@code m n 8 <= --cache-max-bytes} (then both
 * Spark methods read the same cached rows); otherwise both regenerate them on every pass (same
 * seed, same rows). Printed: seconds, ratios, and the relative error of the top-k singular values
 * against the most accurate reference of the run (dgesdd, else RowMatrix) and the nominal signal.
 *
 * <p>Run:
 * <pre>
 * NNCOMPRESS_DRIVER_MEMORY=10g bin/nncompress bench svd                  # 20,000 x 1,024, k = 50
 * NNCOMPRESS_DRIVER_MEMORY=10g bin/nncompress bench svd --rows 200000 --cols 4096 --repeat 1 \
 *     --rowmatrix-timeout 600
 * </pre>
 */
public final class DistributedSvdBenchmark {

  /** Command-line settings. */
  public static final class Settings {
    @Option(names = "--rows", description = "rows m (default: ${DEFAULT-VALUE})")
    public long rows = 20_000;

    @Option(names = "--cols", description = "columns n (default: ${DEFAULT-VALUE})")
    public int cols = 1024;

    @Option(names = "--signal-rank", description = "rank r of the signal (default: ${DEFAULT-VALUE})")
    public int signalRank = 50;

    @Option(names = "--k", description = "components computed (default: ${DEFAULT-VALUE})")
    public int k = 50;

    @Option(names = "--oversampling", description = "our oversampling p (default: ${DEFAULT-VALUE})")
    public int oversampling = 10;

    @Option(names = "--power-iterations", description = "our power iterations q (default: ${DEFAULT-VALUE})")
    public int powerIterations = 2;

    @Option(names = "--noise", description = "noise standard deviation per entry (default: ${DEFAULT-VALUE})")
    public double noise = 1e-3;

    @Option(names = "--partitions", description = "partitions of the rows (default: ${DEFAULT-VALUE})")
    public int partitions = 8;

    @Option(names = "--repeat", description = "timed runs of ours, best kept (the first warms up the JIT) "
        + "(default: ${DEFAULT-VALUE})")
    public int repeat = 2;

    @Option(names = "--rowmatrix-timeout", description = "seconds allowed to RowMatrix.computeSVD "
        + "(default: ${DEFAULT-VALUE})")
    public double rowMatrixTimeout = 900;

    @Option(names = "--skip-rowmatrix", description = "skip RowMatrix.computeSVD")
    public boolean skipRowMatrix;

    @Option(names = "--lapack-max-bytes", description = "largest m*n*8 collected for dgesdd "
        + "(default: ${DEFAULT-VALUE})")
    public long lapackMaxBytes = 1L << 30;

    @Option(names = "--cache-max-bytes", description = "largest m*n*8 cached in memory "
        + "(default: ${DEFAULT-VALUE})")
    public long cacheMaxBytes = 2L << 30;
  }

  private final SparkSession spark;
  private final Settings s;

  public DistributedSvdBenchmark(SparkSession spark, Settings settings) {
    this.spark = spark;
    this.s = settings;
  }

  public void run() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    long m = s.rows;
    int n = s.cols;
    int k = s.k;
    double bytes = 8.0 * m * n;
    boolean cache = bytes <= s.cacheMaxBytes;
    System.out.printf(Locale.ROOT, "%nnncompress bench svd: m = %d, n = %d (%.2f GB as doubles), rank-%d signal "
        + "(100 .. 1) + noise %.1e, top k = %d; %d partitions, %d cores, rows %s; %s%n", m, n, bytes / 1e9,
        s.signalRank, s.noise, k, s.partitions, Runtime.getRuntime().availableProcessors(),
        cache ? "cached in memory" : "regenerated on every pass", Blas.describe());
    JavaRDD<double[]> rows = SyntheticMatrices.lowRankPlusNoise(jsc, m, n, s.signalRank, s.partitions, s.noise, 42);
    if (cache) {
      rows = rows.persist(StorageLevel.MEMORY_ONLY());
      rows.count();
    }
    // the cost of one bare pass over A (reading the cache, or generating the rows)
    long tp = System.nanoTime();
    rows.count();
    double tPass = secs(tp);
    System.out.printf(Locale.ROOT, "one bare pass over A (count): %.2f s%n", tPass);

    // 1. ours, best of --repeat
    DistributedSvd.Result ours = null;
    double tOurs = Double.MAX_VALUE;
    for (int rep = 0; rep < Math.max(1, s.repeat); rep++) {
      if (ours != null) {
        ours.release();
      }
      long t0 = System.nanoTime();
      ours = DistributedSvd.compute(rows, n, new DistributedSvd.Options().rank(k).oversampling(s.oversampling)
          .powerIterations(s.powerIterations));
      tOurs = Math.min(tOurs, secs(t0));
    }
    System.out.printf(Locale.ROOT, "ours: %.2f s (%d passes over A, l = %d)%n", tOurs, ours.passes,
        Math.min(k + s.oversampling, n));

    // 2. RowMatrix.computeSVD over the same rows, as mllib vectors (cached too when the rows are)
    double tRm = Double.NaN;
    double[] sRm = null;
    String rmNote = "skipped";
    if (!s.skipRowMatrix) {
      JavaRDD<Vector> vectors = rows.map(Vectors::dense);
      if (cache) {
        vectors = vectors.persist(StorageLevel.MEMORY_ONLY());
        vectors.count();
      }
      RowMatrix rm = new RowMatrix(vectors.rdd(), m, n);
      ExecutorService ex = Executors.newSingleThreadExecutor();
      String group = "bench-svd-rowmatrix";
      long t1 = System.nanoTime();
      Future<SingularValueDecomposition<RowMatrix, Matrix>> f = ex.submit(() -> {
        jsc.setJobGroup(group, "RowMatrix.computeSVD", true);
        return rm.computeSVD(k, true, 1e-9);
      });
      try {
        SingularValueDecomposition<RowMatrix, Matrix> svd = f.get((long) (s.rowMatrixTimeout * 1000),
            TimeUnit.MILLISECONDS);
        tRm = secs(t1);
        sRm = svd.s().toArray();
        rmNote = String.format(Locale.ROOT, "%.2f s", tRm);
      } catch (TimeoutException e) {
        jsc.cancelJobGroup(group);
        f.cancel(true);
        rmNote = String.format(Locale.ROOT, "did not finish in %.0f s", s.rowMatrixTimeout);
      } catch (Exception e) {
        rmNote = "failed: " + e;
      } finally {
        ex.shutdownNow();
        try {
          ex.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
        }
      }
      if (cache) {
        vectors.unpersist(true);
      }
      System.out.printf(Locale.ROOT, "RowMatrix.computeSVD: %s%n", rmNote);
    }

    // 3. one LAPACK dgesdd of the collected matrix, when it fits
    double tLapack = Double.NaN;
    double[] sLapack = null;
    if (bytes <= s.lapackMaxBytes) {
      List<double[]> all = rows.collect();
      DenseMatrix a = new DenseMatrix((int) m, n);
      for (int i = 0; i < all.size(); i++) {
        double[] r = all.get(i);
        for (int j = 0; j < n; j++) {
          a.data[i + j * (int) m] = r[j];
        }
      }
      all = null;
      long t2 = System.nanoTime();
      Svd svd = Svd.of(a);
      tLapack = secs(t2);
      sLapack = svd.s;
      System.out.printf(Locale.ROOT, "LAPACK dgesdd: %.2f s%n", tLapack);
    }

    double[] ref = sLapack != null ? sLapack : sRm;
    String refName = sLapack != null ? "dgesdd" : sRm != null ? "RowMatrix" : null;
    double[] nominal = SyntheticMatrices.spectrum(s.signalRank);
    System.out.printf(Locale.ROOT, "%n%-50s %10s %13s %24s %22s%n", "method", "seconds", "time / ours",
        "max rel err s_i vs " + (refName == null ? "-" : refName), "max rel err vs signal");
    row("1. ours: DistributedSvd (randomized, distributed)", tOurs, tOurs, ours.s, ref, nominal);
    if (!s.skipRowMatrix) {
      if (sRm != null) {
        row("2. MLlib RowMatrix.computeSVD", tRm, tOurs, sRm, ref, nominal);
      } else {
        System.out.printf(Locale.ROOT, "%-46s %s%n", "2. MLlib RowMatrix.computeSVD", rmNote);
      }
    }
    if (sLapack != null) {
      row("3. LAPACK dgesdd (driver, whole matrix)", tLapack, tOurs, sLapack, ref, nominal);
    } else {
      System.out.printf(Locale.ROOT, "%-46s %s%n", "3. LAPACK dgesdd", "skipped (matrix above --lapack-max-bytes)");
    }
    ours.release();
    if (cache) {
      rows.unpersist(true);
    }
  }

  private void row(String name, double t, double tOurs, double[] sv, double[] ref, double[] nominal) {
    System.out.printf(Locale.ROOT, "%-50s %10.2f %12.2fx %24s %22s%n", name, t, t / tOurs,
        ref == null ? "-" : String.format(Locale.ROOT, "%.2e", maxRelErr(sv, ref, s.k)),
        String.format(Locale.ROOT, "%.2e", maxRelErr(sv, nominal, Math.min(s.k, nominal.length))));
  }

  /** max_{i < k} |a_i - b_i| / b_i. */
  private static double maxRelErr(double[] a, double[] b, int k) {
    double e = 0;
    int len = Math.min(k, Math.min(a.length, b.length));
    for (int i = 0; i < len; i++) {
      e = Math.max(e, Math.abs(a[i] - b[i]) / b[i]);
    }
    return len < k ? Double.NaN : e;
  }

  private static double secs(long t0) {
    return (System.nanoTime() - t0) * 1e-9;
  }
}
