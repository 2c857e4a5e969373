package io.nncompress.spark.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;

/**
 * {@code nncompress bench faults} (issue 17's audit, the faults half): runs {@code autocorr} and
 * {@code compress} as real CLI processes ({@link CliProcess}) on the small model and data of
 * {@link HostileInputs}, injects a fault into each (a SIGKILL early, mid-way through the tasks, after a
 * checkpoint, while the output is committed; a kill during an {@code --overwrite} rerun; two runs writing
 * the same output at once; the output's folder replaced by a file mid-run) and gives a verdict:
 * survived (the rerun without {@code --overwrite} succeeds and its output is the undisturbed
 * run's: the same files, numerically the same, see {@link #differs}), nothing incomplete
 * was ever visible at the output path, a loser exits 2 with one
 * clean line), lost data (an output missing, different, or seen incomplete) or unclear (anything else:
 * a failed rerun, a trace, a fault that could not be injected). Killed runs sleep in every task
 * ({@link SlowTasksPlugin}) so that each kill lands where it is meant to.
 */
public final class FaultInjection {
  /** How a fault ended. */
  public enum Verdict { SURVIVED, LOST_DATA, UNCLEAR }

  /** A fault's outcome: what was done and why the verdict. */
  public record Result(String name, Verdict verdict, String detail) {}

  /** The commands faults are injected into: autocorr, compress, and compress with a fine-tuning section. */
  public enum Job { AUTOCORR, COMPRESS, FINETUNE }

  /** The fault of the fine-tuning: killed once its first epoch is checkpointed, the rerun resumes after it. */
  static final String FINETUNE_KILLED = "finetune killed after its first epoch's checkpoint";

  /** Where a run is killed. */
  public enum Point { EARLY, MID_TASKS, CHECKPOINT, COMMIT }

  static final Duration TIMEOUT = Duration.ofMinutes(20); // a JVM and Spark start in 5 s idle, minutes on a busy machine
  static final Pattern TASKS = Pattern.compile("\"event\":\"tasks\".*?\"done\":(\\d+),\"total\":(\\d+)");

  private final Path dir;
  private final HostileInputs inputs;
  private final SparkSession spark;
  private final long sleepMs;
  private final Map<Job, Map<String, String>> reference = new java.util.concurrent.ConcurrentHashMap<>();
  private String config;
  private String finetuneConfig;

  /** {@code sleepMs}: how long every task of a run to disturb sleeps first. */
  public FaultInjection(SparkSession spark, Path dir, long sleepMs) {
    this.dir = dir;
    this.inputs = new HostileInputs(spark, dir.resolve("inputs"));
    this.spark = spark;
    this.sleepMs = sleepMs;
  }

  /** Writes the model, data and config. */
  public FaultInjection setUp() throws IOException {
    Files.createDirectories(dir.resolve("inputs"));
    inputs.setUp();
    config = inputs.config("faults", null, null);
    finetuneConfig = inputs.config("faults-finetune", "output:",
        "finetune: {epochs: 3, batch_size: 100, learning_rate: 0.01, seed: 5, after: [lnr]}\noutput:");
    return this;
  }

  /** The output of the job run once undisturbed (run on first use), as a snapshot. */
  Map<String, String> reference(Job j) throws IOException {
    synchronized (j) { // one run per job, the two jobs' side by side
      return referenceOf(j);
    }
  }

  private Map<String, String> referenceOf(Job j) throws IOException {
    if (!reference.containsKey(j)) {
      Path out = dir.resolve("reference-" + slug(j));
      CliProcess p = CliProcess.start(logs(), "reference-" + slug(j), args(j, out, false, false));
      int code = p.await(TIMEOUT);
      if (code != 0) {
        throw new IOException("the undisturbed " + slug(j) + " run failed (exit " + code + "):\n"
            + p.stderrTail(30));
      }
      reference.put(j, OutputSnapshot.of(out));
    }
    return reference.get(j);
  }

  /** The fault names, in the order {@link #runAll} runs them. */
  public static List<String> names() {
    List<String> n = new ArrayList<>();
    for (Job j : Job.values()) {
      if (j == Job.FINETUNE) {
        n.add(FINETUNE_KILLED);
        continue;
      }
      for (Point p : Point.values()) {
        if (p != Point.CHECKPOINT || j == Job.COMPRESS) { // autocorr keeps no checkpoints
          n.add(slug(j) + " killed " + point(p));
        }
      }
      n.add(slug(j) + " killed during an --overwrite rerun");
      n.add(slug(j) + ": two runs write the same output at once");
      n.add(slug(j) + ": output folder replaced by a file mid-run");
    }
    return n;
  }

