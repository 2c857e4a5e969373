package io.nncompress.cli;

import io.nncompress.format.safetensors.SafetensorsReader;
import io.nncompress.model.ArchitectureSpec;
import io.nncompress.model.LayerSpec;
import io.nncompress.model.LayerType;
import io.nncompress.spark.autocorr.AutocorrelationJob;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.autocorr.LayerInput;
import io.nncompress.spark.autocorr.ParquetInputs;
import io.nncompress.spark.compress.CompressionConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Issue 17, item 12: the memory a run needs, estimated before it starts (at {@code --validate-only}
 * and at the start of a run), so that a layer too large for the driver or the executors is refused
 * with exit 2, the estimate and the setting to raise, instead of ending in an OutOfMemoryError.
 *
 * <p>Estimates, in doubles (8 bytes), with p = d + 1 (bias-augmented) and h a layer's outputs:
 * <ul>
 *   <li>autocorr, a layer below the tile threshold: each task holds its p x p accumulator and a block
 *       of blockSamples x p values; the driver merges them (the merged sum, one incoming partial and
 *       the statistics written from them: 3 p x p). A tiled layer: a task holds at most
 *       maxTilesPerTask tiles of tileSize x tileSize, the driver no p x p matrix at all;</li>
 *   <li>compress, LNR of a layer: R, its eigen-decomposition's copy and the refit's kept block
 *       (3 p x p), and the h x p iterates, momentum, gradient, C and weights (6 h x p).</li>
 * </ul>
 * In local mode the tasks run in the driver's JVM, as many at once as it has cores; on a cluster the
 * tasks are checked against {@code spark.executor.memory} (when set) less Spark's reserved 300 MB,
 * times {@code spark.executor.cores} tasks.
 */
final class MemoryCheck {
  private static final long RESERVED = 300L << 20;
  private static volatile long injected = -1;

  private MemoryCheck() {}

  /** Tests: the bytes the driver and the executors have, instead of the real ones; -1 restores them. */
  static void availableBytes(long bytes) {
    injected = bytes;
  }

  static long driverBytes() {
    return injected >= 0 ? injected : Runtime.getRuntime().maxMemory();
  }

  static boolean local(SparkSession spark) {
    return spark.sparkContext().master().startsWith("local");
  }

  /** The heap an executor's tasks can use, or -1 when unknown (spark.executor.memory not set). */
  static long executorBytes(SparkSession spark) {
    if (injected >= 0) {
      return injected;
    }
    SparkConf conf = spark.sparkContext().getConf();
    return conf.contains("spark.executor.memory") ? conf.getSizeAsBytes("spark.executor.memory") - RESERVED : -1;
  }

  static int executorCores(SparkSession spark) {
    return spark.sparkContext().getConf().getInt("spark.executor.cores", 1);
  }

  /** Refuses autocorr layers whose statistics would not fit (dims inferred from the data when not given). */
  static void autocorr(SparkSession spark, List<LayerInput> layers, AutocorrelationJob.Options o) {
    Map<String, List<long[]>> byDataset = new LinkedHashMap<>(); // {p, tiled, index}
    Map<String, Dataset<Row>> read = new LinkedHashMap<>();
    for (int k = 0; k < layers.size(); k++) {
      LayerInput l = layers.get(k);
      int d;
      if (l.conv() != null) {
        d = l.conv().patchSize();
      } else if (l.dim() != null) {
        d = l.dim();
      } else {
        Dataset<Row> df = read.computeIfAbsent(l.dataset(), ds -> ParquetInputs.read(spark, ds));
        d = ParquetInputs.inferDim(l.dataset(), df, l.column(), ParquetInputs.encodingOf(l.dataset(), df.schema(),
            l.column()));
      }
      long p = d + (o.biasAugmented ? 1 : 0);
      byDataset.computeIfAbsent(l.dataset(), x -> new ArrayList<>()).add(new long[] {p, p >= o.tileThreshold ? 1 : 0, k});
    }
    boolean local = local(spark);
    int cores = local ? spark.sparkContext().defaultParallelism() : executorCores(spark);
    for (List<long[]> ls : byDataset.values()) { // one pass per dataset computes all of its layers
      long driver = 0;
      long task = 0;
      long[] largest = ls.get(0);
      for (long[] l : ls) {
        long p = l[0];
        if (l[1] == 0) {
          driver += 3 * 8 * p * p;
          task += 8 * p * p + 8L * o.blockSamples * p;
        } else {
          task = Math.max(task, 8L * o.maxTilesPerTask * o.tileSize * o.tileSize + 8L * o.blockSamples * p);
        }
        if (l[0] > largest[0]) {
          largest = l;
        }
      }
      LayerInput big = layers.get((int) largest[2]);
      String what = "autocorr of layer " + big.name() + " (p = " + largest[0] + (largest[1] == 1 ? ", tiled" : "")
          + ", " + ls.size() + " layer(s) of dataset " + big.dataset() + " in one pass)";
      require(spark, what, driver, task, cores, local, "--tile-threshold (tiled layers are never held whole)");
    }
  }

