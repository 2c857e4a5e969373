package io.nncompress.format.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
  @TempDir
  Path dir;

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = SafetensorsTest.class.getResourceAsStream("/golden/" + name)) {
      return in.readAllBytes();
    }
  }

  private Path file(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  /** The tensors make_golden.py writes to golden_write.safetensors, rebuilt with the same formulas. */
  private static Map<String, Tensor> goldenWriteTensors() {
    double[] w = new double[12];
    for (int k = 0; k < 12; k++) {
      w[k] = k / 3.0 - 1.0;
    }
    double[] d = new double[6];
    for (int k = 0; k < 6; k++) {
      d[k] = k / 7.0;
    }
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("fc.weight", Tensor.f32(w, 3, 4));
    t.put("fc.bias", Tensor.f32(new double[] {0.1, -0.2, 0.3}, 3));
    t.put("stats.mean", new Tensor(SafetensorsDtype.F64, new long[] {2, 3}, d));
    t.put("scalar", Tensor.f32(new double[] {2.5}));
    return t;
  }

  @Test
  void writerReproducesTheBytesOfTheIndependentPythonWriter() throws IOException {
    byte[] expected = resource("golden_write.safetensors");
    Map<String, String> meta = Map.of("producer", "make_golden.py", "format", "pt");
    assertArrayEquals(expected, SafetensorsWriter.toBytes(goldenWriteTensors(), meta));
    Path p = dir.resolve("sub/out.safetensors");
    SafetensorsWriter.write(p, goldenWriteTensors(), meta);
    assertArrayEquals(expected, Files.readAllBytes(p));
    try (var s = Files.list(p.getParent())) {
      assertEquals(1, s.count(), "no temporary file left behind");
    }
  }

  @Test
  void readsTheGoldenWriteFileBack() throws IOException {
    SafetensorsFile f = SafetensorsReader.read(file("w.safetensors", resource("golden_write.safetensors")));
    assertEquals(Map.of("producer", "make_golden.py", "format", "pt"), f.metadata());
    Map<String, Tensor> want = goldenWriteTensors();
    for (Map.Entry<String, Tensor> e : want.entrySet()) {
      Tensor got = f.get(e.getKey());
      assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
      double[] v = e.getValue().values().clone();
      if (got.dtype == SafetensorsDtype.F32) {
        for (int k = 0; k < v.length; k++) {
          v[k] = (float) v[k];
        }
      }
      assertArrayEquals(v, got.values(), e.getKey());
    }
    assertEquals(3.0 / 3.0 - 1.0 + 1.0 / 3.0 - 0.0, f.get("fc.weight").toMatrix().get(1, 0), 1e-6);
  }

  @Test
  void readsEveryDtypeExactlyAsNumpyDoes() throws IOException {
    SafetensorsFile f = SafetensorsReader.read(file("r.safetensors", resource("golden_read.safetensors")));
    JsonNode expected = new ObjectMapper().readTree(resource("golden_read_expected.json"));
    assertEquals(8, f.tensors().size());
    for (Map.Entry<String, JsonNode> e : expected.properties()) {
      Tensor t = f.get(e.getKey());
      long[] shape = new long[e.getValue().get("shape").size()];
      for (int k = 0; k < shape.length; k++) {
        shape[k] = e.getValue().get("shape").get(k).longValue();
      }
      assertArrayEquals(shape, t.shape(), e.getKey());
      JsonNode vs = e.getValue().get("values");
      double[] want = new double[vs.size()];
      for (int k = 0; k < want.length; k++) {
        want[k] = vs.get(k).isTextual() ? Double.parseDouble(vs.get(k).textValue().replace("inf", "Infinity"))
            : vs.get(k).doubleValue();
      }
      assertArrayEquals(want, t.values(), e.getKey()); // exact, including -0.0 and the F16 subnormal
    }
    assertEquals(SafetensorsDtype.F16, f.get("half").dtype);
    assertEquals(SafetensorsDtype.BF16, f.get("brain").dtype);
  }

  /** A tensor read is written back with its own dtype and bytes (a layer map copies such tensors through). */
  @Test
  void everyDtypeReadIsWrittenBackByteForByte() throws IOException {
    byte[] golden = resource("golden_read.safetensors");
    SafetensorsFile f = SafetensorsReader.read(file("r.safetensors", golden));
    assertArrayEquals(golden, SafetensorsWriter.toBytes(f.tensors(), f.metadata()));
  }

  @Test
  void floatToHalfRoundsToNearestEven() {
    assertEquals((short) 0x3c00, SafetensorsDtype.floatToHalf(1.0f));
    assertEquals((short) 0xc000, SafetensorsDtype.floatToHalf(-2.0f));
    assertEquals((short) 0x7bff, SafetensorsDtype.floatToHalf(65504f));
    assertEquals((short) 0x7c00, SafetensorsDtype.floatToHalf(65520f)); // halfway to 2^16: rounds up to infinity
    assertEquals((short) 0x7bff, SafetensorsDtype.floatToHalf(65519.996f));
    assertEquals((short) 0x3c00, SafetensorsDtype.floatToHalf(1 + 0x1p-11f)); // tie: to even 1.0
    assertEquals((short) 0x3c02, SafetensorsDtype.floatToHalf(1 + 3 * 0x1p-11f)); // tie: to even 1 + 2^-9
    assertEquals((short) 0x3c01, SafetensorsDtype.floatToHalf(1 + 0x1p-11f + 0x1p-20f)); // above the tie
    assertEquals((short) 0x0001, SafetensorsDtype.floatToHalf(0x1p-24f)); // smallest subnormal
    assertEquals((short) 0x0000, SafetensorsDtype.floatToHalf(0x1p-25f)); // tie: to even 0
    assertEquals((short) 0x0001, SafetensorsDtype.floatToHalf(0x1.8p-25f));
    assertEquals((short) 0x0002, SafetensorsDtype.floatToHalf(0x3p-25f)); // tie between 1 and 2 units: 2
    assertEquals((short) 0x0400, SafetensorsDtype.floatToHalf(0x3ff.8p-24f)); // rounds up into the normals
    assertEquals((short) 0x8000, SafetensorsDtype.floatToHalf(-0x1p-30f));
    assertEquals((short) 0xfc00, SafetensorsDtype.floatToHalf(Float.NEGATIVE_INFINITY));
    assertTrue(Float.isNaN(SafetensorsDtype.halfToFloat(SafetensorsDtype.floatToHalf(Float.NaN))));
    // every half but NaN comes back from its float
    for (int h = 0; h < 0x10000; h++) {
      float v = SafetensorsDtype.halfToFloat((short) h);
      if (!Float.isNaN(v)) {
        assertEquals((short) h, SafetensorsDtype.floatToHalf(v), "half 0x" + Integer.toHexString(h));
      }
    }
    // bfloat16: the top 16 bits of the float, rounded to nearest even
    assertEquals((short) 0x3f80, SafetensorsDtype.floatToBfloat16(1.0f));
    assertEquals((short) 0x3f80, SafetensorsDtype.floatToBfloat16(1 + 0x1p-8f)); // tie: to even
    assertEquals((short) 0x3f82, SafetensorsDtype.floatToBfloat16(1 + 3 * 0x1p-8f)); // tie: to even
    assertEquals((short) 0x3f81, SafetensorsDtype.floatToBfloat16(1 + 0x1p-8f + 0x1p-20f));
    assertEquals((short) 0x7f80, SafetensorsDtype.floatToBfloat16(Float.MAX_VALUE));
    assertTrue(Float.isNaN(Float.intBitsToFloat(SafetensorsDtype.floatToBfloat16(Float.NaN) << 16)));
  }

  @Test
  void anIntegerTensorTakesOnlyWholeNumbersInItsRangeAndNamesTheFirstOther() {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("counts", new Tensor(SafetensorsDtype.I64, new long[] {3}, new double[] {1, -0x1p53, 2.5}));
    Exception e = assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.toBytes(t, Map.of()));
    assertEquals("tensor 'counts': I64 holds whole numbers in [-9223372036854775808, 2^63), cannot hold the value "
        + "2.5 at flat index 2", e.getMessage());
    t.put("counts", new Tensor(SafetensorsDtype.U8, new long[] {2}, new double[] {255, 256}));
    e = assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.toBytes(t, Map.of()));
    assertEquals("tensor 'counts': U8 holds whole numbers in [0, 256), cannot hold the value 256.0 at flat index 1",
        e.getMessage());
    t.put("counts", new Tensor(SafetensorsDtype.BOOL, new long[] {2}, new double[] {1, 2}));
    e = assertThrows(IllegalArgumentException.class, () -> SafetensorsWriter.toBytes(t, Map.of()));
    assertEquals("tensor 'counts': BOOL holds 0 or 1, cannot hold the value 2.0 at flat index 1", e.getMessage());
    // each type's extremes are written as its bytes
    t.clear();
    t.put("a", new Tensor(SafetensorsDtype.U64, new long[] {2}, new double[] {0x1p63, 0x1p53}));
    t.put("b", new Tensor(SafetensorsDtype.I32, new long[] {2}, new double[] {-0x1p31, 0x1p31 - 1}));
    t.put("c", new Tensor(SafetensorsDtype.U16, new long[] {1}, new double[] {65535}));
    t.put("d", new Tensor(SafetensorsDtype.I8, new long[] {2}, new double[] {-128, 127}));
    byte[] bytes = SafetensorsWriter.toBytes(t, Map.of());
    ByteBuffer data = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    data.position(8 + (int) data.getLong(0));
    assertEquals(Long.MIN_VALUE, data.getLong()); // 2^63 as unsigned
    assertEquals(1L << 53, data.getLong());
    assertEquals(Integer.MIN_VALUE, data.getInt());
    assertEquals(Integer.MAX_VALUE, data.getInt());
    assertEquals((short) 0xffff, data.getShort());
    assertEquals((byte) -128, data.get());
    assertEquals((byte) 127, data.get());
  }

  @Test
  void anI64BeyondTwoToThe53IsRejectedNamingItsIndex() throws IOException {
    String header = "{\"n\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}";
    byte[] bytes = build(header, 16);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(bytes.length - 16, (1L << 53));
    b.putLong(bytes.length - 8, (1L << 53) + 1);
    Path p = file("big.safetensors", bytes);
    SafetensorsException ex = assertThrows(SafetensorsException.class, () -> SafetensorsReader.read(p));
    assertMessage(ex, p, "'n'", "I64 value 9007199254740993 at flat index 1 is beyond 2^53");
    b.putLong(bytes.length - 8, -(1L << 53));
    Files.write(p, bytes);
    assertArrayEquals(new double[] {0x1p53, -0x1p53}, SafetensorsReader.read(p).get("n").values());
  }

  @Test
  void halfToFloatMatchesHandComputedValues() {
    assertEquals(1.0f, SafetensorsDtype.halfToFloat((short) 0x3c00));
    assertEquals(-2.0f, SafetensorsDtype.halfToFloat((short) 0xc000));
    assertEquals(65504f, SafetensorsDtype.halfToFloat((short) 0x7bff));
    assertEquals(0x1p-24f, SafetensorsDtype.halfToFloat((short) 0x0001)); // smallest subnormal
    assertEquals(0x3ffp-24f, SafetensorsDtype.halfToFloat((short) 0x03ff)); // largest subnormal
    assertEquals(0x1p-14f, SafetensorsDtype.halfToFloat((short) 0x0400)); // smallest normal
    assertEquals(Float.NEGATIVE_INFINITY, SafetensorsDtype.halfToFloat((short) 0xfc00));
    assertTrue(Float.isNaN(SafetensorsDtype.halfToFloat((short) 0x7e00)));
    assertEquals(Float.floatToIntBits(-0.0f), Float.floatToIntBits(SafetensorsDtype.halfToFloat((short) 0x8000)));
  }

  @Test
  void roundTripsAndSelectsTensors() throws IOException {
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("b", Tensor.f32(new double[] {1, 2, 3, 4, 5, 6}, 2, 3));
    t.put("a", Tensor.f32(new double[] {-1}, 1));
    double[] big = new double[3 * 65536 + 5]; // written in several chunks
    for (int k = 0; k < big.length; k++) {
      big[k] = k % 1000 - 0.5;
    }
    t.put("big", new Tensor(SafetensorsDtype.F64, new long[] {big.length}, big));
    Path p = dir.resolve("rt.safetensors");
    SafetensorsWriter.write(p, t, Map.of());
    SafetensorsFile back = SafetensorsReader.read(p);
    assertEquals(t.get("b"), back.get("b"));
    assertEquals(t.get("big"), back.get("big"));
    assertEquals(Set.of("a", "b", "big"), back.names());
    assertEquals(Set.of("a"), SafetensorsReader.read(p, Set.of("a")).names());
    assertArrayEquals(new long[] {2, 3}, SafetensorsReader.shapes(p).get("b"));
    long headerBytes = java.nio.ByteBuffer.wrap(Files.readAllBytes(p), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerBytes % 8, "header padded to 8 bytes");
    assertEquals(8 + headerBytes + 8L * big.length + 4 * 7, Files.size(p));
    SafetensorsException ex = assertThrows(SafetensorsException.class, () -> SafetensorsReader.read(p, Set.of("c")));
    assertMessage(ex, p, "'c'", "missing");
  }

  // --- bad input: each error names the file and the tensor ---

  private static byte[] build(String header, int dataBytes) {
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h);
    return b.array();
  }

  private static void assertMessage(Exception ex, Path p, String... parts) {
    assertTrue(ex.getMessage().contains(p.toString()), ex.getMessage());
    for (String s : parts) {
      assertTrue(ex.getMessage().contains(s), "'" + s + "' not in: " + ex.getMessage());
    }
  }

  private SafetensorsException fails(String name, byte[] bytes) throws IOException {
    Path p = file(name, bytes);
    return assertThrows(SafetensorsException.class, () -> SafetensorsReader.read(p));
  }

  @Test
  void rejectsTruncatedFile() throws IOException {
    byte[] good = resource("golden_write.safetensors");
    Path p = dir.resolve("t.safetensors");
    SafetensorsException ex = fails("t.safetensors", Arrays.copyOf(good, good.length - 4));
    assertMessage(ex, p, "'scalar'", "truncated");
    assertMessage(fails("t.safetensors", new byte[5]), p, "truncated");
  }

  @Test
  void aMissingFileOrADirectoryIsNamedAsSuch() throws IOException {
    Path missing = dir.resolve("no.safetensors");
    // before: the message was the path alone ("/tmp/.../no.safetensors"), a directory's "Is a directory"
    assertMessage(assertThrows(SafetensorsException.class, () -> SafetensorsReader.read(missing)), missing,
        "does not exist");
    assertMessage(assertThrows(SafetensorsException.class, () -> SafetensorsReader.checkFinite(missing)), missing,
        "does not exist");
    assertMessage(assertThrows(SafetensorsException.class, () -> SafetensorsReader.read(dir)), dir,
        "is a directory, not a safetensors file");
  }

  @Test
  void rejectsHeaderLengthBeyondTheFile() throws IOException {
    byte[] b = resource("golden_write.safetensors");
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, b.length);
    assertMessage(fails("h.safetensors", b), dir.resolve("h.safetensors"), "header length", "beyond");
    ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L); // 2^64 - 1 unsigned
    assertMessage(fails("h.safetensors", b), dir.resolve("h.safetensors"), "18446744073709551615");
  }

  @Test
  void rejectsBadJson() throws IOException {
    Path p = dir.resolve("j.safetensors");
    assertMessage(fails("j.safetensors", build("{\"a\": {\"dtype\": \"F32\"", 0)), p, "not valid JSON");
    assertMessage(fails("j.safetensors", build("[1, 2]", 0)), p, "JSON object");
    assertMessage(fails("j.safetensors",
        build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8)), p, "not valid JSON", "Duplicate field 'a'");
  }

  @Test
  void rejectsUnknownDtype() throws IOException {
    Path p = dir.resolve("d.safetensors");
    SafetensorsException ex = fails("d.safetensors",
        build("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1));
    assertMessage(ex, p, "'w'", "unsupported dtype 'F8_E4M3'");
  }

  @Test
  void rejectsOffsetsThatDoNotMatchTheShape() throws IOException {
    Path p = dir.resolve("o.safetensors");
    assertMessage(fails("o.safetensors",
        build("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", 20)), p, "'w'", "needs 24");
    assertMessage(fails("o.safetensors",
        build("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12)), p, "'v'", "overlap", "'w'");
    assertMessage(fails("o.safetensors",
        build("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 12)), p, "'v'", "beyond");
    assertMessage(fails("o.safetensors",
        build("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12)), p, "'w'", "gap");
    assertMessage(fails("o.safetensors",
        build("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", 8)), p, "'w'", "'x'");
    assertMessage(fails("o.safetensors",
        build("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8)), p, "'w'", "shape");
  }

  // issue 17, item 2: NaN and infinite weights were accepted silently
  @Test
  void nonFiniteValuesAreRejectedNamingFileTensorAndFlatIndex() throws IOException {
    double[] w = new double[6 * 4];
    for (int i = 0; i < w.length; i++) {
      w[i] = 0.1 * i;
    }
    w[17] = Double.NaN; // row 4, column 1
    double[] b = {1, 2, Double.POSITIVE_INFINITY, 4, 5, 6};
    Map<String, Tensor> t = new LinkedHashMap<>();
    t.put("fc.weight", Tensor.f32(w, 6, 4));
    t.put("fc.bias", Tensor.f32(b, 6));
    Path p = dir.resolve("nan.safetensors");
    SafetensorsWriter.write(p, t, Map.of());

    // a network loading them names the file, the tensor and the flat index
    io.nncompress.model.ArchitectureSpec spec = io.nncompress.model.ArchitectureSpec.parse("s.yaml",
        "input: [4]\nlayers:\n  - {name: fc, type: dense, units: 6}\n");
    Path specFile = dir.resolve("s.yaml");
    spec.write(specFile);
    assertMessage(assertThrows(SafetensorsException.class, () -> io.nncompress.model.Network.load(specFile, p)), p,
        "tensor 'fc.bias'", "value Infinity at flat index 2 is not finite");
    t.put("fc.bias", Tensor.f32(new double[] {1, 2, 3, 4, 5, 6}, 6));
    SafetensorsWriter.write(p, t, Map.of());
    assertMessage(assertThrows(SafetensorsException.class, () -> io.nncompress.model.Network.load(specFile, p)), p,
        "tensor 'fc.weight'", "value NaN at flat index 17 is not finite");
    assertMessage(assertThrows(SafetensorsException.class, () -> io.nncompress.model.Network.load(specFile, p,
        Set.of())), p, "tensor 'fc.weight'", "value NaN at flat index 17");
    // the reader itself reads any value (safetensors files may hold infinities)
    assertTrue(Double.isNaN(SafetensorsReader.read(p, Set.of("fc.weight")).get("fc.weight").values()[17]));
    // the whole file, in chunks (what --validate-only checks): the first bad tensor in the file
    Exception all = assertThrows(SafetensorsException.class, () -> SafetensorsReader.checkFinite(p));
    assertTrue(all.getMessage().contains(p.toString()) && all.getMessage().contains("at flat index"),
        all.getMessage());
    // a weight left on file: checked when its rows are read, the index is the file's flat index
    SafetensorsSlice slice = SafetensorsReader.slice(p, "fc.weight");
    assertEquals(4, slice.rows(0, 4).length / 4); // rows 0..3 are finite
    Exception e = assertThrows(java.io.UncheckedIOException.class, () -> slice.rows(3, 6));
    assertTrue(e.getMessage().contains("tensor 'fc.weight'") && e.getMessage().contains("flat index 17")
        && e.getMessage().contains(p.toString()), e.getMessage());
    SafetensorsSlice picked = slice.selectRows(new int[] {5, 4});
    Exception e2 = assertThrows(java.io.UncheckedIOException.class, () -> picked.rows(0, 2));
    assertTrue(e2.getMessage().contains("flat index 17"), e2.getMessage());
  }
}
