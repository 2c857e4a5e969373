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
    SparkSession spark = b.getOrCreate();
    LOG.info("Spark {} master {}; {}", spark.version(), spark.sparkContext().master(), Blas.describe());
    return spark;
  }
}
