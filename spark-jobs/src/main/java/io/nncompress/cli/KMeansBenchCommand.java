package io.nncompress.cli;

import io.nncompress.spark.bench.KMeansBenchmark;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code nncompress bench kmeans}: our 1-D k-means vs Spark MLlib KMeans on the same weights. */
@Command(name = "kmeans", mixinStandardHelpOptions = true, description = "1-D k-means of synthetic heavy-tailed "
    + "weights: our exact and histogram solvers (driver and distributed) vs Spark MLlib KMeans, same values.")
final class KMeansBenchCommand implements Callable<Integer> {
  @ParentCommand
  BenchCommand bench;

  @Mixin
  KMeansBenchmark.Settings settings;

  @Override
  public Integer call() {
    new KMeansBenchmark(SparkRuntime.session("nncompress bench kmeans", bench.main.master, bench.main.conf),
        settings).run();
    return 0;
  }
}