  /** Injects the fault {@code name} (one of {@link #names}). */
  public Result run(String name) {
    Job j = name.startsWith("compress") ? Job.COMPRESS : Job.AUTOCORR;
    try {
      if (name.equals(FINETUNE_KILLED)) {
        return killed(name, Job.FINETUNE, Point.CHECKPOINT, false);
      }
      if (name.contains("--overwrite")) {
        return killed(name, j, Point.COMMIT, true);
      }
      if (name.contains("two runs")) {
        return concurrent(name, j);
      }
      if (name.contains("replaced by a file")) {
        return unwritable(name, j);
      }
      for (Point p : Point.values()) {
        if (name.endsWith(point(p))) {
          return killed(name, j, p, false);
        }
      }
      throw new IllegalArgumentException("no fault " + name);
    } catch (IOException e) {
      return new Result(name, Verdict.UNCLEAR, "the harness failed: " + e);
    }
  }

  /**
   * SIGKILL at {@code at}, then the same command again (with {@code --overwrite} when the run was an
   * overwrite of an earlier output, which must still be there after the kill).
   */
  Result killed(String name, Job j, Point at, boolean overwrite) throws IOException {
    Path out = dir.resolve(HostileInputs.slug(name));
    Map<String, String> ref = reference(j);
    if (overwrite) {
      FaultOutputs.copy(dir.resolve("reference-" + slug(j)), out);
    }
    OutputSnapshot.Watch watch = new OutputSnapshot.Watch(out, ref);
    CliProcess p = CliProcess.start(logs(), slug(name) + "-killed", args(j, out, overwrite, true));
    if (!p.killWhen(trigger(j, p, out, at), TIMEOUT)) {
      watch.stop();
      return new Result(name, Verdict.UNCLEAR, "not injected: the run ended before " + point(at) + "\n"
          + p.stderrTail(10));
    }
    String what = "SIGKILL " + (j == Job.FINETUNE ? "after its first epoch's checkpoint" : point(at));
    boolean checkpoints = !FaultOutputs.hidden(out, ".work-").isEmpty();
    String after = OutputSnapshot.difference(overwrite ? ref : null, OutputSnapshot.of(out));
    if (after != null) {
      watch.stop();
      return new Result(name, Verdict.LOST_DATA, what + "; right after the kill: " + after);
    }
    CliProcess rerun = CliProcess.start(logs(), slug(name) + "-rerun", args(j, out, overwrite, false));
    int code = rerun.await(TIMEOUT);
    String seen = watch.stop();
    String resumed = !rerun.stderr().contains("from the checkpoint") ? ""
        : j != Job.FINETUNE ? ", resumed from the checkpoints"
        : rerun.stderr().contains("resumed after epoch 1") ? ", resumed from the checkpoints and after epoch 1" : "";
    what += (overwrite ? "; the previous output intact; rerun --overwrite" : "; rerun") + " exit " + code + resumed;
    if (code != 0) {
      return new Result(name, Verdict.UNCLEAR, what + "\n" + rerun.stderrTail(10));
    }
    String d = differs(j, out);
    if (seen != null || d != null) {
      return new Result(name, Verdict.LOST_DATA, what + "; " + (d != null ? "the output differs: " + d : seen));
    }
    if (checkpoints && resumed.isEmpty()) {
      return new Result(name, Verdict.UNCLEAR, what + "; checkpoints were there but the rerun did not use them");
    }
    List<String> left = FaultOutputs.hidden(out, ".work-");
    if (!left.isEmpty()) {
      return new Result(name, Verdict.UNCLEAR, what + "; checkpoints left behind after success: " + left);
    }
    return new Result(name, Verdict.SURVIVED, what + "; output " + same(j) + " the undisturbed run's"
        + FaultOutputs.leftovers(out));
  }

  static String same(Job j) {
    return j != Job.AUTOCORR ? "numerically identical (the model's outputs within 1e-12) to"
        : "numerically identical (R within 1e-12) to";
  }

  /** Two runs of the same command at once: one succeeds, the other exits 2 with one clean line. */
  Result concurrent(String name, Job j) throws IOException {
    Path out = dir.resolve(HostileInputs.slug(name));
    Map<String, String> ref = reference(j);
    OutputSnapshot.Watch watch = new OutputSnapshot.Watch(out, ref);
    List<String> a = quiet(args(j, out, false, true));
    CliProcess p1 = CliProcess.start(logs(), slug(name) + "-1", a);
    CliProcess p2 = CliProcess.start(logs(), slug(name) + "-2", a);
    int c1 = p1.await(TIMEOUT);
    int c2 = p2.await(TIMEOUT);
    String seen = watch.stop();
    String what = "both started at once: exits " + c1 + " and " + c2;
    CliProcess loser = c1 == 0 ? p2 : p1;
    String loserErr = FaultOutputs.withoutMachineNotice(loser.stderr());
    HostileInputs.Verdict v = HostileInputs.classify(c1 == 0 ? c2 : c1, loserErr, out.toString());
    String d = differs(j, out);
    if (seen != null || d != null) {
      return new Result(name, Verdict.LOST_DATA, what + "; " + (d != null ? "the output differs: " + d : seen));
    }
    if (Math.min(c1, c2) != 0 || v != HostileInputs.Verdict.CLEAR) {
      return new Result(name, Verdict.UNCLEAR, what + "; the other one: " + v.name().toLowerCase() + "\n"
          + loser.stderrTail(10));
    }
    return new Result(name, Verdict.SURVIVED, what + "; the loser: "
        + FaultOutputs.firstLine(loserErr) + "; output " + same(j) + " the undisturbed run's"
        + FaultOutputs.leftovers(out));
  }

