package io.nncompress.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notebooks as committed (issue 19, item 7): with their outputs, so that a reader sees the
 * tables and charts without running them, and with nothing of the machine that ran them (written by
 * bin/refresh-notebooks through notebooks/strip-executed.py, which this also tests). Needs no Jupyter.
 */
class CommittedNotebooksTest {
  static final ObjectMapper JSON = new ObjectMapper();
  /** What strip-executed.py refuses, the same patterns. */
  static final List<Pattern> FORBIDDEN = List.of(Pattern.compile("(?<![\\w.])/(home|root|tmp|work)/[\\w.-]+"),
      Pattern.compile("AKIA[0-9A-Z]{16}"),
      Pattern.compile("(?i)(password|passwd|secret|token|api[_-]?key)\\s*[=:]\\s*\\S{6,}"),
      Pattern.compile("-----BEGIN [A-Z ]*PRIVATE KEY-----"));

  static List<Path> notebooks() throws IOException {
    try (Stream<Path> s = Files.list(NotebooksTest.DIR)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".ipynb")).sorted().collect(Collectors.toList());
    }
  }

  @Test
  void everyNotebookIsCommittedWithItsChartsAndNoPathOfTheMachine() throws IOException {
    List<Path> nbs = notebooks();
    assertEquals(List.of("codecs.ipynb", "lambda-sweep.ipynb", "per-layer.ipynb"),
        nbs.stream().map(p -> p.getFileName().toString()).collect(Collectors.toList()));
    for (Path nb : nbs) {
      JsonNode root = JSON.readTree(nb.toFile());
      int code = 0;
      int withOutput = 0;
      StringBuilder outputs = new StringBuilder();
      for (JsonNode cell : root.get("cells")) {
        if (!"code".equals(cell.get("cell_type").asText())) {
          continue;
        }
        code++;
        if (cell.get("outputs").size() > 0) {
          withOutput++;
        }
        outputs.append(cell.get("outputs").toString());
        assertFalse(cell.path("metadata").has("execution"), nb + ": nbconvert's timestamps are left out");
      }
      assertTrue(withOutput > 0 && withOutput >= code / 2, nb + ": " + withOutput + " of " + code
          + " code cells have outputs; run bin/refresh-notebooks");
      assertTrue(outputs.indexOf("<svg") >= 0, nb + ": no chart among the outputs; run bin/refresh-notebooks");
      for (Pattern p : FORBIDDEN) {
        Matcher m = p.matcher(outputs);
        assertFalse(m.find(), () -> nb + ": the outputs hold '" + m.group() + "'");
      }
    }
  }

  @Test
  void stripScriptRemovesTimestampsAndPathsAndRefusesCredentials(@TempDir Path dir) throws Exception {
    assumeTrue(python(), "python3 is not installed: skipping the check of notebooks/strip-executed.py");
    Path repo = Files.createDirectories(dir.resolve("repo"));
    Files.createDirectories(repo.resolve("notebooks"));
    Path executed = Files.createDirectories(dir.resolve("executed")).resolve("x.ipynb");
    String root = repo.toRealPath().toString();
    Files.writeString(executed, "{\"cells\": [{\"cell_type\": \"code\", \"metadata\": {\"execution\": "
        + "{\"iopub.execute_input\": \"2026-12-06T21:00:00Z\"}}, \"source\": \"x\", \"outputs\": [{\"output_type\": "
        + "\"stream\", \"name\": \"stderr\", \"text\": [\"21:00:00 WARN Blas: this CPU\\n\"]}, {\"output_type\": "
        + "\"stream\", \"name\": \"stdout\", \"text\": [\"wrote " + root + "/notebooks/target/data\\n\"]}]}], "
        + "\"metadata\": {\"language_info\": {\"name\": \"java\", \"version\": \"17.0.15+6\"}}, \"nbformat\": 4, "
        + "\"nbformat_minor\": 5}");
    assertEquals(0, run(repo, executed), "strip-executed.py");
    JsonNode nb = JSON.readTree(repo.resolve("notebooks/x.ipynb").toFile());
    assertEquals("[\"wrote ./notebooks/target/data\\n\"]", nb.at("/cells/0/outputs/0/text").toString());
    assertFalse(nb.at("/cells/0/metadata").has("execution"));
    assertEquals(1, nb.at("/cells/0/outputs").size(), "the stderr log lines are left out: " + nb);
    assertEquals("{\"name\":\"java\"}", nb.at("/metadata/language_info").toString());

    Files.writeString(executed, Files.readString(executed).replace("wrote ", "token=abcdef123456 "));
    Files.writeString(repo.resolve("notebooks/x.ipynb"), "as committed");
    assertEquals(2, run(repo, executed), "a credential is refused");
    assertEquals("as committed", Files.readString(repo.resolve("notebooks/x.ipynb")), "and nothing is written");
  }

  static boolean python() {
    try {
      Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  static int run(Path repo, Path executed) throws Exception {
    Process p = new ProcessBuilder("python3", NotebooksTest.DIR.resolve("strip-executed.py").toString(),
        repo.toString(), executed.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
    System.out.println(out);
    return p.exitValue();
  }
}
