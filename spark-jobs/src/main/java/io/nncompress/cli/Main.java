package io.nncompress.cli;

import io.nncompress.progress.LogFormat;
import io.nncompress.progress.ProgressEvent;
import io.nncompress.progress.StreamSink;
import io.nncompress.spark.autocorr.BadInputException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

/** The nncompress command line: one main class with subcommands, for bin/nncompress and spark-submit. */
@Command(name = "nncompress", mixinStandardHelpOptions = true, version = "nncompress 0.1.0",
    description = "Post-training compression of trained neural networks on Apache Spark.",
    subcommands = {DemoCommand.class, CompressCommand.class, AutocorrCommand.class, IngestCommand.class,
        GenerateExampleCommand.class, BenchCommand.class,
        CommandLine.HelpCommand.class})
public final class Main {
  @Option(names = "--master", description = "Spark master URL (default: local[*], or what spark-submit sets)")
  String master;

  @Option(names = "--conf", description = "Spark configuration key=value (repeatable)")
  Map<String, String> conf = new LinkedHashMap<>();

  @Option(names = {"-q", "--quiet"}, scope = ScopeType.INHERIT,
      description = "no progress and no informational logs on stderr: only warnings, errors (and with --log-format "
          + "json the command's end); the command's result on stdout is unchanged")
  boolean quiet;

  @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
      description = "show Spark's and the libraries' errors and stack traces on stderr (by default they go to a log "
          + "file, named in the error line)")
  boolean verbose;

  @Option(names = "--log-format", scope = ScopeType.INHERIT, paramLabel = "human|json",
      description = "stderr as readable lines (human, the default) or as JSON Lines (json): one JSON object per line, "
          + "progress and log messages alike, with stable field names (ts, level, event, phase, layer, stage, done, "
          + "total, eta_s, iteration, objective, kkt, message, ...)")
  LogFormat logFormat = LogFormat.HUMAN;

  @Option(names = "--progress-interval", scope = ScopeType.INHERIT, paramLabel = "SECONDS",
      description = "at least this long between two progress lines of one kind (Spark tasks, solver iterations); "
          + "0 shows every event (default: ${DEFAULT-VALUE})")
  double progressInterval = 2.0;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code (0 ok, 2 bad input, 1 failure). */
  public static int run(String... args) {
    CommandLine cl = new CommandLine(new Main());
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionStrategy(Main::execute);
    if (jsonRequested(args)) { // a usage error too is one JSON object on stderr, then the end
      cl.setParameterExceptionHandler((ex, a) -> {
        int code = cl.getCommandSpec().exitCodeOnInvalidInput();
        ex.getCommandLine().getErr().println(StreamSink.json(new ProgressEvent(System.currentTimeMillis(), "ERROR",
            ProgressEvent.ERROR).put(ProgressEvent.MESSAGE, ex.getMessage()).put(ProgressEvent.EXIT_CODE, code)));
        ex.getCommandLine().getErr().println(StreamSink.json(new ProgressEvent(System.currentTimeMillis(), "ERROR",
            ProgressEvent.END).put(ProgressEvent.EXIT_CODE, code)));
        ex.getCommandLine().getErr().flush();
        return code;
      });
    }
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

  /** Whether the arguments ask for JSON Lines ({@code --log-format json} or {@code --log-format=json}). */
  static boolean jsonRequested(String... args) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equalsIgnoreCase("--log-format=json")
          || (args[i].equals("--log-format") && i + 1 < args.length && args[i + 1].equalsIgnoreCase("json"))) {
        return true;
      }
    }
    return false;
  }

  /** Runs the subcommand with stderr set up from the global options (see {@link CliOutput}). */
  private static int execute(ParseResult parsed) {
    Main main = parsed.commandSpec().commandLine().getCommand();
    if (!(main.progressInterval >= 0) || Double.isInfinite(main.progressInterval)) {
      throw new CommandLine.ParameterException(parsed.commandSpec().commandLine(),
          "--progress-interval must be a non-negative number of seconds, cannot be: " + main.progressInterval);
    }
    List<String> names = new ArrayList<>();
    for (ParseResult p = parsed.subcommand(); p != null; p = p.subcommand()) {
      names.add(p.commandSpec().name());
    }
    try (CliOutput out = CliOutput.open(main.logFormat, main.quiet, main.verbose, main.progressInterval, System.err,
        String.join(" ", names))) {
      try {
        int code = new CommandLine.RunLast().execute(parsed);
        out.end(code);
        return code;
      } catch (CommandLine.ExecutionException ex) {
        return out.failure(ex.getCause() != null ? ex.getCause() : ex);
      }
    }
  }
}
