package io.nncompress.spark.autocorr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.spark.SparkTestSession;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad input gets an error naming the dataset and column (and file and row where it applies). */
class AutocorrelationBadInputTest {
  @TempDir
  static Path dir;
  static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkTestSession.get();
  }

  static String write(String name, StructType schema, List<Row> rows) {
    String path = dir.resolve(name).toString();
    spark.createDataFrame(rows, schema).coalesce(1).write().parquet(path);
    return path;
  }

  static List<Row> floatRows(int n, int badRow, Float[] bad) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(RowFactory.create(i, i == badRow ? bad : new Float[] {1f, 2f, 3f}));
    }
    return rows;
  }

  static final StructType FLOATS = new StructType().add("id", "int").add("x", "array<float>");

  /** Runs the job into a fresh output and checks that nothing was written. */
  static BadInputException fails(LayerInput layer) {
    String out = dir.resolve("out-" + System.nanoTime()).toString();
    BadInputException e = assertThrows(BadInputException.class,
        () -> new AutocorrelationJob(spark, new AutocorrelationJob.Options()).run(List.of(layer), out, false));
    assertFalse(new File(out).exists(), "output must not exist after a failure");
    return e;
  }

  static void assertMentions(Exception e, String... parts) {
    for (String p : parts) {
      assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention '" + p + "'");
    }
  }

  @Test
  void infinityNamesDatasetColumnFileAndRow() {
    String ds = write("inf", FLOATS, floatRows(10, 7, new Float[] {1f, 2f, Float.NEGATIVE_INFINITY}));
    BadInputException e = fails(LayerInput.dense("fc", ds, "x"));
    assertMentions(e, "Dataset " + ds, "column x", "layer fc", ".parquet", "row 7", "index 2", "not finite");
  }

  @Test
  void wrongLengthNamesTheRowAndBothLengths() {
    String ds = write("short", FLOATS, floatRows(10, 4, new Float[] {1f, 2f}));
    BadInputException e = fails(LayerInput.dense("fc", ds, "x"));
    assertMentions(e, "column x", "row 4", "length 2", "expected 3");
    // a declared dim that disagrees with the data
    String ok = write("ok", FLOATS, floatRows(5, -1, null));
    assertMentions(fails(LayerInput.parse("name=fc,dataset=" + ok + ",column=x,dim=4")), "row 0", "expected 4");
  }

  @Test
  void wrongBinaryLength() {
    List<Row> rows = List.of(RowFactory.create(0, new byte[8]), RowFactory.create(1, new byte[7]));
    String ds = write("bin", new StructType().add("id", "int").add("x", "binary"), rows);
    assertMentions(fails(LayerInput.dense("fc", ds, "x")), "row 1", "7 bytes", "expected 2");
  }

  @Test
  void missingColumnListsTheColumns() {
    String ds = write("cols", FLOATS, floatRows(3, -1, null));
    assertMentions(fails(LayerInput.dense("fc", ds, "activations")), "Dataset " + ds, "no column 'activations'",
        "[id, x]");
  }

  @Test
  void unknownEncodingNamesTheType() {
    List<Row> rows = List.of(RowFactory.create(0, "a"));
    String ds = write("str", new StructType().add("id", "int").add("x", "string"), rows);
    assertMentions(fails(LayerInput.dense("fc", ds, "x")), "column x", "type string", "array<float>");
  }

  @Test
  void emptyDataset() {
    String ds = write("empty", FLOATS, List.of());
    assertMentions(fails(LayerInput.dense("fc", ds, "x")), "Dataset " + ds, "column x", "no rows");
    assertMentions(fails(LayerInput.parse("name=fc,dataset=" + ds + ",column=x,dim=3")), "no rows");
  }

  @Test
  void nonParquetFileAndMissingPath() throws Exception {
    Path junk = dir.resolve("junk.parquet");
    Files.writeString(junk, "this is not parquet, just text that is long enough to have a tail", StandardCharsets.UTF_8);
    BadInputException e = fails(LayerInput.dense("fc", junk.toString(), "x"));
    assertMentions(e, "Dataset " + junk, "cannot be read as Parquet", "junk.parquet", "is not a Parquet file");
    // one line: before, the Spark job's failure brought the executor's stack trace into the message
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    String missing = dir.resolve("nowhere").toString();
    BadInputException m = fails(LayerInput.dense("fc", missing, "x"));
    assertMentions(m, "Dataset " + missing, "cannot be read as Parquet");
    assertFalse(m.getMessage().contains("\n"), m.getMessage());
  }

  @Test
  void aReadFailureIsTheInnermostMessageOnOneLineWithTheFileSparkNames() {
    // a Spark job's failure: its message holds the executor's stack trace; the cause names the file,
    // the innermost cause says what is wrong
    RuntimeException footer = new RuntimeException("footer is too large: 3149194684to be read");
    RuntimeException read = new RuntimeException("[FAILED_READ_FILE.CANNOT_READ_FILE_FOOTER] Encountered error while "
        + "reading file file:/d/w.safetensors. Could not read footer.\nIf not, please convert it.", footer);
    RuntimeException job = new RuntimeException("Job aborted due to stage failure: Task 0 in stage 0.0 failed\n\tat "
        + "org.apache.spark.A.b(A.scala:1)\nDriver stacktrace:", read);
    assertEquals("file file:/d/w.safetensors: footer is too large: 3149194684to be read", ParquetInputs.reason(job, true));
    assertEquals("footer is too large: 3149194684to be read", ParquetInputs.reason(job, false));
    // an innermost cause without a message adds its type to the message above it
    assertEquals("cannot read the page (java.io.EOFException)",
        ParquetInputs.reason(new java.io.IOException("cannot read the page", new java.io.EOFException()), true));
    // a message that already names the file is not prefixed again
    assertEquals("file:/d/x.parquet is not a Parquet file", ParquetInputs.reason(new RuntimeException(
        "Encountered error while reading file file:/d/x.parquet. Bad.", new RuntimeException(
        "file:/d/x.parquet is not a Parquet file")), true));
  }

  @Test
  void corruptFileInsideAGoodDatasetNamesTheFile() throws Exception {
    String ds = write("mixed", FLOATS, floatRows(5, -1, null));
    Path bad = Path.of(ds, "part-99999-corrupt.parquet");
    byte[] good = Files.readAllBytes(Files.list(Path.of(ds)).filter(p -> p.toString().endsWith(".parquet"))
        .findFirst().get());
    byte[] truncated = new byte[good.length / 2];
    System.arraycopy(good, 0, truncated, 0, truncated.length);
    Files.write(bad, truncated);
    BadInputException e = fails(LayerInput.parse("name=fc,dataset=" + ds + ",column=x,dim=3"));
    assertMentions(e, "Dataset " + ds, "part-99999-corrupt.parquet");
  }

  @Test
  void unknownLayerSpecKeyNamesTheKey() {
    BadInputException e = assertThrows(BadInputException.class,
        () -> LayerInput.parse("name=fc,dataset=/x,column=c,strid=2"));
    assertMentions(e, "unknown key 'strid'", "stride");
    assertMentions(assertThrows(BadInputException.class, () -> LayerInput.parse("name=fc,dataset=/x")),
        "missing key 'column'");
    assertMentions(assertThrows(BadInputException.class,
        () -> LayerInput.parse("name=c,dataset=/x,column=c,shape=3x8")), "shape must be CxHxW");
    assertEquals(27, LayerInput.parse("name=c,dataset=/x,column=c,shape=3x3x3,kernel=3").conv().patchSize());
  }
}
