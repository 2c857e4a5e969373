package io.nncompress.spark.io;

import io.nncompress.spark.autocorr.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an output directory so that readers see all of it or nothing: everything goes to a hidden
 * sibling {@code .NAME.inprogress-UUID}, which is renamed to NAME once complete. A failure deletes
 * the temporary directory and leaves any earlier output untouched; an existing output is replaced
 * only with {@code overwrite}, and then only after the new one is complete.
 */
public final class AtomicOutput {
  private static final Logger LOG = LoggerFactory.getLogger(AtomicOutput.class);

  /** The body that writes into the temporary directory it is given. */
  @FunctionalInterface
  public interface Body {
    void write(String tmpDir) throws IOException;
  }

  private AtomicOutput() {}

  /** Fails early, before any heavy work, when the output exists and may not be replaced. */
  public static void checkWritable(SparkSession spark, String output, boolean overwrite) {
    Path out = new Path(output);
    try {
      FileSystem fs = out.getFileSystem(conf(spark));
      if (fs.exists(out) && !overwrite) {
        throw new BadInputException("Output " + output + " already exists; pass --overwrite to replace it");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check output " + output, e);
    }
  }

  public static void commit(SparkSession spark, String output, boolean overwrite, Body body) {
    checkWritable(spark, output, overwrite);
    Path out = new Path(output);
    Configuration conf = conf(spark);
    FileSystem fs;
    try {
      fs = out.getFileSystem(conf);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot open the file system of " + output, e);
    }
    Path absolute = fs.makeQualified(out);
    Path parent = absolute.getParent();
    String id = UUID.randomUUID().toString();
    Path tmp = new Path(parent, "." + absolute.getName() + ".inprogress-" + id);
    boolean done = false;
    try {
      fs.mkdirs(parent);
      body.write(tmp.toString());
      if (fs.exists(absolute)) {
        Path old = new Path(parent, "." + absolute.getName() + ".replaced-" + id);
        rename(fs, absolute, old);
        rename(fs, tmp, absolute);
        fs.delete(old, true);
      } else {
        rename(fs, tmp, absolute);
      }
      done = true;
      LOG.info("Committed {}", absolute);
    } catch (IOException e) {
      throw new UncheckedIOException("Writing " + output + " failed", e);
    } finally {
      if (!done) {
        try {
          fs.delete(tmp, true);
        } catch (IOException e) {
          LOG.warn("Could not delete the temporary output {}", tmp, e);
        }
      }
    }
  }

  private static void rename(FileSystem fs, Path from, Path to) throws IOException {
    if (!fs.rename(from, to)) {
      throw new IOException("Could not rename " + from + " to " + to);
    }
  }

  private static Configuration conf(SparkSession spark) {
    return spark.sparkContext().hadoopConfiguration();
  }
}
