package io.nncompress.cli;

import io.nncompress.spark.bench.AutocorrelationBenchmark;
import io.nncompress.spark.bench.HostileInputs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Option;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

/** {@code nncompress bench ...}: benchmarks that print ratios against baselines measured in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks (ratios against baselines "
    + "measured in the same run).", subcommands = {BenchCommand.Autocorr.class,
        KMeansBenchCommand.class,
        DistributedSvdBenchCommand.class, BenchCommand.LayerMap.class, BenchCommand.Hostile.class,
        FinetuneBenchCommand.class, FaultsCommand.class})
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

  @Command(name = "layer-map", mixinStandardHelpOptions = true, description = "Statistics-first compression of one "
      + "transformer-scale layer (d x h): autocorr of generated activations, then LNR and the stages from the stored R; "
      + "seconds per phase and the peak driver heap.")
  static final class LayerMap implements Callable<Integer> {
    @ParentCommand
    BenchCommand bench;

    @Mixin
    io.nncompress.spark.bench.LayerMapBenchmark.Settings settings;

    @Override
    public Integer call() throws Exception {
      new io.nncompress.spark.bench.LayerMapBenchmark(SparkRuntime.session("nncompress bench layer-map",
          bench.main.master, bench.main.conf), settings).run();
      return 0;
    }
  }

  @Command(name = "hostile", mixinStandardHelpOptions = true, description = "Runs bad inputs (configs, files, data, "
      + "options, outputs) through the CLI in-process and classifies each: clear (exit 2, one line naming the file, "
      + "key or layer), unclear, crashed (exit 1 or a stack trace), silent (exit 0); prints a table and the totals.")
  static final class Hostile implements Callable<Integer> {
    @ParentCommand
    BenchCommand bench;

    @Option(names = "--keep", description = "keep the temp folder of bad inputs (default: removed)")
    boolean keep;

    @Override
    public Integer call() throws IOException {
      SparkSession spark = SparkRuntime.session("nncompress bench hostile", bench.main.master, bench.main.conf);
      Path dir = Files.createTempDirectory("nncompress-hostile");
      try {
        new HostileInputs(spark, dir).setUp().runAll(System.out);
      } finally {
        if (keep) {
          System.out.println("bad inputs in " + dir);
        } else {
          try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
          }
        }
      }
      return 0;
    }
  }
}
