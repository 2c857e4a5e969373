package io.nncompress.spark.cluster;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The "Spark distribution" of the tests that run Spark's own processes (SparkSubmit, Master, Worker):
 * the jars of this JVM's classpath, which the build resolved for Spark 4.1.0 (what a Spark install
 * has in {@code jars/}), and the JVM options the tests run with. Nothing is downloaded.
 */
final class SparkDistribution {
  private SparkDistribution() {}

  /**
   * The jars of this JVM's classpath, without class directories; with {@code withoutApplication},
   * also without what the application jar carries and a Spark install does not have (nncompress's
   * own jars, picocli), so that those classes can come from the application jar only.
   */
  static List<String> jars(boolean withoutApplication) {
    List<String> jars = new ArrayList<>();
    for (String entry : testClassPath().split(File.pathSeparator)) {
      Path p = Path.of(entry).toAbsolutePath();
      String name = p.getFileName() == null ? "" : p.getFileName().toString();
      if (entry.isEmpty() || !Files.isRegularFile(p) || !name.endsWith(".jar")) {
        continue;
      }
      if (withoutApplication && (name.startsWith("nncompress-") || name.startsWith("picocli-"))) {
        continue;
      }
      jars.add(p.toString());
    }
    return jars;
  }

  /** The class directories of this JVM's classpath (nncompress and the test helpers, in a build). */
  static List<Path> classDirectories() {
    List<Path> dirs = new ArrayList<>();
    for (String entry : testClassPath().split(File.pathSeparator)) {
      if (!entry.isEmpty() && Files.isDirectory(Path.of(entry))) {
        dirs.add(Path.of(entry).toAbsolutePath());
      }
    }
    return dirs;
  }

  /**
   * The classpath of this JVM: surefire and failsafe run tests from a manifest-only jar and put the
   * real classpath in {@code surefire.test.class.path}; elsewhere (an IDE) it is java.class.path.
   */
  static String testClassPath() {
    String cp = System.getProperty("surefire.test.class.path");
    return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
  }

  /** The --add-opens and the two Spark-on-Java-17 properties this JVM runs with (from the plugin's argLine). */
  static List<String> moduleOptions() {
    List<String> out = new ArrayList<>();
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (a.startsWith("--add-opens") || a.startsWith("--add-exports") || a.startsWith("-Djdk.reflect.")
          || a.startsWith("-Dio.netty.") || a.startsWith("-Dnncompress.blas")) {
        out.add(a);
      }
    }
    return out;
  }
}
