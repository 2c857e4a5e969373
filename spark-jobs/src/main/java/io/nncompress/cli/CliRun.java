package io.nncompress.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One run of the command line in this JVM, as a user types it ({@link Main#run}): its exit code and
 * what it printed on stdout and stderr (captured for the run, then the JVM's streams put back). The
 * tests and the hostile-input benchmark run the CLI this way.
 */
public record CliRun(int code, String out, String err) {
  public static CliRun of(List<String> args) {
    return of(args.toArray(new String[0]));
  }

  /** The run; an exception Main.run lets out propagates (after the streams are put back). */
  public static CliRun of(String... args) {
    return capture(args, false);
  }

  /**
   * The run as the launcher's JVM would end it: an exception Main.run lets out becomes exit 1 with its
   * stack trace on stderr.
   */
  public static CliRun asProcess(List<String> args) {
    return capture(args.toArray(new String[0]), true);
  }

  private static CliRun capture(String[] args, boolean asProcess) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      try {
        code = Main.run(args);
      } catch (RuntimeException | Error ex) {
        if (!asProcess) {
          throw ex;
        }
        ex.printStackTrace(System.err);
        code = 1;
      }
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    return new CliRun(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
  }
}
