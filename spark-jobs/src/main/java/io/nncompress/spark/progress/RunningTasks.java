package io.nncompress.spark.progress;

import org.apache.spark.SparkContext;
import org.apache.spark.SparkExecutorInfo;
import org.apache.spark.sql.SparkSession;

/**
 * The tasks still running on a SparkContext's executors. When one task of a stage fails, Spark fails
 * the job at once and kills the stage's other tasks afterwards; each of those logs a multi-line
 * "Lost task ... TaskKilled" warning when it ends. A command that fails waits for them
 * ({@link #awaitNone}) before it prints its error line and puts the logging back, so those warnings
 * go to the log file like the rest of Spark's failure and nothing follows the error line.
 */
public final class RunningTasks {
  private RunningTasks() {}

  /** The tasks running on every executor (the driver's own in local mode) as Spark's status store has them. */
  public static int count(SparkContext sc) {
    int n = 0;
    for (SparkExecutorInfo e : sc.statusTracker().getExecutorInfos()) {
      n += e.numRunningTasks();
    }
    return n;
  }

  /**
   * Waits until no task runs on the session's SparkContext, at most {@code timeoutMillis}; returns
   * at once without a session or when it is stopped. Whether none runs when it returns.
   */
  public static boolean awaitNone(long timeoutMillis) {
    scala.Option<SparkSession> s = SparkSession.getDefaultSession();
    if (s.isEmpty() || s.get().sparkContext().isStopped()) {
      return true;
    }
    return awaitNone(s.get().sparkContext(), timeoutMillis);
  }

  /** Waits until no task runs on {@code sc}, at most {@code timeoutMillis}; whether none runs. */
  public static boolean awaitNone(SparkContext sc, long timeoutMillis) {
    long end = System.nanoTime() + timeoutMillis * 1_000_000L;
    while (count(sc) > 0) {
      if (System.nanoTime() > end || sc.isStopped()) {
        return false;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }
}
