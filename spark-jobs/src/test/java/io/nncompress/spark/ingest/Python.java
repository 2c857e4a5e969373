package io.nncompress.spark.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** Runs /usr/bin/python3 (numpy, and torch for the hook script) from tests; reads ingested datasets back. */
public final class Python {
  public static final String PYTHON = "/usr/bin/python3";

  private Python() {}

  /** The repository's deploy/pytorch folder (the tests run in spark-jobs/). */
  public static Path scriptDir() {
    Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
    while (p != null && !Files.isRegularFile(p.resolve("deploy/pytorch/nncompress_dump.py"))) {
      p = p.getParent();
    }
    if (p == null) {
      throw new IllegalStateException("deploy/pytorch/nncompress_dump.py not found above " + System.getProperty("user.dir"));
    }
    return p.resolve("deploy/pytorch");
  }

  /** Runs {@code python3 -c script args...}; fails the test with the output when the exit code is not 0. */
  public static String run(String script, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(PYTHON, "-c", script));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(scriptDir().toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int code = p.waitFor();
    assertEquals(0, code, () -> PYTHON + " failed:\n" + out);
    return out;
  }

  /** The float32 little-endian values of a file numpy wrote with {@code arr.astype('<f4').tofile(...)}. */
  public static float[] floats(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    float[] v = new float[b.remaining() / 4];
    b.asFloatBuffer().get(v);
    return v;
  }

  /**
   * Every value of an ingested dataset's binary column, in the order of its part files (each file
   * read alone keeps its rows' order), and the number of rows.
   */
  public static float[] ingested(SparkSession spark, Path dataset, String column, int d) throws IOException {
    List<Path> parts;
    try (Stream<Path> s = Files.list(dataset)) {
      parts = s.filter(f -> f.getFileName().toString().startsWith("part-") && f.toString().endsWith(".parquet"))
          .sorted(Comparator.comparing(f -> f.getFileName().toString())).toList();
    }
    List<float[]> rows = new ArrayList<>();
    for (Path f : parts) {
      for (Row r : spark.read().parquet(f.toString()).select(column).collectAsList()) {
        byte[] b = (byte[]) r.get(0);
        assertEquals(4 * d, b.length, "bytes per row in " + f);
        float[] v = new float[d];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        rows.add(v);
      }
    }
    float[] all = new float[rows.size() * d];
    for (int i = 0; i < rows.size(); i++) {
      System.arraycopy(rows.get(i), 0, all, i * d, d);
    }
    return all;
  }

  static String path(Path p) {
    return p.toAbsolutePath().toString().replace(File.separatorChar, '/');
  }
}
