package io.nncompress.cli;

import io.nncompress.spark.bench.FaultInjection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code nncompress bench faults}: kills and other faults injected into real autocorr and compress processes. */
@Command(name = "faults", mixinStandardHelpOptions = true, description = "Runs autocorr and compress as separate "
    + "processes on a small generated model and data and injects faults: SIGKILL early, mid-way through the tasks, "
    + "after a checkpoint, while the output is written, during an --overwrite rerun; two runs writing the same output "
    + "at once; the output's folder replaced by a file mid-run. Prints each fault, what was done and its verdict "
    + "(survived, lost data, unclear), then the totals.")
final class FaultsCommand implements Callable<Integer> {
  @ParentCommand
  BenchCommand bench;

  @Option(names = "--keep", description = "keep the temp folder (data, outputs, each process's stderr in logs/)")
  boolean keep;

  @Option(names = "--task-sleep-ms", description = "how long each task of a disturbed run sleeps first, so that "
      + "a kill lands where it is meant to (default: ${DEFAULT-VALUE})")
  long sleepMs = 1500;

  @Option(names = "--parallel", description = "faults run side by side, each with its own processes and output "
      + "(default: ${DEFAULT-VALUE})")
  int parallel = 1;

  @Option(names = "--only", split = ",", paramLabel = "SUBSTRING",
      description = "run only the faults whose name contains one of these")
  List<String> only = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    SparkSession spark = SparkRuntime.session("nncompress bench faults", bench.main.master, bench.main.conf);
    Path dir = Files.createTempDirectory("nncompress-faults");
    try {
      List<String> faults = FaultInjection.names().stream()
          .filter(f -> only.isEmpty() || only.stream().anyMatch(f::contains)).toList();
      new FaultInjection(spark, dir, sleepMs).setUp().runAll(System.out, faults, parallel);
    } finally {
      if (keep) {
        System.out.println("data, outputs and logs in " + dir);
      } else {
        try (Stream<Path> all = Files.walk(dir)) {
          all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
    return 0;
  }
}
