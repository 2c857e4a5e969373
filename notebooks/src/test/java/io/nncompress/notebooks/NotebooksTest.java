package io.nncompress.notebooks;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;

/**
 * Executes every notebook of notebooks/ headlessly, as "Run all" would, with Jupyter's nbconvert
 * (Debian's jupyter-nbconvert) on the "nncompress" Java kernel that the build writes to
 * target/jupyter (rapaio-jupyter-kernel from Maven Central, nncompress on its classpath). A cell that
 * fails fails the test. The executed copies, with their outputs, and nbconvert's logs are left in
 * target/executed/.
 *
 * <p>Without Jupyter the test is skipped on a developer's machine, and fails in CI (CI=true).
 *
 * <p>rapaio-jupyter-kernel 3.0.1 has a start-up race: its shell channel can take the first
 * kernel_info_request before its handlers are registered, and the kernel then never answers (seen in
 * about 1 start in 6 before; on 2026-11-23, 3 failed starts in each of two CI runs, one notebook
 * needing its fourth start). A start that gets no answer within 30 s is retried, up to 10 times (at
 * a failure rate of one half, all 10 fail once in 1,000 notebooks); a failing cell is never retried.
 */
@Tag("notebooks")
class NotebooksTest {
  static final String KERNEL = "nncompress";
  static final int STARTS = 10;
  static final Path DIR = Path.of(System.getProperty("notebooks.dir", ".")).toAbsolutePath().normalize();
  static final Path TARGET = DIR.resolve("target");
  static final Path JUPYTER_PATH = Path.of(System.getProperty("notebooks.jupyterPath", TARGET.resolve("jupyter")
      .toString()));
  static final Path OUT = Path.of(System.getProperty("notebooks.output", TARGET.resolve("executed").toString()));
  /** The jupyter command (-Dnotebooks.jupyter=PATH to use another). */
  static final String JUPYTER = System.getProperty("notebooks.jupyter", "jupyter");
  /** Only these notebooks, comma-separated file names (-Dnotebooks=codecs.ipynb); default: every one. */
  static final String ONLY = System.getProperty("notebooks", "");
  /** nbclient's message when the kernel did not answer its kernel_info_request in time. */
  static final String NO_START = "Kernel didn't respond";

  @TestFactory
  Stream<DynamicTest> everyNotebookRunsWithoutAFailingCell() throws IOException {
    List<Path> notebooks;
    try (Stream<Path> s = Files.list(DIR)) {
      notebooks = s.filter(p -> p.getFileName().toString().endsWith(".ipynb")).sorted().collect(Collectors.toList());
    }
    if (!ONLY.isBlank()) {
      List<String> only = List.of(ONLY.split(","));
      notebooks = notebooks.stream().filter(p -> only.contains(p.getFileName().toString())).collect(Collectors.toList());
    }
    assertFalse(notebooks.isEmpty(), "no notebook in " + DIR + (ONLY.isBlank() ? "" : " named " + ONLY));
    String missing = jupyterMissing();
    if (missing != null) {
      String msg = "jupyter nbconvert is not usable (" + missing + "): install Debian's jupyter-nbconvert "
          + "(apt-get install -y --no-install-recommends jupyter-nbconvert; .ci/run does)";
      if (inCi()) {
        fail("CI=" + System.getenv("CI") + ": the notebooks must run in CI, but " + msg);
      }
      // one skipped test that says why (an abort of the factory itself would be counted nowhere)
      String why = "notebooks not executed: " + msg;
      System.err.println("WARNING: " + why);
      return Stream.of(DynamicTest.dynamicTest("jupyter nbconvert is missing", () -> Assumptions.abort(why)));
    }
    Path spec = JUPYTER_PATH.resolve("kernels").resolve(KERNEL).resolve("kernel.json");
    assertTrue(Files.isRegularFile(spec), "no kernelspec " + spec + ": the build writes it at process-resources "
        + "(notebooks/setup-kernel.sh, i.e. mvn -pl notebooks -am compile)");
    Files.createDirectories(OUT);
    Files.deleteIfExists(OUT.resolve("timings.txt"));
    return notebooks.stream().map(nb -> DynamicTest.dynamicTest(nb.getFileName().toString(), () -> execute(nb)));
  }

