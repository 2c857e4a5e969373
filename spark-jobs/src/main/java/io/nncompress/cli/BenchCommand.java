package io.nncompress.cli;

import io.nncompress.spark.bench.AutocorrelationBenchmark;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code nncompress bench ...}: benchmarks that print ratios against baselines measured in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (ratios against baselines "
    + "measured in the same run).", subcommands = {BenchCommand.Autocorr.class,
        KMeansBenchCommand.class,
        DistributedSvdBenchCommand.class})
final class BenchCommand {
  @ParentCommand
  Main main;

  @Command(name = "autocorr", mixinStandardHelpOptions = true, description = "The autocorrelation job vs Spark "
      + "MLlib RowMatrix.computeGramianMatrix vs one in-memory DSYRK over the same rows.")
  static final class Autocorr implements Callable<Integer> {
    @ParentCommand
    BenchCommand bench;

    @Mixin
    AutocorrelationBenchmark.Settings settings;

    @Override
    public Integer call() {
      new AutocorrelationBenchmark(SparkRuntime.session("nncompress bench autocorr", bench.main.master,
          bench.main.conf), settings).run();
      return 0;
    }
  }
}
