package io.nncompress.format.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.DeserializationFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads safetensors files (layout in {@link SafetensorsFile}) and validates them strictly before
 * reading any tensor data: header length within the file, valid JSON, known dtype, offsets equal
 * to shape x dtype size, tensors tiling the buffer without overlap or gap, buffer complete. Every
 * error is a {@link SafetensorsException} naming the file and the tensor.
 */
public final class SafetensorsReader {
  private static final ObjectMapper JSON = new ObjectMapper()
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private SafetensorsReader() {}

  private static volatile java.util.function.BiConsumer<String, String> readListener;

  /**
   * Sets a listener called with (file, tensor name) in the reading thread before the data of a
   * tensor is read from a file ({@link #read(Path)}, {@link #read(Path, java.util.Set)},
   * {@link SafetensorsSlice#rows}): an audit of which process reads which tensor. A listener that
   * throws stops the read. Returns the previous listener (null: none).
   */
  public static java.util.function.BiConsumer<String, String> onTensorRead(
      java.util.function.BiConsumer<String, String> listener) {
    java.util.function.BiConsumer<String, String> previous = readListener;
    readListener = listener;
    return previous;
  }

  static void notifyRead(String file, String tensor) {
    java.util.function.BiConsumer<String, String> l = readListener;
    if (l != null) {
      l.accept(file, tensor);
    }
  }

  /** One header entry, validated against its dtype and shape. */
  static final class Entry {
    final String name;
    final SafetensorsDtype dtype;
    final long[] shape;
    final long begin;
    final long end;

    Entry(String name, SafetensorsDtype dtype, long[] shape, long begin, long end) {
      this.name = name;
      this.dtype = dtype;
      this.shape = shape;
      this.begin = begin;
      this.end = end;
    }
  }

  /** Positional reads from a file or an array. */
  private interface Source extends java.io.Closeable {
    long size() throws IOException;

    /** Reads into dst from byte {@code position}; -1 at the end. */
    int read(ByteBuffer dst, long position) throws IOException;
  }

  /**
   * The file opened for reading; a missing file, a directory or one that may not be read is named as
   * such (the JDK's messages are the path alone, or "Is a directory" at the first read).
   */
  static FileChannel openChannel(Path file) throws IOException {
    if (java.nio.file.Files.isDirectory(file)) {
      throw new SafetensorsException(file, null, "is a directory, not a safetensors file");
    }
    try {
      return FileChannel.open(file, StandardOpenOption.READ);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new SafetensorsException(file.toString(), null, "the file does not exist", e);
    } catch (java.nio.file.AccessDeniedException e) {
      throw new SafetensorsException(file.toString(), null, "permission denied", e);
    }
  }

  private static Source open(Path file) throws IOException {
    FileChannel ch = openChannel(file);
    return new Source() {
      @Override
      public long size() throws IOException {
        return ch.size();
      }

      @Override
      public int read(ByteBuffer dst, long position) throws IOException {
        return ch.read(dst, position);
      }

      @Override
      public void close() throws IOException {
        ch.close();
      }
    };
  }

  private static Source wrap(byte[] bytes) {
    return new Source() {
      @Override
      public long size() {
        return bytes.length;
      }

      @Override
      public int read(ByteBuffer dst, long position) {
        if (position >= bytes.length) {
          return -1;
        }
        int n = (int) Math.min(dst.remaining(), bytes.length - position);
        dst.put(bytes, (int) position, n);
        return n;
      }

      @Override
      public void close() {}
    };
  }

  /** Reads every tensor of {@code file}. */
  public static SafetensorsFile read(Path file) throws IOException {
    return read(file, null);
  }

  /** Reads the tensors of {@code file} named in {@code only} (all when null); the whole header is validated. */
  public static SafetensorsFile read(Path file, java.util.Set<String> only) throws IOException {
    try (Source ch = open(file)) {
      return read(file.toString(), ch, only, true);
    }
  }