  /** Refuses compress layers whose LNR would not fit; the layers are those of the spec with weights. */
  static void compress(SparkSession spark, CompressionConfig c) {
    if (c.layerMap != null) {
      layerMap(spark, c);
      return;
    }
    if (c.spec == null || c.weights == null) {
      return;
    }
    ArchitectureSpec spec;
    Map<String, long[]> shapes;
    try {
      spec = ArchitectureSpec.read(c.spec);
      shapes = SafetensorsReader.shapes(c.weights);
    } catch (IOException | RuntimeException e) {
      return; // the run's own checks name what cannot be read
    }
    List<long[]> needs = new ArrayList<>(); // {bytes, p, h, index}
    for (int k = 0; k < spec.layers.size(); k++) {
      LayerSpec l = spec.layers.get(k);
      long[] s = l.weight == null ? null : shapes.get(l.weight);
      if ((l.type != LayerType.DENSE && l.type != LayerType.CONV2D) || s == null || s.length < 2) {
        continue;
      }
      long p = 1;
      for (int i = 1; i < s.length; i++) {
        p *= s[i];
      }
      p += 1;
      long h = s[0];
      needs.add(new long[] {8 * (3 * p * p + 6 * h * p), p, h, k});
    }
    if (needs.isEmpty()) {
      return;
    }
    needs.sort(Comparator.comparingLong((long[] n) -> n[0]).reversed());
    long[] big = needs.get(0);
    boolean local = local(spark);
    int cores = local ? spark.sparkContext().defaultParallelism() : executorCores(spark);
    String what = "compress of layer " + spec.layers.get((int) big[3]).name + " (LNR with p = " + big[1] + ", h = "
        + big[2] + ")";
    // the driver holds a layer's R (collected, and merged) while its solve runs in a task
    require(spark, what, 2 * 8 * big[1] * big[1], big[0], Math.min(cores, needs.size()), local, null);
  }

  /** A layer map's layers are solved on the driver one at a time: R read whole, then the solver's matrices. */
  static void layerMap(SparkSession spark, CompressionConfig c) {
    Map<String, long[]> shapes;
    try {
      shapes = SafetensorsReader.shapes(c.weights);
    } catch (IOException | RuntimeException e) {
      return; // the run's own checks name what cannot be read
    }
    long worst = 0;
    String what = null;
    for (io.nncompress.compress.LayerMap.Entry e : c.layerMap.entries) {
      long[] s = shapes.get(e.weight);
      if (s == null || s.length < 2) {
        continue; // named by the layer map's validation
      }
      long p = 1;
      for (int i = 1; i < s.length; i++) {
        p *= s[i];
      }
      p += 1;
      long need = 8 * (4 * p * p + 6 * s[0] * p);
      if (need > worst) {
        worst = need;
        what = "compress of layer " + e.name + " (LNR from its stored R, p = " + p + ", h = " + s[0] + ")";
      }
    }
    if (what != null) {
      require(spark, what, worst, 0, 0, true, null);
    }
  }

  private static void require(SparkSession spark, String what, long driver, long task, int tasks, boolean local,
      String alternative) {
    long needDriver = driver + (local ? tasks * task : 0);
    long has = driverBytes();
    if (needDriver > has) {
      throw new BadInputException(what + " needs about " + gb(needDriver) + " of driver memory"
          + (local ? " (its " + tasks + " concurrent task(s) run in the driver)" : "") + ", the driver has "
          + gb(has) + ": raise NNCOMPRESS_DRIVER_MEMORY (bin/nncompress) or --driver-memory (spark-submit)"
          + (alternative == null ? "" : ", or lower " + alternative));
    }
    long exec = local ? -1 : executorBytes(spark);
    long needExec = (long) tasks * task;
    if (exec >= 0 && needExec > exec) {
      throw new BadInputException(what + " needs about " + gb(needExec) + " per executor (" + tasks
          + " task(s) at once), an executor has " + gb(exec) + " (spark.executor.memory less 300 MB reserved): raise "
          + "spark.executor.memory (--conf spark.executor.memory=...)" + (alternative == null ? "" : ", or lower "
          + alternative));
    }
  }

  static String gb(long bytes) {
    if (bytes >= 1_000_000_000L) {
      return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
    }
    return bytes >= 1_000_000L ? String.format(Locale.ROOT, "%.1f MB", bytes / 1e6) : bytes + " bytes";
  }
}