  static boolean inCi() {
    String ci = System.getenv("CI");
    return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false") && !ci.equals("0");
  }

  /** Null when `jupyter nbconvert --version` works, else why not. */
  static String jupyterMissing() {
    try {
      Process p = new ProcessBuilder(JUPYTER, "nbconvert", "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "`jupyter nbconvert --version` did not finish in 120 s";
      }
      return p.exitValue() == 0 ? null : "`jupyter nbconvert --version` exited with " + p.exitValue() + ": " + out;
    } catch (IOException e) {
      return "no `" + JUPYTER + "` command: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  static void execute(Path notebook) throws Exception {
    String name = notebook.getFileName().toString();
    Path log = OUT.resolve(name.replaceAll("\\.ipynb$", "") + ".log");
    for (int attempt = 1; attempt <= STARTS; attempt++) {
      List<String> cmd = new ArrayList<>(List.of(JUPYTER, "nbconvert", "--to", "notebook", "--execute",
          notebook.toString(), "--output-dir", OUT.toString(), "--ExecutePreprocessor.kernel_name=" + KERNEL,
          "--ExecutePreprocessor.startup_timeout=30", "--ExecutePreprocessor.timeout=1200"));
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(DIR.toFile()).redirectErrorStream(true)
          .redirectOutput(log.toFile());
      Map<String, String> env = pb.environment();
      // everything Jupyter reads or writes stays under target/, never in the user's home
      env.put("JUPYTER_PATH", JUPYTER_PATH.toString());
      env.put("JUPYTER_DATA_DIR", TARGET.resolve("jupyter-data").toString());
      env.put("JUPYTER_CONFIG_DIR", TARGET.resolve("jupyter-config").toString());
      env.put("JUPYTER_RUNTIME_DIR", TARGET.resolve("jupyter-runtime").toString());
      env.put("PYDEVD_DISABLE_FILE_VALIDATION", "1");
      long t0 = System.nanoTime();
      Process p = pb.start();
      if (!p.waitFor(40, TimeUnit.MINUTES)) {
        p.destroyForcibly().waitFor();
        fail(name + " did not finish in 40 minutes; log: " + log + "\n" + tail(log));
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      if (p.exitValue() == 0) {
        String executed = Files.readString(OUT.resolve(name), StandardCharsets.UTF_8);
        assertTrue(executed.contains("<svg"), name + " ran but displayed no chart (no <svg in its outputs): "
            + OUT.resolve(name));
        String line = String.format("%s executed in %.1f s (start %d)", name, seconds, attempt);
        System.out.println(line);
        Files.writeString(OUT.resolve("timings.txt"), line + "\n", StandardCharsets.UTF_8,
            java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        return;
      }
      String text = Files.readString(log, StandardCharsets.UTF_8);
      if (text.contains(NO_START) && attempt < STARTS) {
        System.out.printf("%s: the kernel did not start (start %d, %.1f s), starting it again%n", name, attempt,
            seconds);
        continue;
      }
      fail(String.format("%s failed (nbconvert exit %d after %.1f s, start %d); log: %s%n%s", name, p.exitValue(),
          seconds, attempt, log, tail(log)));
    }
  }

  /** The end of nbconvert's log (the failing cell and its error), without the kernel's start-up chatter. */
  static String tail(Path log) throws IOException {
    List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
        .filter(l -> !l.startsWith("Parsing classpath: ") && !l.startsWith("Add ") && !l.contains("frozen modules")
            && !l.contains("PYDEVD") && !l.contains("debugger") && !l.contains("Debugging will"))
        .collect(Collectors.toList());
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
  }
}