  /**
   * The tensor {@code name} of {@code file} left on file: the header is validated, no tensor data
   * is read. Errors name the file and the tensor.
   */
  public static SafetensorsSlice slice(Path file, String name) throws IOException {
    try (Source ch = open(file)) {
      long size = ch.size();
      List<Entry> entries = readHeader(file.toString(), ch, size, new LinkedHashMap<>());
      long dataStart = PREFIX + headerLength(file.toString(), ch, size);
      for (Entry e : entries) {
        if (e.name.equals(name)) {
          if (e.shape.length == 0) {
            throw new SafetensorsException(file.toString(), name, "a scalar tensor cannot be left on file by rows");
          }
          return SafetensorsSlice.of(file, name, e.dtype, e.shape, dataStart + e.begin);
        }
      }
      throw new SafetensorsException(file.toString(), name, "tensor is missing; the file has: " + names(entries));
    }
  }

  /** Reads every tensor of the safetensors bytes {@code bytes}; errors name {@code source}. */
  public static SafetensorsFile read(byte[] bytes, String source) throws IOException {
    return read(source, wrap(bytes), null, false);
  }

  private static SafetensorsFile read(String file, Source ch, java.util.Set<String> only, boolean fromFile)
      throws IOException {
    long fileSize = ch.size();
    Map<String, String> metadata = new LinkedHashMap<>();
    List<Entry> entries = readHeader(file, ch, fileSize, metadata);
    long dataStart = PREFIX + headerLength(file, ch, fileSize);
    Map<String, Tensor> tensors = new TreeMap<>();
    for (Entry e : entries) {
      if (only != null && !only.contains(e.name)) {
        continue;
      }
      if (fromFile) {
        notifyRead(file, e.name);
      }
      int n = (int) ((e.end - e.begin) / e.dtype.size);
      ByteBuffer buf = ByteBuffer.allocate((int) (e.end - e.begin)).order(ByteOrder.LITTLE_ENDIAN);
      readFully(file, e.name, ch, buf, dataStart + e.begin);
      buf.flip();
      long inexact = e.dtype.firstInexact(buf, n);
      if (inexact >= 0) {
        throw new SafetensorsException(file, e.name, e.dtype + " value " + buf.getLong((int) inexact * 8)
            + " at flat index " + inexact + " is beyond 2^53, which nncompress cannot carry exactly");
      }
      double[] v = new double[n];
      e.dtype.decode(buf, v);
      tensors.put(e.name, new Tensor(e.dtype, e.shape, v));
    }
    if (only != null) {
      for (String name : only) {
        if (!tensors.containsKey(name)) {
          throw new SafetensorsException(file, name, "tensor is missing; the file has: " + names(entries));
        }
      }
    }
    return new SafetensorsFile(tensors, metadata);
  }

  /**
   * Rejects a NaN or infinite value of a network's weight: a network computes nothing meaningful from
   * it (and a compression run would silently report a wrong accuracy). The reader itself reads any
   * value (safetensors files may hold infinities); networks check what they load (Network.load) and
   * the rows of weights left on file ({@link SafetensorsSlice#rows}). The error names the file, the tensor and the flat
   * (row-major) index {@code firstIndex + i} of the first such value.
   */
  public static void requireFinite(String file, String tensor, double[] v, long firstIndex)
      throws SafetensorsException {
    for (int i = 0; i < v.length; i++) {
      if (!Double.isFinite(v[i])) {
        throw new SafetensorsException(file, tensor, "value " + v[i] + " at flat index " + (firstIndex + i)
            + " is not finite; weights must be finite numbers");
      }
    }
  }

  /**
   * Checks every value of every tensor of {@code file} is finite, reading the data in chunks of at
   * most 8 MiB (for weights that are otherwise left on file); the error names the file, the tensor
   * and the flat index of the first NaN or infinity.
   */
  public static void checkFinite(Path file) throws IOException {
    try (Source ch = open(file)) {
      long size = ch.size();
      List<Entry> entries = readHeader(file.toString(), ch, size, new LinkedHashMap<>());
      long dataStart = PREFIX + headerLength(file.toString(), ch, size);
      for (Entry e : entries) {
        long chunk = Math.max(1, (8L << 20) / e.dtype.size) * e.dtype.size;
        for (long at = e.begin; at < e.end; at += chunk) {
          int bytes = (int) Math.min(chunk, e.end - at);
          ByteBuffer buf = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
          readFully(file.toString(), e.name, ch, buf, dataStart + at);
          buf.flip();
          double[] v = new double[bytes / e.dtype.size];
          e.dtype.decode(buf, v);
          requireFinite(file.toString(), e.name, v, (at - e.begin) / e.dtype.size);
        }
      }
    }
  }