  /**
   * The output's folder moved away and replaced by a file mid-run (the unwritable output of a lost mount
   * or a full disk, without root: chmod does not stop root): exit 2 with one clean line naming the
   * output, nothing written; the folder put back, the same command resumes and succeeds.
   */
  Result unwritable(String name, Job j) throws IOException {
    Path parent = Files.createDirectories(dir.resolve(HostileInputs.slug(name)));
    Path out = parent.resolve("out");
    Path moved = dir.resolve(parent.getFileName() + ".moved");
    Map<String, String> ref = reference(j);
    CliProcess p = CliProcess.start(logs(), slug(name), quiet(args(j, out, false, true)));
    // compress: once the statistics are checkpointed; autocorr: while it writes its output
    BooleanSupplier when = j == Job.COMPRESS ? () -> FaultOutputs.checkpoint(out, "stats-0.bin")
        : () -> !FaultOutputs.hidden(out, ".inprogress-").isEmpty();
    long end = System.nanoTime() + TIMEOUT.toNanos();
    while (p.isAlive() && !when.getAsBoolean() && System.nanoTime() < end) {
      sleep(20);
    }
    if (!p.isAlive()) {
      return new Result(name, Verdict.UNCLEAR, "not injected: the run ended first\n" + p.stderrTail(10));
    }
    Files.move(parent, moved);
    Files.writeString(parent, "not a folder");
    int code = p.await(TIMEOUT);
    String what = "folder replaced " + (j == Job.COMPRESS ? "after the statistics checkpoint" : "while writing")
        + ": exit " + code;
    String err = FaultOutputs.withoutMachineNotice(p.stderr());
    HostileInputs.Verdict v = HostileInputs.classify(code, err, out.toString());
    // an output there is data written where it should not be; a hidden .out.inprogress-* is the temporary
    // folder the run was writing when its folder was moved away with it (no longer at a path it can delete)
    boolean written = Files.exists(moved.resolve("out"));
    Files.delete(parent);
    Files.move(moved, parent);
    if (written) {
      return new Result(name, Verdict.LOST_DATA, what + "; an output was written in the folder moved away");
    }
    if (v != HostileInputs.Verdict.CLEAR) {
      return new Result(name, Verdict.UNCLEAR, what + " (" + v.name().toLowerCase() + ")\n" + p.stderrTail(10));
    }
    CliProcess rerun = CliProcess.start(logs(), slug(name) + "-rerun", args(j, out, false, false));
    int rc = rerun.await(TIMEOUT);
    what += ", " + FaultOutputs.firstLine(err) + "; folder put back, rerun exit " + rc
        + (rerun.stderr().contains("from the checkpoint") ? ", resumed from the checkpoints" : "");
    String d = rc == 0 ? differs(j, out) : "the rerun failed";
    return d == null ? new Result(name, Verdict.SURVIVED, what + "; output " + same(j) + " the undisturbed run's")
        : new Result(name, rc == 0 ? Verdict.LOST_DATA : Verdict.UNCLEAR, what + "; " + d + "\n"
            + rerun.stderrTail(10));
  }

  /** Relative tolerance of autocorr's statistics: its partial sums are merged in the order tasks end. */

  /**
   * How an output differs from the undisturbed run's, or null: the same files, and numerically the same
   * (autocorr: N, rows, d, min and max exactly, R and the mean within {@link FaultOutputs#TOLERANCE} relative;
   * compress: the same kept inputs, the model's outputs within it). Not byte for byte: Spark's reduce merges
   * the tasks' partial sums in the order they end, so two undisturbed runs differ in the last bits.
   */
  String differs(Job j, Path out) throws IOException {
    Map<String, String> ref = reference(j);
    Map<String, String> names = new java.util.TreeMap<>();
    ref.keySet().forEach(k -> names.put(k, ""));
    String d = OutputSnapshot.difference(names, OutputSnapshot.names(out));
    if (d != null) {
      return d;
    }
    if (j != Job.AUTOCORR) {
      return FaultOutputs.sameModel(spark, dir.resolve("reference-" + slug(j)).toString(), out.toString(), 12);
    }
    return FaultOutputs.sameStatistics(spark, dir.resolve("reference-autocorr").toString(), out.toString());
  }

