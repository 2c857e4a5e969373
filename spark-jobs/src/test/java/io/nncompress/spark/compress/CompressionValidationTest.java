package io.nncompress.spark.compress;

import io.nncompress.cli.CliRun;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.spark.autocorr.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code compress --validate-only} refuses what the run would fail on or destroy (CompressionChecks). */
class CompressionValidationTest {
  @TempDir
  static Path tmp;

  @BeforeAll
  static void setUp() throws Exception {
    CompressionJobTest.dir = tmp;
    CompressionJobTest.setUp(); // the 12-10-8-3 MLP, its files and its train/test datasets in tmp
  }

  static String message(String yaml, boolean overwrite) {
    CompressionConfig c = CompressionJobTest.parse(yaml);
    return assertThrows(BadInputException.class, () -> new CompressionJob(CompressionJobTest.spark, c)
        .validate(overwrite)).getMessage();
  }

  @Test
  void keepAboveTheLayersInputsNamesKeyLayerAndCounts() {
    String out = tmp.resolve("out-keep").toString();
    String yaml = CompressionJobTest.config("", out).replace("fc1: {keep: 8}", "fc2: {keep: 50}");
    assertEquals("Config test.yaml, key lnr.layers.fc2.keep: keep 50 is more than the 10 inputs of layer fc2; give "
        + "at most 10", message(yaml, false));
    yaml = CompressionJobTest.config("", out).replace("target: {keep: 6}", "target: {keep: 11}");
    assertEquals("Config test.yaml, key lnr.target.keep: keep 11 is more than the 10 inputs of layer fc2; give at "
        + "most 10", message(yaml, false));
  }

  @Test
  void outputsOverlappingAnInputOrUncreatableAreRefused() {
    String train = CompressionJobTest.train;
    assertTrue(message(CompressionJobTest.config("", train), true).startsWith("Output " + train + " is the input "
        + "dataset (data.calibration) " + train + ": writing it would replace the input"));
    String inside = CompressionJobTest.test + "/compressed";
    assertTrue(message(CompressionJobTest.config("", inside), false).startsWith("Output " + inside + " is inside the "
        + "input dataset (data.evaluation) " + CompressionJobTest.test));
    String folder = tmp.toString();
    String m = message(CompressionJobTest.config("", folder), true);
    assertTrue(m.startsWith("Output " + folder + " contains the input "), m);
    assertEquals("Output /proc/nncompress/out cannot be created: a directory cannot be made in file:/proc",
        message(CompressionJobTest.config("", "/proc/nncompress/out"), false).replaceAll(" \\(.*\\)$", ""));
  }

  @Test
  void calibrationFilesOfDifferentLengthsAreNamedByTheCli() throws Exception {
    String mixed = tmp.resolve("mixed").toString();
    List<Row> rows = new ArrayList<>();
    for (int s = 0; s < 200; s++) { // the larger file: the one Spark reads first
      Double[] v = new Double[12];
      java.util.Arrays.fill(v, 0.5);
      rows.add(RowFactory.create(v, 1));
    }
    StructType schema = new StructType().add("x", "array<double>").add("label", "int");
    CompressionJobTest.spark.createDataFrame(rows, schema).coalesce(1).write().parquet(mixed);
    List<Row> short11 = new ArrayList<>();
    for (int s = 0; s < 5; s++) {
      Double[] v = new Double[11];
      java.util.Arrays.fill(v, 0.5);
      short11.add(RowFactory.create(v, 1));
    }
    String other = tmp.resolve("mixed-11").toString();
    CompressionJobTest.spark.createDataFrame(short11, schema).coalesce(1).write().parquet(other);
    Path part;
    try (Stream<Path> s = Files.list(Path.of(other))) {
      part = s.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
    Path moved = Files.move(part, Path.of(mixed, "part-99999-late.snappy.parquet"));
    Path config = Files.writeString(tmp.resolve("mixed.yaml"), CompressionJobTest.config("",
        tmp.resolve("out-mixed").toString()).replace("calibration: " + CompressionJobTest.train, "calibration: "
        + mixed));
    CliRun r = CliRun.of("compress", "-c", config.toString(), "--validate-only");
    String err = r.err();
    assertEquals(2, r.code(), err);
    assertTrue(err.contains("nncompress: error: Dataset " + mixed + ", column x: its files hold vectors of different "
        + "lengths: "), err);
    assertTrue(err.contains(" 12 values, file:" + moved + " 11 values"), err);
  }
}
