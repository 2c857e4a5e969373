package io.nncompress.cli;

import io.nncompress.spark.autocorr.BadInputException;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The nncompress command line: one main class with subcommands, for bin/nncompress and spark-submit. */
@Command(name = "nncompress", mixinStandardHelpOptions = true, version = "nncompress 0.1.0",
    description = "Post-training compression of trained neural networks on Apache Spark.",
    subcommands = {DemoCommand.class, CompressCommand.class, AutocorrCommand.class, GenerateExampleCommand.class, BenchCommand.class,
        CommandLine.HelpCommand.class})
public final class Main {
  @Option(names = "--master", description = "Spark master URL (default: local[*], or what spark-submit sets)")
  String master;

  @Option(names = "--conf", description = "Spark configuration key=value (repeatable)")
  Map<String, String> conf = new LinkedHashMap<>();

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code (0 ok, 2 bad input, 1 failure). */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      BadInputException bad = BadInputException.find(ex);
      if (bad != null) {
        cmd.getErr().println("nncompress: error: " + bad.getMessage());
        return 2;
      }
      cmd.getErr().println("nncompress: failed: " + ex);
      ex.printStackTrace(cmd.getErr());
      return 1;
    });
    return cl.execute(args);
  }
}
