package io.nncompress.spark.bench;

import io.nncompress.bench.KernelComparison;
import io.nncompress.linalg.Blas;
import io.nncompress.linalg.Level3;
import io.nncompress.linalg.VectorKernels;
import io.nncompress.spark.autocorr.AutocorrelationJob;
import io.nncompress.spark.autocorr.ColumnEncoding;
import io.nncompress.spark.autocorr.LayerInput;
import io.nncompress.spark.data.ExampleActivations;
import io.nncompress.stats.AutocorrelationAccumulator;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.mllib.linalg.Vector;
import org.apache.spark.mllib.linalg.Vectors;
import org.apache.spark.mllib.linalg.distributed.RowMatrix;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import picocli.CommandLine.Option;

/**
 * {@code nncompress bench autocorr}: on the same generated Parquet rows, measured in one run,
 * <ol>
 *   <li>this job, reading from Parquet on disk;</li>
 *   <li>Spark MLlib's RowMatrix.computeGramianMatrix over the same rows, cached in memory;</li>
 *   <li>the machine's limit: DSYRK over the same rows packed in memory, through the same BLAS;</li>
 * </ol>
 * then the level-3 implementations side by side ({@link KernelComparison}: native BLAS, the Vector API
 * kernels, netlib's pure Java) on the in-memory DSYRK of the first {@code --kernel-rows} rows, and the job
 * with the Vector API kernels (timed in the same rounds as the job);
 * printing time, throughput in N*p^2 per second and the ratios; then the live heap at N and 10N,
 * and the throughput of each column encoding.
 */
public final class AutocorrelationBenchmark {

  /** Command-line settings. */
  public static final class Settings {
    @Option(names = "--rows", description = "rows N (default: ${DEFAULT-VALUE})")
    public long rows = 200_000;

    @Option(names = "--dim", description = "vector length d (default: ${DEFAULT-VALUE})")
    public int dim = 1024;

    @Option(names = "--encoding", description = "column encoding of the main dataset (default: ${DEFAULT-VALUE})")
    public String encoding = "binary_float32_le";

    @Option(names = "--partitions", description = "Parquet files, hence tasks (default: ${DEFAULT-VALUE})")
    public int partitions = 8;

    @Option(names = "--repeat", description = "timed runs of each method, best kept (default: ${DEFAULT-VALUE})")
    public int repeat = 3;

    @Option(names = "--workdir", description = "where generated data is kept (default: ${DEFAULT-VALUE})")
    public String workdir = "nncompress-bench";

    @Option(names = "--skip-rowmatrix", description = "skip the RowMatrix baseline")
    public boolean skipRowMatrix;

    @Option(names = "--skip-memory", description = "skip the N vs 10N memory comparison")
    public boolean skipMemory;

    @Option(names = "--skip-encodings", description = "skip the comparison of column encodings")
    public boolean skipEncodings;

    @Option(names = "--encoding-rows", description = "rows for the encoding comparison (default: N/4)")
    public long encodingRows = -1;

    @Option(names = "--kernels", description = "level-3 implementations compared side by side: comma list of "
        + "native, vector, java, or all, or none (default: ${DEFAULT-VALUE})")
    public String kernels = "all";

    @Option(names = "--kernel-rows", description = "rows of the in-memory DSYRK that compares them "
        + "(default: ${DEFAULT-VALUE}; netlib's pure Java is slow)")
    public int kernelRows = 8192;
  }

  private final SparkSession spark;
  private final Settings s;

  public AutocorrelationBenchmark(SparkSession spark, Settings settings) {
    this.spark = spark;
    this.s = settings;
  }

  private String dataset(long rows, List<ColumnEncoding> encs) {
    return dataset(rows, encs, s.partitions);
  }

  private String dataset(long rows, List<ColumnEncoding> encs, int files) {
    return dataset(rows, encs, files, 0);
  }

  private String dataset(long rows, List<ColumnEncoding> encs, int files, long rowGroupBytes) {
    String name = String.format(Locale.ROOT, "%s/data-n%d-d%d-%s%s%s", s.workdir, rows, s.dim,
        encs.size() == 1 ? encs.get(0).name().toLowerCase(Locale.ROOT) : "all",
        files == s.partitions ? "" : "-files" + files, rowGroupBytes == 0 ? "" : "-rg" + (rowGroupBytes >> 20) + "m");
    if (!new File(name).exists()) {
      System.out.printf("Generating %d rows of dimension %d (%s) in %s ...%n", rows, s.dim, encs, name);
      List<String> cols = new ArrayList<>();
      for (ColumnEncoding e : encs) {
        cols.add(e.name().toLowerCase(Locale.ROOT));
      }
      ExampleActivations.write(spark, name, rows, s.dim, encs, cols, files, 42, rowGroupBytes);
    }
    return name;
  }

