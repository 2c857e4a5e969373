package io.nncompress.format.safetensors;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Writes safetensors files (layout in {@link SafetensorsFile}) the way the reference
 * implementation does, so the same tensors give the same bytes:
 * <ul>
 *   <li>tensors ordered by dtype size descending (F64 and I64 before F32, F32 before F16), then by
 *       name; with one dtype this is simply by name;</li>
 *   <li>compact JSON: {@code __metadata__} first (when not empty), then each tensor as
 *       {@code {"dtype":..,"shape":[..],"data_offsets":[b,e]}};</li>
 *   <li>header padded with spaces to a multiple of 8 bytes; data in the same order, back to back.</li>
 * </ul>
 * The file appears atomically: written to a temporary file in the same directory, then renamed.
 */
public final class SafetensorsWriter {
  private static final JsonFactory JSON = new JsonFactory();
  private static final int CHUNK = 1 << 16;

  private SafetensorsWriter() {}

  public static void write(Path file, SafetensorsFile content) throws IOException {
    write(file, content.tensors(), content.metadata());
  }

  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
    io.nncompress.format.AtomicFiles.write(file, out -> writeTo(out, tensors, metadata));
  }

  /** The bytes of a safetensors file holding {@code tensors}. */
  public static byte[] toBytes(Map<String, Tensor> tensors, Map<String, String> metadata) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writeTo(out, tensors, metadata);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static void writeTo(OutputStream out, Map<String, Tensor> tensors, Map<String, String> metadata)
      throws IOException {
    List<Map.Entry<String, Tensor>> order = new ArrayList<>(tensors.entrySet());
    for (Map.Entry<String, Tensor> e : order) {
      if (e.getKey().equals(SafetensorsFile.METADATA_KEY)) {
        throw new IllegalArgumentException("A tensor cannot be named " + SafetensorsFile.METADATA_KEY);
      }
    }
    order.sort(Comparator.<Map.Entry<String, Tensor>>comparingInt(e -> -e.getValue().dtype.size)
        .thenComparing(Map.Entry::getKey));

    ByteArrayOutputStream header = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(header)) {
      g.writeStartObject();
      if (!metadata.isEmpty()) {
        g.writeObjectFieldStart(SafetensorsFile.METADATA_KEY);
        for (Map.Entry<String, String> m : new java.util.TreeMap<>(metadata).entrySet()) {
          g.writeStringField(m.getKey(), m.getValue());
        }
        g.writeEndObject();
      }
      long offset = 0;
      for (Map.Entry<String, Tensor> e : order) {
        Tensor t = e.getValue();
        long bytes = t.size() * t.dtype.size;
        g.writeObjectFieldStart(e.getKey());
        g.writeStringField("dtype", t.dtype.name());
        g.writeArrayFieldStart("shape");
        for (long d : t.shape()) {
          g.writeNumber(d);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("data_offsets");
        g.writeNumber(offset);
        g.writeNumber(offset + bytes);
        g.writeEndArray();
        g.writeEndObject();
        offset += bytes;
      }
      g.writeEndObject();
    }
    // pad with spaces so the data starts 8-byte aligned: (8 - len % 8) % 8
    int pad = (SafetensorsFile.HEADER_ALIGNMENT - header.size() % SafetensorsFile.HEADER_ALIGNMENT)
        % SafetensorsFile.HEADER_ALIGNMENT;
    for (int k = 0; k < pad; k++) {
      header.write(' ');
    }
    ByteBuffer prefix = ByteBuffer.allocate(SafetensorsFile.PREFIX_BYTES).order(ByteOrder.LITTLE_ENDIAN);
    prefix.putLong(header.size());
    out.write(prefix.array());
    header.writeTo(out);
    // the data, in chunks of whole rows of about CHUNK values (a deferred tensor streamed from its source)
    for (Map.Entry<String, Tensor> e : order) {
      Tensor t = e.getValue();
      long[] written = {0};
      try {
        t.forEachBlock(CHUNK, (firstRow, v) -> {
        ByteBuffer b = ByteBuffer.allocate(v.length * t.dtype.size).order(ByteOrder.LITTLE_ENDIAN);
        try {
          t.dtype.encode(v, b, written[0]);
        } catch (IllegalArgumentException x) {
          throw new IllegalArgumentException("tensor '" + e.getKey() + "': " + x.getMessage(), x);
        }
        try {
          out.write(b.array(), 0, b.position());
        } catch (IOException x) {
          throw new UncheckedIOException(x);
        }
        written[0] += v.length;
        });
      } catch (UncheckedIOException x) {
        throw x.getCause();
      }
      if (written[0] != t.size()) {
        throw new IllegalStateException("tensor '" + e.getKey() + "' gave " + written[0] + " values, its shape "
            + t.shapeString() + " needs " + t.size());
      }
    }
  }
}
