package io.nncompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.autocorr.ColumnEncoding;
import io.nncompress.spark.data.ExampleActivations;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code autocorr --validate-only}: exit 0 and "valid", or exit 2 with the layer, dataset and column. */
class ValidateOnlyTest {
  @TempDir
  static Path dir;
  static String acts;
  static String out;

  /** The exit code, stdout and stderr of one in-process run. */

  @BeforeAll
  static void generate() throws Exception {
    SparkSession spark = SparkTestSession.get();
    acts = dir.resolve("acts").toString();
    // 48 = 3 x 4 x 4 values per row: a dense layer, or a conv layer of shape 3x4x4
    ExampleActivations.write(spark, acts, 40, 48, List.of(ColumnEncoding.FLOAT_ARRAY, ColumnEncoding.BINARY_FLOAT32_LE),
        List.of("f", "b"), 2, 1);
    spark.range(5).withColumn("s", org.apache.spark.sql.functions.lit("x").cast(DataTypes.StringType))
        .write().parquet(dir.resolve("strings").toString());
    Files.writeString(dir.resolve("not-parquet.txt"), "hello");
    out = dir.resolve("out").toString();
  }

  static CliRun run(String... args) {
    List<String> a = new ArrayList<>(List.of("autocorr"));
    a.addAll(List.of(args));
    a.add("--validate-only");
    return CliRun.of(a);
  }

  static void assertInvalid(CliRun r, String... fragments) {
    assertEquals(2, r.code(), () -> "exit code; stderr:\n" + r.err());
    assertFalse(r.out().contains("valid\n"), r.out());
    for (String f : fragments) {
      assertTrue(r.err().contains(f), () -> "stderr should name '" + f + "':\n" + r.err());
    }
  }

