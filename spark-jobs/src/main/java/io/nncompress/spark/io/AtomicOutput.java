package io.nncompress.spark.io;

import io.nncompress.spark.autocorr.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an output directory so that readers see all of it or nothing: everything goes to a hidden
 * sibling {@code .NAME.inprogress-UUID}, which is renamed to NAME once complete. A failure deletes
 * the temporary directory and leaves any earlier output untouched; an existing output is replaced
 * only with {@code overwrite}, and then only after the new one is complete.
 *
 * <p>The last step, the rename to NAME, fails if NAME exists (an operation that checks and renames
 * at once: rename(2) of a non-empty directory on the local file system, a rename without overwrite
 * on HDFS), so of two runs writing the same output at once, the second fails instead of silently
 * replacing the first.
 */
public final class AtomicOutput {
  private static final Logger LOG = LoggerFactory.getLogger(AtomicOutput.class);

  /** The body that writes into the temporary directory it is given. */
  @FunctionalInterface
  public interface Body {
    void write(String tmpDir) throws IOException;
  }

  private AtomicOutput() {}

  /**
   * Fails early, before any heavy work, when the output exists and may not be replaced, or cannot
   * be created at all (its name is not a valid path, an ancestor is a file, its folder is not
   * writable): the temporary sibling the commit would create is created and removed again.
   */
  public static void checkWritable(SparkSession spark, String output, boolean overwrite) {
    checkWritable(conf(spark), output, overwrite);
  }

  /** {@link #checkWritable(SparkSession, String, boolean)} with a Hadoop configuration. */
  public static void checkWritable(Configuration conf, String output, boolean overwrite) {
    Path out = parse(output);
    try {
      FileSystem fs = out.getFileSystem(conf);
      Path absolute = fs.makeQualified(out);
      if (fs.exists(absolute)) {
        if (!overwrite) {
          throw new BadInputException("Output " + output + " already exists; pass --overwrite to replace it");
        }
        if (!fs.getFileStatus(absolute).isDirectory()) {
          throw new BadInputException("Output " + output + " is a file, not a directory; remove it or choose "
              + "another output");
        }
      }
      probe(fs, output, absolute);
    } catch (IOException e) {
      throw new BadInputException("Output " + output + " cannot be checked: " + e, e);
    }
  }

  private static Path parse(String output) {
    if (output == null || output.isBlank()) {
      throw new BadInputException("Output is empty: give a directory");
    }
    try {
      Path p = new Path(output);
      new Path(p.getParent() == null ? p : p.getParent(), "." + p.getName() + ".inprogress-x"); // as commit does
      return p;
    } catch (IllegalArgumentException e) {
      throw new BadInputException("Output " + output + " is not a valid path: " + e.getMessage(), e);
    }
  }

  // the nearest existing ancestor must be a directory in which the commit's temporary sibling can be made
  private static void probe(FileSystem fs, String output, Path absolute) throws IOException {
    Path parent = absolute.getParent();
    if (parent == null) {
      throw new BadInputException("Output " + output + " is a root directory; choose a directory below it");
    }
    Path existing = parent;
    while (existing != null && !fs.exists(existing)) {
      existing = existing.getParent();
    }
    if (existing == null) {
      return; // nothing of the path exists (an object store's bucket root): the write itself will tell
    }
    FileStatus st = fs.getFileStatus(existing);
    if (!st.isDirectory()) {
      throw new BadInputException("Output " + output + " cannot be created: " + existing + " is a file, not a "
          + "directory");
    }
    Path tmp = new Path(existing, "." + absolute.getName() + ".inprogress-probe-" + UUID.randomUUID());
    boolean made;
    try {
      made = fs.mkdirs(tmp) && fs.getFileStatus(tmp).isDirectory();
    } catch (IOException e) {
      throw new BadInputException("Output " + output + " cannot be created: a directory cannot be made in "
          + existing + " (" + e.getMessage() + ")", e);
    } finally {
      try {
        fs.delete(tmp, true);
      } catch (IOException e) {
        LOG.warn("Could not delete the probe {}", tmp, e);
      }
    }
    if (!made) {
      throw new BadInputException("Output " + output + " cannot be created: a directory cannot be made in "
          + existing);
    }
  }

  /**
   * Refuses an output that is, contains or lies inside one of {@code inputs} (what each is, e.g.
   * "dataset", by its path): writing it would replace the input. Paths are compared qualified
   * (scheme, authority, absolute path), each on its own file system.
   */
  public static void checkNotInput(SparkSession spark, String output, Map<String, String> inputs) {
    checkNotInput(conf(spark), output, inputs);
  }