  /** The names and shapes in the header of {@code file}, without reading tensor data. */
  public static Map<String, long[]> shapes(Path file) throws IOException {
    try (Source ch = open(file)) {
      Map<String, long[]> out = new TreeMap<>();
      for (Entry e : readHeader(file.toString(), ch, ch.size(), new LinkedHashMap<>())) {
        out.put(e.name, e.shape);
      }
      return out;
    }
  }

  private static final int PREFIX = SafetensorsFile.PREFIX_BYTES;

  private static long headerLength(String file, Source ch, long fileSize) throws IOException {
    if (fileSize < PREFIX) {
      throw new SafetensorsException(file, null,
          "truncated: " + fileSize + " bytes, shorter than the " + PREFIX + "-byte header length");
    }
    ByteBuffer b = ByteBuffer.allocate(PREFIX).order(ByteOrder.LITTLE_ENDIAN);
    readFully(file, null, ch, b, 0);
    long n = b.getLong(0);
    if (n < 0 || n > fileSize - PREFIX) {
      throw new SafetensorsException(file, null, "header length " + Long.toUnsignedString(n)
          + " goes beyond the end of the file (" + fileSize + " bytes); not a safetensors file or truncated");
    }
    if (n > SafetensorsFile.MAX_HEADER_BYTES) {
      throw new SafetensorsException(file, null,
          "header length " + n + " is over the limit of " + SafetensorsFile.MAX_HEADER_BYTES + " bytes");
    }
    return n;
  }

