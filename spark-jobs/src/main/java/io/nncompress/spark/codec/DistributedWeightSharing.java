package io.nncompress.spark.codec;

import io.nncompress.codec.BitReader;
import io.nncompress.codec.BitWriter;
import io.nncompress.codec.kmeans.KMeans1D;
import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.spark.autocorr.BadInputException;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Deep Compression's weight sharing of a layer too large to collect: the layer's weights stay
 * distributed as rows ({@code JavaPairRDD<Long, float[]>}: row index, row), and
 * <ol>
 *   <li>one distributed pass finds N, min and max (and rejects a non-finite weight, naming its row
 *       and column);</li>
 *   <li>one distributed pass builds a fine equal-width histogram over [min, max] ({@code bins}
 *       bins, the same binning as {@link KMeans1D#histogram}): per bin the total weight
 *       {@code sum w} and {@code sum w x}, summed per partition and merged with a tree reduce, so
 *       each bin's mean {@code sum w x / sum w} is the exact mean of its weights;</li>
 *   <li>on the driver, the exact 1-D solver on the non-empty bins' means weighted by their totals
 *       ({@link KMeans1D#optimal}): exactly what {@link KMeans1D#optimalOnHistogram} does locally,
 *       O(k bins) time, independent of N;</li>
 *   <li>on the executors, every weight is replaced by the index of its nearest codebook value
 *       (float32, ascending, ties to the lower, as {@link WeightSharing}), packed {@code bits} wide
 *       least significant bit first per row ({@link BitWriter#pack}).</li>
 * </ol>
 * The driver holds 2 * bins doubles per merge and the k-entry codebook, never the weights or codes.
 * A layer of at most {@link Options#collectThreshold} weights (and small enough for the direct
 * exact solver) is instead clustered exactly from its collected values; its codes are still
 * assigned on the executors.
 *
 * <p>Options: bits in 1..8 (k = 2^bits); data-aware weighting by R_jj per column (as
 * {@link WeightSharing}). Pruned zeros are clustered like any other weight here.
 */
public final class DistributedWeightSharing {
  /** Default histogram bins (2^18): SSE within 0.01 % of the exact optimum at k = 256 on heavy-tailed weights. */
  public static final int DEFAULT_BINS = 1 << 18;
  /** Default cap on the weights collected to the driver for the direct exact solver. */
  public static final long DEFAULT_COLLECT_THRESHOLD = 1_000_000L;
  /** Largest histogram: 2^24 bins (256 MiB of sums per partition). */
  public static final int MAX_BINS = 1 << 24;
  /** Bins of {@link Result#histogram}: the weights' distribution at a glance (a report's plot). */
  public static final int COARSE_BINS = 64;

  /** Settings, with their defaults. */
  public static final class Options implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    /** Bits per code, 1..8: 2^bits shared values. */
    public int bits = 4;
    /** Equal-width histogram bins over [min, max], 1..{@link #MAX_BINS}. */
    public int bins = DEFAULT_BINS;
    /** Layers of at most this many weights are collected and clustered exactly; 0 never collects. */
    public long collectThreshold = DEFAULT_COLLECT_THRESHOLD;
    /** R_jj per column: the squared error of w_ij counts R_jj times; null for unweighted. */
    public double[] columnWeights;

    public Options bits(int b) {
      bits = b;
      return this;
    }

    public Options bins(int b) {
      bins = b;
      return this;
    }

    public Options collectThreshold(long t) {
      collectThreshold = t;
      return this;
    }

    public Options columnWeights(double[] w) {
      columnWeights = w;
      return this;
    }
  }

  /** The codebook, the statistics of the pass, and the codes, distributed and lazy. */
  public static final class Result {
    public final int bits;
    /** 2^bits shared values, float32, ascending. */
    public final float[] codebook;
    /** Number of weights N. */
    public final long count;
    public final double min;
    public final double max;
    /** Non-empty histogram bins the solver ran on; 0 when the layer was collected. */
    public final int nonEmptyBins;
    /** True when the layer was small enough to be collected and clustered exactly. */
    public final boolean collected;
    /** Row index -> the row's codes, {@code bits} each, packed LSB first ({@link #unpackRow}); lazy. */
    public final JavaPairRDD<Long, byte[]> codes;
    /**
     * Unweighted counts of the weights in {@link #COARSE_BINS} equal bins over [min, max] (bin b
     * holds [min + b w, min + (b + 1) w), the last one closed), from the histogram pass; null when
     * the layer was collected.
     */
    public double[] histogram;

    Result(int bits, float[] codebook, long count, double min, double max, int nonEmptyBins, boolean collected,
        JavaPairRDD<Long, byte[]> codes) {
      this.bits = bits;
      this.codebook = codebook;
      this.count = count;
      this.min = min;
      this.max = max;
      this.nonEmptyBins = nonEmptyBins;
      this.collected = collected;
      this.codes = codes;
    }

    /** The codes of one row of {@code cols} weights from its packed bytes. */
    public int[] unpackRow(byte[] packed, int cols) {
      return BitReader.unpack(packed, 0, cols, bits);
    }

    /**
     * Writes the codes to Parquet at {@code path} (columns {@code row: long}, {@code codes:
     * binary}), one row per layer row, from the executors; fails if the path exists.
     */
    public void writeCodes(SparkSession spark, String path) {
      StructType schema = new StructType()
          .add("row", DataTypes.LongType, false)
          .add("codes", DataTypes.BinaryType, false);
      JavaRDD<Row> rows = codes.map(t -> RowFactory.create(t._1, t._2));
      Dataset<Row> df = spark.createDataFrame(rows, schema);
      df.write().parquet(path);
    }
  }

  private DistributedWeightSharing() {}

  /** Weight sharing of a layer given as rows without indices: rows are numbered by zipWithIndex. */
  public static Result fit(JavaRDD<float[]> rows, Options options) {
    return fit(rows.zipWithIndex().mapToPair(t -> new Tuple2<>(t._2, t._1)), options);
  }

  /**
   * Weight sharing of a layer given as (row index, row) pairs; every row has the same length.
   *
   * @throws IllegalArgumentException bits outside 1..8, bins outside 1..{@link #MAX_BINS}, an
   *     empty layer, rows of different lengths, a non-finite weight (naming its row and column);
   *     fewer distinct values (or non-empty bins) than 2^bits each become a shared value ({@link KMeans1D})
   */
  public static Result fit(JavaPairRDD<Long, float[]> rows, Options options) {
    WeightSharing.checkBits(options.bits);
    if (options.bins < 1 || options.bins > MAX_BINS) {
      throw new IllegalArgumentException("bins must be in 1.." + MAX_BINS + ", cannot be: " + options.bins);
    }
    if (options.collectThreshold < 0) {
      throw new IllegalArgumentException("collectThreshold must be >= 0, cannot be: " + options.collectThreshold);
    }
    final int k = 1 << options.bits;
    final double[] colW = options.columnWeights;
    if (colW != null) {
      for (int j = 0; j < colW.length; j++) {
        if (!(colW[j] >= 0) || Double.isInfinite(colW[j])) {
          throw new IllegalArgumentException("columnWeights[" + j + "] must be finite and >= 0, cannot be: " + colW[j]);
        }
      }
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(rows.context());
    Broadcast<double[]> bw = colW == null ? null : jsc.broadcast(colW);

    // pass 1: N, min, max, the row length; every weight checked finite
    double[] stats = run(() -> rows.mapPartitions(it -> Collections.singletonList(scan(it, bw)).iterator())
        .treeReduce(DistributedWeightSharing::mergeScan));
    long n = (long) stats[0];
    if (n == 0) {
      throw new IllegalArgumentException("The layer has no weights: cannot share " + k + " values among 0");
    }
    double min = stats[1];
    double max = stats[2];
    int cols = (int) stats[3];
    if (colW != null && colW.length != cols) {
      throw new IllegalArgumentException("columnWeights must have one entry per column of the layer: " + cols
          + " columns vs " + colW.length + " weights");
    }
    String what = "bits = " + options.bits + " (k = " + k + ") for a layer of " + n + " weights";

    double[] centroids;
    double[] coarse = null;
    int nonEmpty = 0;
    boolean collected = n <= options.collectThreshold && (long) k * (n + 1) <= KMeans1D.MAX_DIRECT_CELLS;
    try {
      if (collected) {
        // small enough: the exact solver on the values themselves
        List<float[]> all = rows.sortByKey().values().collect();
        double[] x = new double[(int) n];
        double[] w = colW == null ? null : new double[(int) n];
        int t = 0;
        for (float[] r : all) {
          for (int j = 0; j < r.length; j++) {
            if (w != null) {
              w[t] = colW[j];
            }
            x[t++] = r[j];
          }
        }
        centroids = KMeans1D.optimal(x, w, k).centroids;
      } else {
        // pass 2: per bin sum w and sum w x, summed per partition, merged by a tree reduce
        final int bins = options.bins;
        final double lo = min;
        final double scale = max > min ? bins / (max - min) : 0;
        final double coarseScale = max > min ? COARSE_BINS / (max - min) : 0;
        double[] h = run(() -> rows.values().mapPartitions(it -> {
          double[] acc = new double[2 * bins + COARSE_BINS]; // [sum w | sum w x | coarse counts]
          double[] cw = bw == null ? null : bw.value();
          while (it.hasNext()) {
            float[] r = it.next();
            for (int j = 0; j < r.length; j++) {
              double x = r[j];
              double wi = cw == null ? 1.0 : cw[j];
              // the bin of KMeans1D.histogram: floor((x - min) bins / (max - min)), the last closed
              int b = Math.min(bins - 1, (int) ((x - lo) * scale));
              acc[b] += wi;
              acc[bins + b] += wi * x;
              acc[2 * bins + Math.min(COARSE_BINS - 1, (int) ((x - lo) * coarseScale))] += 1;
            }
          }
          return Collections.singletonList(acc).iterator();
        }).treeReduce((a, b) -> {
          for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
          }
          return a;
        }));
        for (int b = 0; b < bins; b++) {
          if (h[b] > 0) {
            nonEmpty++;
          }
        }
        double[] centers = new double[nonEmpty];
        double[] weights = new double[nonEmpty];
        int t = 0;
        for (int b = 0; b < bins; b++) {
          if (h[b] > 0) {
            centers[t] = h[bins + b] / h[b]; // the bin's exact weighted mean
            weights[t++] = h[b];
          }
        }
        centroids = KMeans1D.optimal(centers, weights, k).centroids;
        coarse = Arrays.copyOfRange(h, 2 * bins, 2 * bins + COARSE_BINS);
      }
    } catch (BadInputException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
    }

    // the float32 codebook, ascending; codes are assigned against its widened values
    float[] codebook = new float[k];
    for (int s = 0; s < k; s++) {
      codebook[s] = (float) centroids[s];
    }
    Arrays.sort(codebook);
    double[] cb = new double[k];
    for (int s = 0; s < k; s++) {
      cb[s] = codebook[s];
    }
    Broadcast<double[]> bcb = jsc.broadcast(cb);
    final int bits = options.bits;
    JavaPairRDD<Long, byte[]> codes = rows.mapValues(r -> {
      double[] c = bcb.value();
      int[] q = new int[r.length];
      for (int j = 0; j < r.length; j++) {
        q[j] = KMeans1D.nearest(c, r[j]);
      }
      return BitWriter.pack(q, bits);
    });
    Result result = new Result(bits, codebook, n, min, max, nonEmpty, collected, codes);
    result.histogram = coarse;
    return result;
  }

  /**
   * The weighted SSE {@code sum w (x - codebook[code])^2} of the layer as coded by {@code r},
   * computed on the executors by joining each row with its codes.
   */
  public static double sse(JavaPairRDD<Long, float[]> rows, Result r, double[] columnWeightsOrNull) {
    float[] cb = r.codebook;
    int bits = r.bits;
    return rows.join(r.codes).values().map(t -> {
      float[] x = t._1;
      int[] q = BitReader.unpack(t._2, 0, x.length, bits);
      double s = 0;
      for (int j = 0; j < x.length; j++) {
        double e = x[j] - (double) cb[q[j]];
        s += (columnWeightsOrNull == null ? 1.0 : columnWeightsOrNull[j]) * e * e;
      }
      return s;
    }).fold(0.0, Double::sum);
  }

  /** [N, min, max, row length] of one partition; throws on a non-finite weight or a ragged row. */
  private static double[] scan(Iterator<Tuple2<Long, float[]>> it, Broadcast<double[]> bw) {
    long n = 0;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    int cols = -1;
    long firstRow = -1;
    while (it.hasNext()) {
      Tuple2<Long, float[]> t = it.next();
      float[] r = t._2;
      if (r == null) {
        throw new BadInputException("Row " + t._1 + " of the layer is null");
      }
      if (cols < 0) {
        cols = r.length;
        firstRow = t._1;
      } else if (r.length != cols) {
        throw new BadInputException("Row " + t._1 + " of the layer has " + r.length + " weights, row " + firstRow
            + " has " + cols + ": every row must have the same length");
      }
      for (int j = 0; j < r.length; j++) {
        float x = r[j];
        if (!Float.isFinite(x)) {
          throw new BadInputException("Weight (row " + t._1 + ", column " + j + ") must be finite, cannot be: " + x);
        }
        min = Math.min(min, x);
        max = Math.max(max, x);
      }
      n += r.length;
    }
    return new double[] {n, min, max, cols};
  }

  private static double[] mergeScan(double[] a, double[] b) {
    if (a[3] >= 0 && b[3] >= 0 && a[3] != b[3]) {
      throw new BadInputException("Rows of the layer have different lengths: " + (int) a[3] + " and " + (int) b[3]);
    }
    return new double[] {a[0] + b[0], Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])};
  }

  /** Runs a Spark action, rethrowing a {@link BadInputException} raised in a task as itself. */
  static <T> T run(java.util.function.Supplier<T> action) {
    try {
      return action.get();
    } catch (Exception e) { // Spark's SparkException is checked, but thrown from Scala undeclared
      BadInputException bad = BadInputException.find(e);
      if (bad != null && bad != e) {
        throw new BadInputException(bad.getMessage(), e);
      }
      throw DistributedWeightSharing.<RuntimeException>sneaky(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <E extends Exception> E sneaky(Exception e) throws E {
    throw (E) e;
  }
}
