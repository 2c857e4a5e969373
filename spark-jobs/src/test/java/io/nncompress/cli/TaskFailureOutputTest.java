package io.nncompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.spark.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17, item 11: a bad value found inside a Spark task (a NaN in the dataset's last file) ends
 * in the one clean {@code nncompress: error:} line on stderr; Spark's task-failure stack traces go
 * to the log file that line names (or to stderr with {@code --verbose}), never to stdout.
 */
class TaskFailureOutputTest {
  @TempDir
  static Path dir;
  static String data;
  static final Pattern LOG_FILE = Pattern.compile("see (\\S+\\.log)\\)$");

  /** 3 Parquet files of 8-vectors; the last one (by name) holds a NaN in row 5. */
  @BeforeAll
  static void setUp() throws Exception {
    SparkSession spark = SparkTestSession.get();
    Path ds = Files.createDirectories(dir.resolve("acts"));
    for (int f = 0; f < 3; f++) {
      List<Row> rows = new ArrayList<>();
      for (int s = 0; s < 40; s++) {
        Double[] v = new Double[8];
        for (int i = 0; i < 8; i++) {
          v[i] = f == 2 && s == 5 && i == 3 ? Double.NaN : Math.sin(s * 8 + i + f);
        }
        rows.add(RowFactory.create((Object) v));
      }
      String part = dir.resolve("part" + f).toString();
      spark.createDataFrame(rows, new StructType().add("x", "array<double>")).coalesce(1).write().parquet(part);
      try (Stream<Path> files = Files.list(Path.of(part))) {
        Path p = files.filter(x -> x.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
        Files.copy(p, ds.resolve("part-0000" + f + ".parquet"));
      }
    }
    data = ds.toString();
  }

  static CliRun autocorr(String out, String... global) {
    List<String> a = new ArrayList<>(List.of(global));
    a.addAll(List.of("autocorr", "--dataset", data, "--columns", "x", "-o", dir.resolve(out).toString()));
    return CliRun.of(a);
  }

  static String logFileOf(String line) {
    Matcher m = LOG_FILE.matcher(line);
    assertTrue(m.find(), "the error line names the log file: " + line);
    return m.group(1);
  }

  @Test
  void quietPrintsExactlyTheCleanLineAndTheTraceGoesToTheLogFile() throws Exception {
    CliRun r = autocorr("out-q", "-q");
    assertEquals(2, r.code(), r.err());
    List<String> lines = r.err().lines().toList();
    assertEquals(1, lines.size(), "one line on stderr:\n" + r.err());
    String line = lines.get(0);
    assertTrue(line.startsWith("nncompress: error: "), line);
    assertTrue(line.contains("part-00002.parquet") && line.contains("row 5")
        && line.contains("value NaN at index 3 is not finite"), line);
    assertEquals("", r.out());
    String log = Files.readString(Path.of(logFileOf(line)));
    assertTrue(log.contains("\tat "), "the log file holds Spark's stack trace:\n" + log);
    assertTrue(log.contains("part-00002.parquet"), log);
    assertFalse(Files.exists(dir.resolve("out-q")));
  }

  @Test
  void humanModeShowsNoTraceAndVerboseShowsIt() throws Exception {
    CliRun r = autocorr("out-h");
    assertEquals(2, r.code(), r.err());
    List<String> errors = r.err().lines().filter(l -> l.startsWith("nncompress: error: ")).toList();
    assertEquals(1, errors.size(), r.err());
    for (String l : r.err().lines().toList()) {
      if (!l.startsWith("nncompress: error: ")) {
        assertFalse(l.contains("\tat ") || l.contains("Exception"), "no trace on stderr: " + l + "\n" + r.err());
      }
    }
    assertFalse(r.out().contains("\tat ") || r.out().contains("Exception"), "no log on stdout:\n" + r.out());
    assertTrue(Files.readString(Path.of(logFileOf(errors.get(0)))).contains("\tat "));

    CliRun v = autocorr("out-v", "--verbose");
    assertEquals(2, v.code(), v.err());
    assertTrue(v.err().contains("\tat "), "--verbose shows Spark's traces on stderr:\n" + v.err());
    assertTrue(v.err().lines().anyMatch(l -> l.startsWith("nncompress: error: ")), v.err());
    assertFalse(v.out().contains("\tat "), v.out());
  }
}