  /** When to kill a run. */
  BooleanSupplier trigger(Job j, CliProcess p, Path out, Point at) {
    switch (at) {
      case EARLY:
        return () -> p.stderr().contains("\"event\":\"phase_start\"");
      case MID_TASKS:
        return () -> {
          Matcher m = TASKS.matcher(p.stderr());
          while (m.find()) {
            int done = Integer.parseInt(m.group(1));
            if (done > 0 && done < Integer.parseInt(m.group(2))) {
              return true;
            }
          }
          return false;
        };
      case CHECKPOINT:
        return j == Job.FINETUNE ? () -> FaultOutputs.checkpoint(out, "finetune-lnr.state")
            : () -> FaultOutputs.checkpoint(out, "stats-0.bin");
      default:
        return () -> !FaultOutputs.hidden(out, ".inprogress-").isEmpty();
    }
  }

  /** The command line: JSON progress for a run to kill (its triggers read it), slow tasks when disturbed. */
  List<String> args(Job j, Path out, boolean overwrite, boolean disturbed) {
    List<String> a = new ArrayList<>(List.of("--log-format", "json", "--progress-interval", "0"));
    if (disturbed) {
      SlowTasksPlugin.conf(sleepMs).forEach((k, v) -> a.addAll(List.of("--conf", k + "=" + v)));
    }
    if (j == Job.AUTOCORR) {
      a.addAll(List.of("autocorr", "--dataset", inputs.train(), "--columns", "x", "-o", out.toString()));
    } else {
      a.addAll(List.of("compress", "-c", j == Job.FINETUNE ? finetuneConfig : config, "-o", out.toString()));
    }
    if (overwrite) {
      a.add("--overwrite");
    }
    return a;
  }

  /** The same in human format with -q: errors only, to judge the one clean line. */
  static List<String> quiet(List<String> args) {
    List<String> a = new ArrayList<>(args.subList(4, args.size()));
    a.add(0, "-q");
    return a;
  }

  /**
   * Runs the faults, {@code parallel} at a time (each has its own output; the undisturbed reference runs
   * go first, also side by side), prints what was done and the verdict of each in order, then the totals.
   */
  public List<Result> runAll(PrintStream out, List<String> faults, int parallel) {
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(Math.max(1, parallel));
    try {
      List<java.util.concurrent.Future<?>> refs = new ArrayList<>();
      for (Job j : Job.values()) {
        if (faults.stream().anyMatch(f -> f.startsWith(slug(j)))) {
          refs.add(pool.submit(() -> reference(j)));
        }
      }
      for (java.util.concurrent.Future<?> r : refs) {
        try {
          r.get();
        } catch (java.util.concurrent.ExecutionException e) {
          // the faults of that job say it
        }
      }
      List<java.util.concurrent.Future<Result>> running = new ArrayList<>();
      for (String f : faults) {
        running.add(pool.submit(() -> run(f)));
      }
      List<Result> rs = new ArrayList<>();
      Map<Verdict, Integer> n = new EnumMap<>(Verdict.class);
      for (int i = 0; i < faults.size(); i++) {
        Result r;
        try {
          r = running.get(i).get();
        } catch (java.util.concurrent.ExecutionException e) {
          r = new Result(faults.get(i), Verdict.UNCLEAR, "the harness failed: " + e.getCause());
        }
        rs.add(r);
        n.merge(r.verdict(), 1, Integer::sum);
        out.printf("%-52s %-9s %s%n", r.name(), r.verdict().name().toLowerCase().replace('_', ' '), r.detail());
        out.flush();
      }
      out.printf("faults tried %d / survived %d / lost data %d / unclear %d%n", rs.size(),
          n.getOrDefault(Verdict.SURVIVED, 0), n.getOrDefault(Verdict.LOST_DATA, 0), n.getOrDefault(Verdict.UNCLEAR, 0));
      return rs;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      pool.shutdownNow();
    }
  }

  static String point(Point p) {
    return switch (p) {
      case EARLY -> "early (its first phase started)";
      case MID_TASKS -> "mid-way through a stage's tasks";
      case CHECKPOINT -> "after its statistics checkpoint";
      case COMMIT -> "while it writes its output";
    };
  }

  private static String slug(Job j) {
    return j.name().toLowerCase();
  }

  private static String slug(String name) {
    return HostileInputs.slug(name);
  }

  private Path logs() {
    return dir.resolve("logs");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
