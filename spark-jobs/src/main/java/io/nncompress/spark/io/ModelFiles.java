package io.nncompress.spark.io;

import io.nncompress.spark.autocorr.BadInputException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model's files (config YAML, architecture spec, safetensors weights) as Hadoop paths, like
 * the data: a path without a scheme is a local file as always; {@code file:} URIs are local files
 * too; any other scheme (hdfs, s3a, ...) is read through Hadoop's FileSystem. The readers of the
 * model (ArchitectureSpec, SafetensorsReader, which seeks and reads tensors in place) take local
 * files, so a remote spec or weights file is copied once, on the driver, to a local temporary
 * folder (deleted when the JVM exits).
 */
public final class ModelFiles {
  private static final Logger LOG = LoggerFactory.getLogger(ModelFiles.class);

  private ModelFiles() {}

  /** Whether the path has a URI scheme (a one-letter one is a Windows drive, not a scheme). */
  public static boolean hasScheme(String path) {
    try {
      String s = new URI(path).getScheme();
      return s != null && s.length() > 1;
    } catch (URISyntaxException e) {
      return false;
    }
  }

  /** Whether the path names a file on another file system than the local one. */
  public static boolean isRemote(String path) {
    return hasScheme(path) && !"file".equalsIgnoreCase(URI.create(path).getScheme());
  }

  /** {@code name} resolved against the folder {@code base} (a local path or a Hadoop URI) unless absolute. */
  public static String resolve(String base, String name) {
    if (hasScheme(name) || name.startsWith("/")) {
      return name;
    }
    if (hasScheme(base)) {
      return new Path(new Path(base), name).toString();
    }
    return java.nio.file.Path.of(base).resolve(name).toString();
  }

  /** The folder of a file (a local path or a Hadoop URI). */
  public static String folderOf(String file) {
    if (hasScheme(file)) {
      return new Path(file).getParent().toString();
    }
    return java.nio.file.Path.of(file).toAbsolutePath().getParent().toString();
  }

  /** The text of a file with a scheme, read through Hadoop; {@code what} starts the error message. */
  public static String readString(String path, Configuration conf, String what) {
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(conf);
      try (InputStream in = fs.open(p)) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new BadInputException(what + " " + path + " cannot be read: " + e, e);
    }
  }

  /**
   * A local file holding {@code path}: the path itself without a scheme (not checked here, as
   * before), the file of a {@code file:} URI or of a local Hadoop file system, else a local copy.
   * A path with a scheme that does not exist is bad input naming it, after {@code what}.
   */
  public static java.nio.file.Path local(String path, Configuration conf, String what) {
    if (!hasScheme(path)) {
      return java.nio.file.Path.of(path);
    }
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(conf);
      if (!fs.exists(p)) {
        throw new BadInputException(what + ": " + path + " does not exist");
      }
      if ("file".equalsIgnoreCase(fs.getUri().getScheme())) {
        return java.nio.file.Path.of(fs.makeQualified(p).toUri());
      }
      java.nio.file.Path dir = Files.createTempDirectory("nncompress-model-");
      java.nio.file.Path copy = dir.resolve(p.getName());
      try (InputStream in = fs.open(p)) {
        Files.copy(in, copy);
      }
      copy.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      LOG.info("Copied {} to {} (the model's readers take local files)", path, copy);
      return copy;
    } catch (BadInputException e) {
      throw e;
    } catch (IOException | IllegalArgumentException e) {
      throw new BadInputException(what + ": " + path + " cannot be read: " + e, e);
    }
  }

  /**
   * A Hadoop configuration for reading before Spark starts: the defaults (core-site.xml), then
   * the {@code spark.hadoop.*} settings of the system properties (spark-submit) and of
   * {@code sparkConf} (--conf), as Spark itself would apply them.
   */
  public static Configuration configuration(Map<String, String> sparkConf) {
    Configuration conf = new Configuration();
    for (String k : System.getProperties().stringPropertyNames()) {
      if (k.startsWith("spark.hadoop.")) {
        conf.set(k.substring("spark.hadoop.".length()), System.getProperty(k));
      }
    }
    sparkConf.forEach((k, v) -> {
      if (k.startsWith("spark.hadoop.")) {
        conf.set(k.substring("spark.hadoop.".length()), v);
      }
    });
    return conf;
  }
}
