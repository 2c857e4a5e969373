package io.nncompress.spark.bench;

import java.util.Map;
import org.apache.spark.api.plugin.DriverPlugin;
import org.apache.spark.api.plugin.ExecutorPlugin;
import org.apache.spark.api.plugin.PluginContext;
import org.apache.spark.api.plugin.SparkPlugin;

/**
 * A Spark plugin for tests and `bench faults` that makes every task sleep before it runs, so that a job lasts long
 * enough to kill a Worker or the driver in the middle of it, whatever the job is (autocorr today,
 * compress) and without a test-only option in the job itself. Enable it with
 * {@code spark.plugins=io.nncompress.spark.bench.SlowTasksPlugin} and
 * {@code spark.nncompress.test.taskSleepMs=MS}.
 */
public final class SlowTasksPlugin implements SparkPlugin {
  public static final String SLEEP_MS = "spark.nncompress.test.taskSleepMs";

  /** The confs that enable the plugin with {@code ms} of sleep per task. */
  public static Map<String, String> conf(long ms) {
    return Map.of("spark.plugins", SlowTasksPlugin.class.getName(), SLEEP_MS, Long.toString(ms));
  }

  @Override
  public DriverPlugin driverPlugin() {
    return null;
  }

  @Override
  public ExecutorPlugin executorPlugin() {
    return new ExecutorPlugin() {
      private long sleepMs;

      @Override
      public void init(PluginContext ctx, Map<String, String> extraConf) {
        sleepMs = ctx.conf().getLong(SLEEP_MS, 0L);
      }

      @Override
      public void onTaskStart() {
        try {
          Thread.sleep(sleepMs);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt(); // a killed task: stop sleeping
        }
      }
    };
  }
}
