package io.nncompress.cli;

import io.nncompress.linalg.Blas;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the Spark session: embedded local[*] by default, a cluster when a master is given. */
public final class SparkRuntime {
  private static final Logger LOG = LoggerFactory.getLogger(SparkRuntime.class);

  private SparkRuntime() {}

  public static SparkSession session(String appName, String master, Map<String, String> conf) {
    SparkConf sc = new SparkConf(true); // picks up spark.* system properties set by spark-submit
    SparkSession.Builder b = SparkSession.builder().appName(appName);
    if (master != null) {
      b.master(master);
    } else if (!sc.contains("spark.master")) {
      b.master("local[*]");
      b.config("spark.ui.enabled", "false");
      b.config("spark.driver.host", "127.0.0.1");
    }
    conf.forEach(b::config);
    boolean cluster = master != null && !master.startsWith("local");
    if (cluster && !sc.contains("spark.jars") && !conf.containsKey("spark.jars")) {
      // started by bin/nncompress, not spark-submit: ship our code to the executors ourselves
      String jars = codeJars();
      if (!jars.isEmpty()) {
        b.config("spark.jars", jars);
        LOG.info("Shipping {} to the executors", jars);
      }
    }
    SparkSession spark = b.getOrCreate();
    io.nncompress.spark.progress.LogOutput.reapply(); // Spark may have loaded its own log4j2 configuration
    io.nncompress.spark.progress.SparkProgress.attach(spark.sparkContext());
    LOG.info("Spark {} master {}; {}", spark.version(), spark.sparkContext().master(), Blas.describe());
    return spark;
  }

  /**
   * The jars our code runs from (the CLI and nncompress-spark-jobs, nncompress-common, picocli),
   * comma-separated, for spark.jars; class directories (an IDE) cannot be shipped and are left out.
   */
  static String codeJars() {
    java.util.Set<String> jars = new java.util.LinkedHashSet<>();
    for (Class<?> c : new Class<?>[] {SparkRuntime.class, Blas.class, picocli.CommandLine.class}) {
      try {
        java.security.CodeSource src = c.getProtectionDomain().getCodeSource();
        if (src != null && src.getLocation() != null) {
          java.nio.file.Path p = java.nio.file.Path.of(src.getLocation().toURI());
          if (java.nio.file.Files.isRegularFile(p) && p.toString().endsWith(".jar")) {
            jars.add(p.toUri().toString());
          }
        }
      } catch (java.net.URISyntaxException | SecurityException | IllegalArgumentException e) {
        LOG.warn("Cannot tell which jar holds {}: {}", c.getName(), e.toString());
      }
    }
    return String.join(",", jars);
  }
}
