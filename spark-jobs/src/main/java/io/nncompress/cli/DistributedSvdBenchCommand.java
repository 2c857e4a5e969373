package io.nncompress.cli;

import io.nncompress.spark.bench.DistributedSvdBenchmark;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code nncompress bench svd}: our distributed randomized SVD vs RowMatrix.computeSVD vs LAPACK dgesdd. */
@Command(name = "svd", mixinStandardHelpOptions = true, description = "Top-k SVD of a synthetic matrix with a "
    + "known spectrum: our distributed randomized SVD vs MLlib RowMatrix.computeSVD vs one LAPACK dgesdd.")
final class DistributedSvdBenchCommand implements Callable<Integer> {
  @ParentCommand
  BenchCommand bench;

  @Mixin
  DistributedSvdBenchmark.Settings settings;

  @Override
  public Integer call() {
    new DistributedSvdBenchmark(SparkRuntime.session("nncompress bench svd", bench.main.master, bench.main.conf),
        settings).run();
    return 0;
  }
}
