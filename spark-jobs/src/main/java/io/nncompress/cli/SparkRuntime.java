package io.nncompress.cli;

import io.nncompress.linalg.Blas;
import io.nncompress.spark.autocorr.BadInputException;
import java.util.List;
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
    checkReachable(master != null ? master : sc.get("spark.master", null));
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

  /** How long a standalone master may take to accept a connection before the run gives up. */
  static final int CONNECT_TIMEOUT_MS = 5_000;

  /**
   * Fails fast on a standalone master ({@code spark://host:port[,host:port...]}) none of whose hosts
   * accepts a connection: Spark itself retries for about a minute and then reports only a stopped
   * SparkContext. Other masters (local, yarn, k8s) are left to Spark.
   */
  static void checkReachable(String master) {
    if (master == null || !master.startsWith("spark://")) {
      return;
    }
    List<String> failures = new java.util.ArrayList<>();
    for (String hostPort : master.substring("spark://".length()).split(",")) {
      int colon = hostPort.lastIndexOf(':');
      String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
      int port;
      try {
        port = colon < 0 ? 7077 : Integer.parseInt(hostPort.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new BadInputException("option --master " + master + ": '" + hostPort + "' is not host:port");
      }
      try (java.net.Socket s = new java.net.Socket()) {
        s.connect(new java.net.InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
        return; // one reachable master is enough
      } catch (java.io.IOException | IllegalArgumentException e) {
        failures.add(host + ":" + port + " (" + e.getMessage() + ")");
      }
    }
    throw new BadInputException("option --master " + master + ": cannot connect to the Spark master at "
        + String.join(", ", failures) + "; is the master running and the address right?");
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
