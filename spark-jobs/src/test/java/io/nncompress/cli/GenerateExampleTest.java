package io.nncompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.spark.SparkTestSession;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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

  static ValidateOnlyTest.Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      code = Main.run(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    return new ValidateOnlyTest.Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
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
      ValidateOnlyTest.Run r = run("generate-example", "--output", out, bad[0], bad[1]);
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
    ValidateOnlyTest.Run r = run("generate-example", "--output", out, "--rows", "10", "--dim", "3", "--partitions",
        "1");
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains("nncompress: error: Output " + out + " already exists; pass --overwrite"), r.err());
    assertEquals(first, names(Path.of(out)), "the earlier output is untouched");
    assertEquals(0, run("generate-example", "--output", out, "--rows", "10", "--dim", "3", "--partitions", "1",
        "--overwrite").code());
    assertEquals(1, names(Path.of(out)).stream().filter(n -> n.endsWith(".parquet")).count());
    assertFalse(names(Path.of(out)).contains("_temporary"));
    assertEquals(List.of("out"), names(dir), "no temporary sibling left");
    ValidateOnlyTest.Run proc = run("generate-example", "--output", "/proc/nncompress/out", "--rows", "10");
    assertEquals(2, proc.code(), proc.err());
    assertTrue(proc.err().contains("Output /proc/nncompress/out cannot be created"), proc.err());
  }
}