  private static double rate(long n, int p, double secs) {
    return (double) n * p * p / secs / 1e9;
  }

  /** Best-of-repeat seconds of the job over one column. */
  private double timeJob(String data, String column, long[] peakLive) {
    double best = Double.MAX_VALUE;
    AutocorrelationJob job = new AutocorrelationJob(spark, new AutocorrelationJob.Options());
    for (int r = 0; r < s.repeat; r++) {
      try (HeapMonitor hm = new HeapMonitor()) {
        long t0 = System.nanoTime();
        job.compute(List.of(LayerInput.dense(column, data, column)));
        best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        if (peakLive != null) {
          peakLive[0] = Math.max(peakLive[0], hm.peakLiveBytes());
        }
      }
    }
    return best;
  }

  public void run() {
    ColumnEncoding enc = ColumnEncoding.valueOf(s.encoding.toUpperCase(Locale.ROOT));
    String column = enc.name().toLowerCase(Locale.ROOT);
    String data = dataset(s.rows, List.of(enc));
    int d = s.dim;
    int p = d + 1;
    long n = s.rows;
    System.out.printf("%nnncompress bench autocorr: N = %d, d = %d (p = %d with the bias), %s, %d partitions, "
        + "%d cores, %s%n", n, d, p, enc.sqlName(), s.partitions, Runtime.getRuntime().availableProcessors(),
        Blas.describe());

    // the machine's limit: DSYRK over the same rows, packed in memory beforehand (packing not timed)
    int blockRows = 4096;
    List<double[]> blocks = new ArrayList<>();
    JavaRDD<Row> rows = spark.read().parquet(data).select(column).javaRDD();
    Iterator<Row> it = rows.toLocalIterator();
    double[] block = new double[blockRows * p];
    int filled = 0;
    float[] f = new float[d];
    List<Integer> sizes = new ArrayList<>();
    while (it.hasNext()) {
      Row row = it.next();
      rowValues(row.get(0), enc, f);
      for (int j = 0; j < d; j++) {
        block[filled * p + j] = f[j];
      }
      block[filled * p + d] = 1.0;
      if (++filled == blockRows) {
        blocks.add(block);
        sizes.add(filled);
        block = new double[blockRows * p];
        filled = 0;
      }
    }
    if (filled > 0) {
      blocks.add(block);
      sizes.add(filled);
    }
    // one caller (the BLAS's own threads), and one caller per core on its share of the blocks (the
    // way Spark tasks call it; the only way to use every core when the BLAS runs single-threaded)
    // runs of the job and of the limit alternate, so that both see the machine in the same states
    // (a shared machine's speed drifts); the best of each is kept
    int cores = Runtime.getRuntime().availableProcessors();
    double tJob = Double.MAX_VALUE;
    double tLimitOne = Double.MAX_VALUE;
    double tLimitPerCore = Double.MAX_VALUE;
    AutocorrelationJob job = new AutocorrelationJob(spark, new AutocorrelationJob.Options());
    List<Level3> kinds = s.kernels.equals("none") ? List.of() : KernelComparison.available(s.kernels);
    // the job once more on the Vector API kernels, in the same rounds, when they are not the default already
    boolean jobVector = kinds.contains(Level3.VECTOR) && Blas.level3() != Level3.VECTOR;
    double tJobVector = jobVector ? Double.MAX_VALUE : Double.NaN;
    for (int r = 0; r < s.repeat; r++) {
      settle();
      long t0 = System.nanoTime();
      job.compute(List.of(LayerInput.dense(column, data, column)));
      tJob = Math.min(tJob, (System.nanoTime() - t0) / 1e9);
      if (jobVector) {
        try (Blas.Restore ignored = Blas.useLevel3(Level3.VECTOR)) {
          settle();
          long tv = System.nanoTime();
          job.compute(List.of(LayerInput.dense(column, data, column)));
          tJobVector = Math.min(tJobVector, (System.nanoTime() - tv) / 1e9);
        }
      }
      settle();
      tLimitOne = Math.min(tLimitOne, timeDsyrk(blocks, sizes, p, 1));
      settle();
      tLimitPerCore = Math.min(tLimitPerCore, timeDsyrk(blocks, sizes, p, cores));
    }
    double tLimit = Math.min(tLimitOne, tLimitPerCore);
    Map<Level3, Double> kernelSeconds = null;
    long kernelRows = 0;
    if (!kinds.isEmpty()) {
      List<double[]> kb = new ArrayList<>();
      List<Integer> ks = new ArrayList<>();
      for (int b = 0; b < blocks.size() && kernelRows < s.kernelRows; b++) {
        kb.add(blocks.get(b));
        ks.add(sizes.get(b));
        kernelRows += sizes.get(b);
      }
      kernelSeconds = KernelComparison.time(kinds, s.repeat, () -> timeDsyrk(kb, ks, p, 1));
    }
    blocks.clear();

    double tRowMatrix = Double.NaN;
    if (!s.skipRowMatrix) {
      JavaRDD<Vector> vectors = spark.read().parquet(data).select(column).javaRDD().map(row -> {
        float[] v = new float[d];
        rowValues(row.get(0), enc, v);
        double[] x = new double[d];
        for (int j = 0; j < d; j++) {
          x[j] = v[j];
        }
        return Vectors.dense(x);
      }).persist(StorageLevel.MEMORY_ONLY());
      vectors.count();
      RowMatrix rm = new RowMatrix(vectors.rdd());
      tRowMatrix = Double.MAX_VALUE;
      for (int r = 0; r < s.repeat; r++) {
        long t0 = System.nanoTime();
        rm.computeGramianMatrix();
        tRowMatrix = Math.min(tRowMatrix, (System.nanoTime() - t0) / 1e9);
      }
      vectors.unpersist(true);
    }

    System.out.printf("%n%-52s %10s %16s%n", "method", "seconds", "G(N*p^2)/s");
    System.out.printf("%-52s %10.2f %16.1f%n", "1. nncompress autocorr job (Parquet on disk)", tJob, rate(n, p, tJob));
    if (!Double.isNaN(tJobVector)) {
      System.out.printf("%-52s %10.2f %16.1f%n", "1b. the same job, Vector API kernels", tJobVector,
          rate(n, p, tJobVector));
    }
    if (!s.skipRowMatrix) {
      System.out.printf("%-52s %10.2f %16.1f%n", "2. MLlib RowMatrix.computeGramianMatrix (cached)", tRowMatrix,
          rate(n, d, tRowMatrix));
    }
    System.out.printf("%-52s %10.2f %16.1f%n", "3. in-memory DSYRK, same rows, same BLAS (limit)", tLimit,
        rate(n, p, tLimit));
    System.out.printf("   (one caller %.2f s; %d callers, one per core, %.2f s; BLAS threads: OPENBLAS_NUM_THREADS=%s)%n",
        tLimitOne, cores, tLimitPerCore, System.getenv().getOrDefault("OPENBLAS_NUM_THREADS", "unset"));
    System.out.printf("%njob / in-memory limit (throughput): %.2f   (target >= 0.60 with native BLAS)%n",
        rate(n, p, tJob) / rate(n, p, tLimit));
    if (!s.skipRowMatrix) {
      System.out.printf("job / RowMatrix (throughput):       %.1fx  (target >= 6x)%n",
          rate(n, p, tJob) / rate(n, d, tRowMatrix));
      // a job that reads its rows cannot beat the in-memory DSYRK: this is the most the line above can say here
      System.out.printf("in-memory limit / RowMatrix:        %.1fx  (the ceiling of job / RowMatrix on this machine)%n",
          rate(n, p, tLimit) / rate(n, d, tRowMatrix));
    }

    if (kernelSeconds != null) {
      KernelComparison.print(String.format("%nLevel-3 kernels side by side: in-memory DSYRK of %d rows, p = %d, one "
          + "caller (best of %d interleaved rounds; BLAS and Vector API threads: %d):", kernelRows, p, s.repeat,
          VectorKernels.threads()), kernelSeconds, (double) kernelRows * p * p);
      System.out.printf("vector / native at d = %d: DSYRK %.3f, job %.3f (target >= 0.25)%n", d,
          KernelComparison.ratioToNative(kernelSeconds, Level3.VECTOR), tJob / tJobVector);
    }

    if (!s.skipMemory) {
      // N grows the way datasets grow, by more files like the ones there are: same rows per file,
      // same row groups (16 MiB), as many files as cores or ten times as many, so that the same
      // number of tasks runs at once and only N differs
      long rowGroup = 16L << 20;
      long small = Math.max(1, n / 10);
      int smallFiles = cores;
      int largeFiles = 10 * cores;
      String dataSmall = dataset(small, List.of(enc), smallFiles, rowGroup);
      String dataLarge = dataset(10 * small, List.of(enc), largeFiles, rowGroup);
      long[] liveSmall = {0};
      long[] liveLarge = {0};
      System.gc();
      timeJob(dataSmall, column, liveSmall);
      System.gc();
      timeJob(dataLarge, column, liveLarge);
      long held = AutocorrelationAccumulator.dense(d, true, AutocorrelationAccumulator.DEFAULT_BLOCK_SAMPLES)
          .heldBytes();
      System.out.printf("%nMemory: accumulator per task %.1f MiB (independent of N); peak live heap after GC: "
          + "N = %d (%d files of %d rows): %.0f MiB, N = %d (%d files of %d rows): %.0f MiB (ratio %.2f for 10x the "
          + "rows; row groups of 16 MiB)%n", held / 1048576.0, small, smallFiles, small / smallFiles,
          liveSmall[0] / 1048576.0, 10 * small, largeFiles, 10 * small / largeFiles, liveLarge[0] / 1048576.0,
          (double) liveLarge[0] / Math.max(1, liveSmall[0]));
    }

    if (!s.skipEncodings) {
      long er = s.encodingRows > 0 ? s.encodingRows : Math.max(1, n / 4);
      List<ColumnEncoding> all = List.of(ColumnEncoding.values());
      String dataAll = dataset(er, all);
      System.out.printf("%nEncodings (N = %d, d = %d, one column read at a time):%n", er, d);
      System.out.printf("%-16s %10s %16s%n", "encoding", "seconds", "G(N*p^2)/s");
      for (ColumnEncoding e : all) {
        double t = timeJob(dataAll, e.name().toLowerCase(Locale.ROOT), null);
        System.out.printf("%-16s %10.2f %16.1f%n", e.sqlName(), t, rate(er, p, t));
      }
    }
  }

