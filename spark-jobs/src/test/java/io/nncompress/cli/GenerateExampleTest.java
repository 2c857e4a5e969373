package io.nncompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.spark.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate-example}: argument checks and the same atomic output as the other commands. */
class GenerateExampleTest {
  @TempDir
  Path dir;

  static CliRun run(String... args) {
    return CliRun.of(args);
  }

  List<String> names(Path p) throws Exception {
    try (Stream<Path> s = Files.list(p)) {
      return s.map(x -> x.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void badCountsAreRefusedNamingTheOption() throws Exception {
    SparkTestSession.get();
    String out = dir.resolve("out").toString();
    for (String[] bad : new String[][] {{"--rows", "-5"}, {"--rows", "0"}, {"--dim", "0"}, {"--partitions", "0"}}) {
      CliRun r = run("generate-example", "--output", out, bad[0], bad[1]);
      assertEquals(2, r.code(), r.err());
      assertTrue(r.err().contains("nncompress: error: " + bad[0] + " must be at least 1, cannot be: " + bad[1]),
          r.err());
    }
    assertEquals(List.of(), names(dir), "nothing written");
  }

  @Test
  void anExistingOutputIsReplacedOnlyWithOverwrite() throws Exception {
    SparkTestSession.get();
    String out = dir.resolve("out").toString();
    assertEquals(0, run("generate-example", "--output", out, "--rows", "10", "--dim", "3", "--partitions", "2")
        .code());
    List<String> first = names(Path.of(out));
    assertTrue(first.stream().filter(n -> n.endsWith(".parquet")).count() == 2, first.toString());
    CliRun r = run("generate-example", "--output", out, "--rows", "10", "--dim", "3", "--partitions",
        "1");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("nncompress: error: Output " + out + " already exists; pass --overwrite"), r.err());
    assertEquals(first, names(Path.of(out)), "the earlier output is untouched");
    assertEquals(0, run("generate-example", "--output", out, "--rows", "10", "--dim", "3", "--partitions", "1",
        "--overwrite").code());
    assertEquals(1, names(Path.of(out)).stream().filter(n -> n.endsWith(".parquet")).count());
    assertFalse(names(Path.of(out)).contains("_temporary"));
    assertEquals(List.of("out"), names(dir), "no temporary sibling left");
    CliRun proc = run("generate-example", "--output", "/proc/nncompress/out", "--rows", "10");
    assertEquals(2, proc.code(), proc.err());
    assertTrue(proc.err().contains("Output /proc/nncompress/out cannot be created"), proc.err());
  }
}
