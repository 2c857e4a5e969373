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
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's data preparation: the IDX files are read while Spark starts; an unreadable one is bad input. */
class DemoDataTest {
  @TempDir
  Path dir;

  @Test
  void aTruncatedIdxFileIsNamedAndNothingIsWritten() throws Exception {
    SparkTestSession.get();
    Path fm = Files.createDirectories(dir.resolve("fm"));
    Path images = fm.resolve("train-images-idx3-ubyte.gz");
    try (GZIPOutputStream z = new GZIPOutputStream(Files.newOutputStream(images))) {
      z.write(new byte[] {0, 0, 8}); // 3 bytes: truncated before the magic number
    }
    Path work = dir.resolve("work");
    PrintStream oldErr = System.err;
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int code;
    try {
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      code = Main.run("-q", "demo", "--fashion-mnist", fm.toString(), "--workdir", work.toString());
    } finally {
      System.setErr(oldErr);
    }
    String err = e.toString(StandardCharsets.UTF_8).strip();
    assertEquals(2, code, err);
    String line = err.lines().filter(l -> l.startsWith("nncompress:")).findFirst().orElse(err);
    assertTrue(line.startsWith("nncompress: error: Fashion-MNIST in " + fm + " cannot be read: IDX file " + images
        + ": truncated before the 4-byte magic number"), line);
    assertFalse(Files.exists(work.resolve("data/fashion-mnist-train")));
  }
}
