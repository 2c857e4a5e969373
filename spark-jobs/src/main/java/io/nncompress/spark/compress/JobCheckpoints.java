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
  private final String output;
  private int reusedStats;
  private int reusedLayers;
  /** Whether computing statistics met bad input data: data the key covers, so a fixed rerun has another key. */
  private boolean badStatisticsData;
  private String failureNote;

  JobCheckpoints(SparkSession spark, String output, String key) {
    Path out = new Path(output);
    this.output = output;
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
      java.util.Set<String> datasets = new java.util.TreeSet<>();
      if (c.calibration != null) {
        datasets.add(c.calibration);
      }
      c.activations.values().forEach(a -> datasets.add(a.dataset)); // their data too, not only their names
      for (String d : datasets) {
        Path data = new Path(d);
        FileSystem dfs = data.getFileSystem(spark.sparkContext().hadoopConfiguration());
        md.update(d.getBytes(StandardCharsets.UTF_8));
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
      // the output's folder gone or replaced, a full disk: the run could never commit, so it ends here
      io.nncompress.spark.autocorr.BadInputException gone = io.nncompress.spark.io.AtomicOutput.unwritable(
          fs.getConf(), output, e);
      if (gone != null) {
        throw gone;
      }
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
    try {
      s = compute.get();
    } catch (io.nncompress.spark.autocorr.BadInputException e) {
      badStatisticsData = true;
      throw e;
    }
    write("stats-" + n + ".bin", s);
    return s;
  }

  public int reusedStatistics() {
    return reusedStats;
  }

  public int reusedLayers() {
    return reusedLayers;
  }

  /**
   * After a failed run: says where the checkpoints are and that rerunning the same command resumes
   * from them (one WARN line, on stderr and in the log; INFO after bad input, whose one error line
   * {@code --quiet} keeps alone), or removes them when no rerun can use
   * them: bad data in the statistics' datasets (calibration or activations), which the key digests,
   * so the rerun with fixed data has another key. Returns the line said, or null.
   */
  public String failed(Throwable cause) {
    try {
      if (!fs.exists(dir)) {
        return null;
      }
    } catch (IOException e) {
      return null;
    }
    String line;
    if (badStatisticsData) {
      delete();
      line = failureNote = "Removed the checkpoints " + dir + ": the failure is in the data they were computed from, so no rerun "
          + "could use them";
      LOG.info(line);
      return line;
    }
    line = failureNote = "Checkpoints of this run are kept in " + dir + ": rerunning the same command resumes from them (the "
        + "statistics and layers done so far are not computed again); delete them to start afresh";
    if (io.nncompress.spark.autocorr.BadInputException.find(cause) != null) {
      LOG.info(line); // bad input ends in one clean error line, also with --quiet (issue 17, item 11)
    } else {
      LOG.warn(line);
    }
    return line;
  }

  /** What {@link #failed} said after a failed run, or null. */
  public String failureNote() {
    return failureNote;
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
