package io.nncompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.ingest.Python;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nncompress ingest}: the summary, and exit 2 with one line naming the file for every bad input. */
class IngestCommandTest {
  static final String NUMPY = String.join("\n",
      "import numpy as np, json, struct, sys, os",
      "out = sys.argv[1]",
      "def save(layer, name, a):",
      "    os.makedirs(f'{out}/{layer}', exist_ok=True)",
      "    np.save(f'{out}/{layer}/{name}', a)",
      "good = np.arange(30, dtype=np.float32).reshape(10, 3)",
      "save('good/fc', 'part-00000.npy', good)",
      "save('good/fc', 'part-00001.npy', good[:4] * 2)",
      "save('int64', 'part-00000.npy', np.arange(12, dtype=np.int64).reshape(4, 3))",
      "save('fortran', 'part-00000.npy', np.asfortranarray(np.ones((4, 3), np.float32)))",
      "save('threed', 'part-00000.npy', np.ones((2, 3, 4), np.float32))",
      "save('dmismatch', 'part-00000.npy', np.ones((5, 4), np.float32))",
      "save('dmismatch', 'part-00001.npy', np.ones((5, 6), np.float32))",
      "save('truncated', 'part-00000.npy', np.ones((10, 4), np.float32))",
      "p = f'{out}/truncated/part-00000.npy'; b = open(p, 'rb').read(); open(p, 'wb').write(b[:-7])",
      "os.makedirs(f'{out}/badmagic'); open(f'{out}/badmagic/part-00000.npy', 'w').write('hello, not numpy')",
      "bad = good.copy(); bad[3, 1] = np.nan",
      "save('nan', 'part-00000.npy', good); save('nan', 'part-00001.npy', bad)",
      "bad = good.astype(np.float64); bad[5, 2] = np.inf",
      "save('inf', 'part-00000.npy', bad)",
      "h = json.dumps({'t': {'dtype': 'I64', 'shape': [2, 2], 'data_offsets': [0, 32]}}).encode()",
      "os.makedirs(f'{out}/stint'); open(f'{out}/stint/part-00000.safetensors', 'wb').write(",
      "    struct.pack('<Q', len(h)) + h + bytes(32))",
      "os.makedirs(f'{out}/empty')");

  @TempDir
  static Path dir;

  /** The exit code, stdout and stderr of one in-process run. */

  @BeforeAll
  static void generate() throws Exception {
    SparkTestSession.get();
    Python.run(NUMPY, dir.toString());
  }

  static CliRun run(String... args) {
    List<String> a = new ArrayList<>(List.of("ingest"));
    a.addAll(List.of(args));
    return main(a);
  }

  static CliRun main(List<String> a) {
    return CliRun.of(a);
  }

  /** Exit 2, one error line holding every fragment, and no output (nor a temporary one) left behind. */
  static void assertBad(String input, String... fragments) throws Exception {
    Path out = dir.resolve("out-" + input);
    CliRun r = run("--input", dir.resolve(input).toString(), "--output", out.toString());
    assertEquals(2, r.code(), () -> "exit code; stderr:\n" + r.err());
    List<String> errors = r.err().lines().filter(l -> l.startsWith("nncompress: error: ")).toList();
    assertEquals(1, errors.size(), r.err());
    for (String f : fragments) {
      assertTrue(errors.get(0).contains(f), () -> "the error should name '" + f + "':\n" + errors.get(0));
    }
    assertFalse(Files.exists(out), "no output after a failure");
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".out-")).toList(),
          "no temporary output left behind");
    }
  }

  static String file(String layer, String name) {
    return dir.resolve(layer).resolve(name).toString();
  }

  @Test
  void int64IsRejectedNamingTheDtype() throws Exception {
    assertBad("int64", "File " + file("int64", "part-00000.npy"), "dtype int64 ('<i8') is not supported");
  }

  @Test
  void fortranOrderIsRejected() throws Exception {
    assertBad("fortran", "File " + file("fortran", "part-00000.npy"), "Fortran-order");
  }

  @Test
  void threeDimensionsAreRejected() throws Exception {
    assertBad("threed", "File " + file("threed", "part-00000.npy"), "shape (2, 3, 4), not 2-D");
  }

  @Test
  void differentDNamesBothFilesAndBothD() throws Exception {
    assertBad("dmismatch", "file " + file("dmismatch", "part-00001.npy") + " has d = 6",
        "file " + file("dmismatch", "part-00000.npy") + " has d = 4");
  }

  @Test
  void truncatedFileNamesExpectedAndActualBytes() throws Exception {
    // 10 x 4 float32 = 160 bytes of data after numpy's 128-byte header; 7 bytes cut
    assertBad("truncated", "File " + file("truncated", "part-00000.npy") + " is truncated",
        "needs 160 bytes of data after byte 128, the file has 153");
  }

  @Test
  void badMagicIsNotANpyFile() throws Exception {
    assertBad("badmagic", "File " + file("badmagic", "part-00000.npy") + " is not a .npy file");
  }

  @Test
  void nanAndInfinityNameFileAndRow() throws Exception {
    assertBad("nan", "File " + file("nan", "part-00001.npy") + ", row 3: value NaN at index 1 is not finite");
    assertBad("inf", "File " + file("inf", "part-00000.npy") + ", row 5: value Infinity at index 2 is not finite");
  }

  @Test
  void safetensorsIntegerTensorIsRejected() throws Exception {
    assertBad("stint", "File " + file("stint", "part-00000.safetensors") + ", tensor 't': dtype I64 is not supported");
  }

  @Test
  void emptyOrMissingInput() throws Exception {
    assertBad("empty", "Input folder " + dir.resolve("empty") + " is empty");
    assertBad("missing", "Input " + dir.resolve("missing") + " does not exist");
  }

  @Test
  void summaryValidateOnlyAndOverwrite() throws Exception {
    Path out = dir.resolve("good-out");
    String in = dir.resolve("good").toString();
    CliRun v = run("--input", in, "--output", out.toString(), "--validate-only");
    assertEquals(0, v.code(), v.err());
    assertTrue(v.out().endsWith("valid\n"), v.out());
    assertFalse(Files.exists(out), "validation writes nothing");

    CliRun r = run("--input", in, "--output", out.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().matches("(?s).*fc\\s+14\\s+3\\s+2\\s+float32\n.*"), r.out());
    assertTrue(r.out().contains("  --layer name=fc,dataset=" + out + "/fc,column=input\n"), r.out());
    // the printed --layer argument is what autocorr takes
    CliRun a = main(List.of("autocorr", "--layer", "name=fc,dataset=" + out + "/fc,column=input", "--output",
        dir.resolve("stats").toString()));
    assertEquals(0, a.code(), a.err());
    assertTrue(a.out().matches("(?s).*fc\\s+binary\\s+3\\s+14\\s+14.*"), a.out());

    CliRun again = run("--input", in, "--output", out.toString());
    assertEquals(2, again.code());
    assertTrue(again.err().contains("Output " + out + " already exists; pass --overwrite"), again.err());
    assertEquals(0, run("--input", in, "--output", out.toString(), "--overwrite").code());

    // one layer's folder as the input: the layer is named after the folder
    CliRun one = run("--input", dir.resolve("good/fc").toString(), "--output", dir.resolve("one").toString());
    assertEquals(0, one.code(), one.err());
    assertTrue(Files.isDirectory(dir.resolve("one/fc")), one.out());
  }
}