  static List<Entry> readHeader(String file, Source ch, long fileSize, Map<String, String> metadataOut)
      throws IOException {
    long n = headerLength(file, ch, fileSize);
    ByteBuffer hb = ByteBuffer.allocate((int) n);
    readFully(file, null, ch, hb, PREFIX);
    String text = new String(hb.array(), StandardCharsets.UTF_8);
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException ex) {
      throw new SafetensorsException(file, null, "header is not valid JSON: " + ex.getOriginalMessage(), ex);
    }
    if (root == null || !root.isObject()) {
      throw new SafetensorsException(file, null, "header must be a JSON object, found: "
          + (root == null ? "nothing" : root.getNodeType()));
    }
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<String, JsonNode> f : root.properties()) {
      String name = f.getKey();
      JsonNode node = f.getValue();
      if (SafetensorsFile.METADATA_KEY.equals(name)) {
        readMetadata(file, node, metadataOut);
      } else {
        entries.add(entry(file, name, node));
      }
    }
    checkTiling(file, entries, fileSize - PREFIX - n);
    return entries;
  }

  private static void readMetadata(String file, JsonNode node, Map<String, String> out) throws SafetensorsException {
    if (!node.isObject()) {
      throw new SafetensorsException(file, null, "__metadata__ must be an object of strings, found: " + node.getNodeType());
    }
    for (Map.Entry<String, JsonNode> m : node.properties()) {
      if (!m.getValue().isTextual()) {
        throw new SafetensorsException(file, null,
            "__metadata__ value of '" + m.getKey() + "' must be a string, found: " + m.getValue().getNodeType());
      }
      out.put(m.getKey(), m.getValue().textValue());
    }
  }

  private static Entry entry(String file, String name, JsonNode node) throws SafetensorsException {
    if (!node.isObject()) {
      throw new SafetensorsException(file, name, "header entry must be an object, found: " + node.getNodeType());
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
        throw new SafetensorsException(file, name, "unknown key '" + key + "' (expected dtype, shape, data_offsets)");
      }
    }
    JsonNode dt = node.get("dtype");
    if (dt == null || !dt.isTextual()) {
      throw new SafetensorsException(file, name, "dtype must be a string, found: " + dt);
    }
    SafetensorsDtype dtype = SafetensorsDtype.parse(dt.textValue());
    if (dtype == null) {
      throw new SafetensorsException(file, name, "unsupported dtype '" + dt.textValue() + "'; nncompress reads "
          + Arrays.toString(SafetensorsDtype.values()));
    }
    long[] shape = longs(file, name, node.get("shape"), "shape", -1);
    long[] off = longs(file, name, node.get("data_offsets"), "data_offsets", 2);
    long count = Tensor.elementCount(shape);
    if (count < 0 || count > Integer.MAX_VALUE - 8) {
      throw new SafetensorsException(file, name, "shape " + Arrays.toString(shape) + " is too large for one array");
    }
    if (off[1] < off[0]) {
      throw new SafetensorsException(file, name, "data_offsets " + Arrays.toString(off) + " end before they begin");
    }
    long bytes = count * dtype.size;
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new SafetensorsException(file, name, dtype + Arrays.toString(shape) + " has " + bytes
          + " bytes, over the 2 GB that one tensor may hold here");
    }
    if (off[1] - off[0] != bytes) {
      throw new SafetensorsException(file, name, "data_offsets " + Arrays.toString(off) + " span " + (off[1] - off[0])
          + " bytes, but " + dtype + Arrays.toString(shape) + " needs " + bytes);
    }
    return new Entry(name, dtype, shape, off[0], off[1]);
  }

  private static long[] longs(String file, String name, JsonNode node, String key, int length)
      throws SafetensorsException {
    if (node == null || !node.isArray() || (length >= 0 && node.size() != length)) {
      throw new SafetensorsException(file, name, key + " must be an array of "
          + (length >= 0 ? length + " " : "") + "non-negative integers, found: " + node);
    }
    long[] out = new long[node.size()];
    for (int k = 0; k < out.length; k++) {
      JsonNode v = node.get(k);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        throw new SafetensorsException(file, name, key + " must hold non-negative integers, found: " + node);
      }
      out[k] = v.longValue();
    }
    return out;
  }

  /** The tensors, sorted by offset, must tile [0, bufferSize) exactly: no overlap, no gap, nothing missing. */
  private static void checkTiling(String file, List<Entry> entries, long bufferSize) throws SafetensorsException {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.<Entry>comparingLong(e -> e.begin).thenComparingLong(e -> e.end));
    long pos = 0;
    String prev = null;
    for (Entry e : sorted) {
      if (e.begin < pos) {
        throw new SafetensorsException(file, e.name, "data_offsets [" + e.begin + ", " + e.end
            + "] overlap tensor '" + prev + "' which ends at " + pos);
      }
      if (e.begin > pos) {
        throw new SafetensorsException(file, e.name, "data_offsets [" + e.begin + ", " + e.end
            + "] leave a gap after byte " + pos + (prev == null ? "" : " (end of tensor '" + prev + "')"));
      }
      if (e.end > bufferSize) {
        throw new SafetensorsException(file, e.name, "data_offsets [" + e.begin + ", " + e.end
            + "] go beyond the data buffer of " + bufferSize + " bytes; the file is truncated");
      }
      pos = e.end;
      prev = e.name;
    }
    if (pos != bufferSize) {
      throw new SafetensorsException(file, null, "the data buffer has " + bufferSize
          + " bytes but the tensors cover " + pos + "; trailing bytes");
    }
  }

  private static void readFully(String file, String tensor, Source ch, ByteBuffer buf, long position)
      throws IOException {
    long p = position;
    while (buf.hasRemaining()) {
      int r = ch.read(buf, p);
      if (r < 0) {
        throw new SafetensorsException(file, tensor, "truncated: end of file at byte " + p);
      }
      p += r;
    }
  }

  private static String names(List<Entry> entries) {
    List<String> n = new ArrayList<>();
    for (Entry e : entries) {
      n.add(e.name);
    }
    n.sort(null);
    return n.toString();
  }
}