  @Test
  void validInputsPrintValidAndWriteNothing() {
    CliRun r = run("--layer", "name=fc,dataset=" + acts + ",column=f",
        "--layer", "name=fc_b,dataset=" + acts + ",column=b,dim=48",
        "--layer", "name=conv,dataset=" + acts + ",column=b,shape=3x4x4,kernel=3,padding=1",
        "--output", out);
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().endsWith("valid\n"), r.out());
    assertTrue(r.out().contains("layer fc: dataset " + acts + ", column f, array<float>, dense d = 48"), r.out());
    assertTrue(r.out().contains("layer conv: dataset " + acts + ", column b, binary, conv 3x4x4, patch 27"), r.out());
    assertFalse(Files.exists(Path.of(out)), "validation writes no output");
  }

  @Test
  void missingColumnNamesDatasetAndColumn() {
    assertInvalid(run("--dataset", acts, "--columns", "f,nope", "--output", out), "Dataset " + acts, "'nope'");
  }

  @Test
  void unsupportedEncodingNamesTheColumnAndType() {
    String strings = dir.resolve("strings").toString();
    assertInvalid(run("--layer", "name=s,dataset=" + strings + ",column=s", "--output", out),
        "Dataset " + strings + ", column s: type string is not a supported encoding");
  }

  @Test
  void convShapeNotMatchingTheDataNamesBoth() {
    assertInvalid(run("--layer", "name=conv,dataset=" + acts + ",column=f,shape=3x5x5,kernel=3", "--output", out),
        "column f (layer conv)", "has 48 values", "shape 3x5x5 = 75");
  }

  @Test
  void denseDimNotMatchingTheData() {
    assertInvalid(run("--layer", "name=fc,dataset=" + acts + ",column=b,dim=47", "--output", out),
        "column b (layer fc)", "has 48 values", "dim 47");
  }

  @Test
  void unreadableDatasetIsNamed() {
    String bad = dir.resolve("not-parquet.txt").toString();
    assertInvalid(run("--layer", "name=fc,dataset=" + bad + ",column=f", "--output", out),
        "Dataset " + bad + " cannot be read as Parquet");
    String missing = dir.resolve("missing").toString();
    assertInvalid(run("--layer", "name=fc,dataset=" + missing + ",column=f", "--output", out), "Dataset " + missing);
  }

  @Test
  void badSpecsAndDuplicatesAndExistingOutput() throws Exception {
    assertInvalid(run("--layer", "name=fc,dataset=" + acts + ",column=f,kernal=3", "--output", out),
        "unknown key 'kernal'");
    assertInvalid(run("--layer", "name=fc,dataset=" + acts + ",column=f", "--layer",
        "name=fc,dataset=" + acts + ",column=b", "--output", out), "Layer fc is given twice");
    Path existing = Files.createDirectories(dir.resolve("existing"));
    assertInvalid(run("--dataset", acts, "--columns", "f", "--output", existing.toString()),
        "Output " + existing + " already exists; pass --overwrite");
    assertEquals(0, run("--dataset", acts, "--columns", "f", "--output", existing.toString(), "--overwrite").code());
    assertInvalid(run("--dataset", acts, "--columns", "f", "--output", out, "--tile-size", "0"), "tileSize");
  }

  @Test
  void filesOfOneDatasetWithDifferentLengthsAreNamedWithTheirLengths() throws Exception {
    SparkSession spark = SparkTestSession.get();
    String mixed = dir.resolve("mixed").toString();
    String other = dir.resolve("mixed-other").toString();
    ExampleActivations.write(spark, mixed, 10, 48, List.of(ColumnEncoding.FLOAT_ARRAY), List.of("f"), 1, 1);
    ExampleActivations.write(spark, other, 10, 47, List.of(ColumnEncoding.FLOAT_ARRAY), List.of("f"), 1, 1);
    Path part;
    try (java.util.stream.Stream<Path> s = Files.list(Path.of(other))) {
      part = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    Path moved = Files.move(part, Path.of(mixed, "part-99999-late.snappy.parquet"));
    assertInvalid(run("--layer", "name=fc,dataset=" + mixed + ",column=f", "--output", out),
        "Dataset " + mixed + ", column f: its files hold vectors of different lengths: ", " 48 values, ",
        moved.toString() + " 47 values");
  }

  @Test
  void outputsThatAreOrHoldAnInputOrCannotBeCreatedAreRefused() throws Exception {
    assertInvalid(run("--dataset", acts, "--columns", "f", "--output", acts, "--overwrite"),
        "Output " + acts + " is the input dataset " + acts + ": writing it would replace the input");
    assertInvalid(run("--dataset", acts, "--columns", "f", "--output", acts + "/stats"),
        "Output " + acts + "/stats is inside the input dataset " + acts);
    assertInvalid(run("--dataset", acts, "--columns", "f", "--output", dir.toString(), "--overwrite"),
        "Output " + dir + " contains the input dataset " + acts);
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    assertInvalid(run("--dataset", acts, "--columns", "f", "--output", file + "/out"),
        "Output " + file + "/out cannot be created: file:" + file + " is a file, not a directory");
    assertInvalid(run("--dataset", acts, "--columns", "f", "--output", "/proc/nncompress/out"),
        "Output /proc/nncompress/out cannot be created: a directory cannot be made in file:/proc");
    assertInvalid(run("--dataset", acts, "--columns", "f", "--output", dir.resolve("x:y").toString()),
        "Output " + dir.resolve("x:y") + " is not a valid path");
    // the run itself (not only --validate-only) refuses to replace its input, which stays as it was
    long files;
    try (java.util.stream.Stream<Path> s = Files.list(Path.of(acts))) {
      files = s.count();
    }
    PrintStream oldErr = System.err;
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int code;
    try {
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      code = Main.run("autocorr", "--dataset", acts, "--columns", "f", "--output", acts, "--overwrite");
    } finally {
      System.setErr(oldErr);
    }
    assertEquals(2, code, e.toString(StandardCharsets.UTF_8));
    assertTrue(e.toString(StandardCharsets.UTF_8).contains("nncompress: error: Output " + acts + " is the input "
        + "dataset"), e.toString(StandardCharsets.UTF_8));
    try (java.util.stream.Stream<Path> s = Files.list(Path.of(acts))) {
      assertEquals(files, s.count());
    }
  }
}