  // before a timed run: a full GC and a pause, so that no run pays for the garbage or the background
  // work (Spark's listeners, the JIT) of the one before
  private static void settle() {
    System.gc();
    try {
      Thread.sleep(500);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A row's values as floats (the generated values are float32-representable in every encoding). */
  static void rowValues(Object v, ColumnEncoding enc, float[] out) {
    switch (enc) {
      case BINARY_FLOAT32_LE:
        ByteBuffer.wrap((byte[]) v).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        break;
      case FLOAT_ARRAY:
      case DOUBLE_ARRAY: {
        List<?> l = scala.jdk.javaapi.CollectionConverters.asJava((scala.collection.Seq<?>) v);
        for (int j = 0; j < out.length; j++) {
          out[j] = ((Number) l.get(j)).floatValue();
        }
        break;
      }
      case ML_VECTOR: {
        double[] a = ((org.apache.spark.ml.linalg.Vector) v).toArray();
        for (int j = 0; j < out.length; j++) {
          out[j] = (float) a[j];
        }
        break;
      }
      default:
        throw new IllegalStateException(enc.name());
    }
  }

  // DSYRK of every block into one p x p sum per caller, `callers` threads sharing the blocks
  private static double timeDsyrk(List<double[]> blocks, List<Integer> sizes, int p, int callers) {
    Thread[] threads = new Thread[callers];
    long t0 = System.nanoTime();
    for (int t = 0; t < callers; t++) {
      int first = t;
      threads[t] = new Thread(() -> {
        double[] c = new double[p * p];
        for (int b = first; b < blocks.size(); b += callers) {
          Blas.dsyrk("U", "N", p, sizes.get(b), 1.0, blocks.get(b), p, 1.0, c, p);
        }
      });
      threads[t].start();
    }
    for (Thread th : threads) {
      try {
        th.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    return (System.nanoTime() - t0) / 1e9;
  }
}
