package io.nncompress.spark.compress;

import io.nncompress.compress.LnrCompressor;
import io.nncompress.compress.StatisticsSource;
import io.nncompress.model.Network;
import io.nncompress.stats.AutocorrelationStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.Supplier;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a run of the compression job has already computed, kept beside its output in
 * {@code .NAME.work-KEY} until the output is committed, so that a rerun after a failure (a lost
 * driver, an Airflow retry) skips the statistics passes and the layers it already has. KEY digests
 * everything the results depend on (config, model bytes, the calibration files' names, sizes and
 * times), so a rerun with other inputs starts afresh. Every file is written to a temporary name and
 * renamed: a checkpoint is whole or absent.
 */
public final class JobCheckpoints implements LnrCompressor.Checkpoints {
  private static final Logger LOG = LoggerFactory.getLogger(JobCheckpoints.class);
  private final FileSystem fs;
  private final Path dir;
  private int reusedStats;
  private int reusedLayers;

  JobCheckpoints(SparkSession spark, String output, String key) {
    Path out = new Path(output);
    try {
      this.fs = out.getFileSystem(spark.sparkContext().hadoopConfiguration());
      Path q = fs.makeQualified(out);
      this.dir = new Path(q.getParent(), "." + q.getName() + ".work-" + key);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot open the file system of " + output, e);
    }
  }

  /**
   * The key of a run: a digest of the config's values, the model (spec and tensors; a weight left on
   * file by its file's path, size and time) and the calibration data's files.
   */
  static String key(SparkSession spark, CompressionConfig c, Network net) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      String cfg = String.join("|", String.valueOf(c.calibration), String.valueOf(c.activations.keySet()),
          String.valueOf(c.inputColumn), String.valueOf(c.strategy), String.valueOf(c.target),
          String.valueOf(c.layerTargets), String.valueOf(c.keptWhole), String.valueOf(c.tolerance),
          String.valueOf(c.maxIterations), String.valueOf(c.batchSize));
      md.update(cfg.getBytes(StandardCharsets.UTF_8));
      md.update(net.digest()); // spec and tensors; a weight left on file by where it is (file, size, time)
      if (c.calibration != null) {
        Path data = new Path(c.calibration);
        FileSystem dfs = data.getFileSystem(spark.sparkContext().hadoopConfiguration());
        for (FileStatus f : dfs.listStatus(data)) {
          md.update((f.getPath().getName() + ":" + f.getLen() + ":" + f.getModificationTime())
              .getBytes(StandardCharsets.UTF_8));
        }
      }
      StringBuilder sb = new StringBuilder();
      for (byte b : md.digest()) {
        sb.append(String.format("%02x", b));
      }
      return sb.substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + c.calibration, e);
    }
  }

  public Path directory() {
    return dir;
  }

  private Object read(String name) {
    Path p = new Path(dir, name);
    try {
      if (!fs.exists(p)) {
        return null;
      }
      try (InputStream in = fs.open(p); ObjectInputStream oin = new ObjectInputStream(in)) {
        return oin.readObject();
      }
    } catch (IOException | ClassNotFoundException e) {
      LOG.warn("Checkpoint {} cannot be read ({}); computing it again", p, e.toString());
      return null;
    }
  }

  private void write(String name, Object value) {
    Path p = new Path(dir, name);
    Path tmp = new Path(dir, "." + name + ".tmp");
    try {
      fs.mkdirs(dir);
      try (OutputStream out = fs.create(tmp, true); ObjectOutputStream oout = new ObjectOutputStream(out)) {
        oout.writeObject(value);
      }
      fs.delete(p, false);
      if (!fs.rename(tmp, p)) {
        throw new IOException("Could not rename " + tmp + " to " + p);
      }
    } catch (IOException e) {
      LOG.warn("Checkpoint {} could not be written ({}); a rerun will compute it again", p, e.toString());
    }
  }

  @Override
  public LnrCompressor.SolvedLayer load(String layer) {
    LnrCompressor.SolvedLayer s = (LnrCompressor.SolvedLayer) read("layer-" + layer + ".bin");
    if (s != null) {
      reusedLayers++;
    }
    return s;
  }

  @Override
  public void save(String layer, LnrCompressor.SolvedLayer solved) {
    write("layer-" + layer + ".bin", solved);
  }

  /** Statistics number {@code n} of the run: from the checkpoint, or computed and kept. */
  AutocorrelationStats[] stats(int n, Supplier<AutocorrelationStats[]> compute) {
    AutocorrelationStats[] s = (AutocorrelationStats[]) read("stats-" + n + ".bin");
    if (s != null) {
      reusedStats++;
      LOG.info("Statistics {} taken from the checkpoint of an earlier run (no pass over the data)", n);
      return s;
    }
    s = compute.get();
    write("stats-" + n + ".bin", s);
    return s;
  }

  public int reusedStatistics() {
    return reusedStats;
  }

  public int reusedLayers() {
    return reusedLayers;
  }

  /** Drops the checkpoints (once the output is committed). */
  void delete() {
    try {
      fs.delete(dir, true);
    } catch (IOException e) {
      LOG.warn("Could not delete the checkpoints {}", dir, e);
    }
  }

  /** The statistics of a source, kept in these checkpoints in the order they are asked for. */
  StatisticsSource wrap(StatisticsSource source) {
    return new StatisticsSource() {
      private int n;

      @Override
      public AutocorrelationStats[] inputs(Network net, int[] layerIndices) {
        return stats(n++, () -> source.inputs(net, layerIndices));
      }

      @Override
      public AutocorrelationStats[] joint(Network a, int[] indexA, Network b, int[] indexB) {
        return stats(n++, () -> source.joint(a, indexA, b, indexB));
      }
    };
  }
}