  /** {@link #checkNotInput(SparkSession, String, Map)} with a Hadoop configuration. */
  public static void checkNotInput(Configuration conf, String output, Map<String, String> inputs) {
    String out = qualified(conf, parse(output));
    for (Map.Entry<String, String> e : inputs.entrySet()) {
      String in;
      try {
        in = qualified(conf, new Path(e.getKey()));
      } catch (IllegalArgumentException ex) {
        continue; // not a path; its own check names it
      }
      String how = out.equals(in) ? "is" : in.startsWith(out + "/") ? "contains" : out.startsWith(in + "/")
          ? "is inside" : null;
      if (how != null) {
        throw new BadInputException("Output " + output + " " + how + " the input " + e.getValue() + " " + e.getKey()
            + ": writing it would replace the input; choose another output");
      }
    }
  }

  private static String qualified(Configuration conf, Path p) {
    try {
      String s = p.getFileSystem(conf).makeQualified(p).toString();
      return s.endsWith("/") && s.length() > 1 ? s.substring(0, s.length() - 1) : s;
    } catch (IOException e) {
      return p.toString();
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
      try {
        body.write(tmp.toString());
      } catch (Exception e) { // Spark's SparkException is checked but undeclared: a failed task's write too
        BadInputException gone = unwritable(fs, output, absolute, e);
        if (gone != null) {
          throw gone;
        }
        throw e;
      }
      if (overwrite && fs.exists(absolute)) {
        Path old = new Path(parent, "." + absolute.getName() + ".replaced-" + id);
        rename(fs, absolute, old);
        try {
          renameNoReplace(fs, conf, tmp, absolute, output);
        } catch (RuntimeException | IOException e) {
          if (!fs.exists(absolute)) {
            rename(fs, old, absolute);
          } else {
            fs.delete(old, true);
          }
          throw e;
        }
        fs.delete(old, true);
      } else {
        renameNoReplace(fs, conf, tmp, absolute, output);
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

  /**
   * For a side file of a run (a checkpoint beside the output) that could not be written: when the cause is
   * that the output's place is no longer writable, the bad input that ends the run now (it could never
   * commit), naming the output; otherwise null.
   */
  public static BadInputException unwritable(Configuration conf, String output, Exception e) {
    try {
      Path out = new Path(output);
      FileSystem fs = out.getFileSystem(conf);
      return unwritable(fs, output, fs.makeQualified(out), e);
    } catch (IOException | IllegalArgumentException ex) {
      return null;
    }
  }

  /**
   * A write that failed because the output's place stopped being writable while it ran (its folder removed
   * or replaced, a full disk): bad input naming the output, not a crash; otherwise null.
   */
  private static BadInputException unwritable(FileSystem fs, String output, Path absolute, Exception e) {
    if (BadInputException.find(e) != null) {
      return null;
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage());
      if (m.contains("No space left on device") || m.contains("Disk quota exceeded")) {
        return new BadInputException("Output " + output + " could not be written: " + (m.contains("quota")
            ? "disk quota exceeded" : "no space left on device") + "; nothing was written to it", e);
      }
    }
    try {
      probe(fs, output, absolute);
    } catch (BadInputException gone) {
      return new BadInputException(gone.getMessage().replace(" cannot be created: ", " could not be written: ")
          + " (since this run started); nothing was written to it", e);
    } catch (IOException | RuntimeException ignored) {
      // cannot tell: the write's own failure
    }
    return null;
  }

  /**
   * Renames {@code from} to {@code to} in one operation that fails if {@code to} exists; a target
   * that appeared while this run wrote is bad input (exit 2) naming the output.
   */
  private static void renameNoReplace(FileSystem fs, Configuration conf, Path from, Path to, String output)
      throws IOException {
    java.io.File local = localFile(fs, to);
    if (local != null) {
      try {
        // rename(2): fails on an existing non-empty directory or a file (and the complete output is
        // never empty), where FileSystem.rename would move the directory INTO an existing one
        Files.move(localFile(fs, from).toPath(), local.toPath(), StandardCopyOption.ATOMIC_MOVE);
        return;
      } catch (IOException e) {
        if (!local.exists()) {
          throw e;
        }
      }
    } else {
      try {
        // HDFS: one rename without overwrite on the NameNode; other stores: the best they offer
        FileContext.getFileContext(to.toUri(), conf).rename(from, to, Options.Rename.NONE);
        return;
      } catch (org.apache.hadoop.fs.UnsupportedFileSystemException e) {
        if (!fs.exists(to)) {
          rename(fs, from, to);
          return;
        }
      } catch (org.apache.hadoop.fs.FileAlreadyExistsException | FileAlreadyExistsException e) {
        // below
      }
    }
    throw new BadInputException("Output " + output + " was written by another run while this one ran; pass "
        + "--overwrite to replace it");
  }

  private static java.io.File localFile(FileSystem fs, Path p) {
    if (fs instanceof LocalFileSystem) {
      return ((LocalFileSystem) fs).pathToFile(p);
    }
    if (fs instanceof RawLocalFileSystem) {
      return ((RawLocalFileSystem) fs).pathToFile(p);
    }
    return null;
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
