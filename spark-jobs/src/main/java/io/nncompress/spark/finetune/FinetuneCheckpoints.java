package io.nncompress.spark.finetune;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state of a fine-tuning after each epoch (trained values, Adam's step count and moments, the
 * curve so far) in {@code DIR/finetune-LABEL.state}, written to a temporary name and renamed (whole
 * or absent), so that a rerun after a killed driver resumes after the last finished epoch. A state of
 * other settings or another network size is ignored.
 */
public final class FinetuneCheckpoints {
  private static final Logger LOG = LoggerFactory.getLogger(FinetuneCheckpoints.class);
  private final FileSystem fs;
  private final Path dir;

  /** After epoch {@code epoch}. */
  public static final class State implements Serializable {
    private static final long serialVersionUID = 1L;
    final int epoch;
    final int steps;
    final double[] values;
    final double[][] m;
    final double[][] v;
    final ArrayList<DataParallelTrainer.Epoch> curve;
    String key;

    State(int epoch, int steps, double[] values, double[][] m, double[][] v, List<DataParallelTrainer.Epoch> curve) {
      this.epoch = epoch;
      this.steps = steps;
      this.values = values;
      this.m = m;
      this.v = v;
      this.curve = new ArrayList<>(curve);
    }

    public int epoch() {
      return epoch;
    }
  }

  public FinetuneCheckpoints(SparkSession spark, String directory) {
    Path p = new Path(directory);
    try {
      this.fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      this.dir = fs.makeQualified(p);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot open the file system of " + directory, e);
    }
  }

  public Path directory() {
    return dir;
  }

  private static String key(int size, FinetuneSettings s) {
    return size + "|" + s;
  }

  private Path file(String label) {
    return new Path(dir, "finetune-" + label.replaceAll("[^A-Za-z0-9_.-]", "_") + ".state");
  }

  void save(String label, State s, int size, FinetuneSettings settings) {
    s.key = key(size, settings);
    Path f = file(label);
    Path tmp = new Path(dir, "." + f.getName() + ".tmp");
    try {
      fs.mkdirs(dir);
      try (ObjectOutputStream out = new ObjectOutputStream(fs.create(tmp, true))) {
        out.writeObject(s);
      }
      fs.delete(f, false);
      if (!fs.rename(tmp, f)) {
        throw new IOException("cannot rename " + tmp + " to " + f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the fine-tuning checkpoint " + f, e);
    }
  }

  /** The last state of {@code label} with the same settings and size; null when there is none. */
  public State load(String label, int size, FinetuneSettings settings) {
    Path f = file(label);
    try {
      if (!fs.exists(f)) {
        return null;
      }
      try (ObjectInputStream in = new ObjectInputStream(fs.open(f))) {
        State s = (State) in.readObject();
        if (!key(size, settings).equals(s.key)) {
          LOG.info("Fine-tuning checkpoint {} is of other settings ({}), not resumed", f, s.key);
          return null;
        }
        return s;
      }
    } catch (IOException | ClassNotFoundException | ClassCastException e) {
      LOG.warn("Fine-tuning checkpoint {} cannot be read ({}), starting afresh", f, e.toString());
      return null;
    }
  }
}
