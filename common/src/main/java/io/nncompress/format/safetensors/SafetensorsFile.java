package io.nncompress.format.safetensors;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The content of a safetensors file: tensors by name and the optional string metadata.
 *
 * <p>Layout (https://github.com/huggingface/safetensors):
 * <pre>
 * offset 0       u64 little-endian  N = header length in bytes
 * offset 8       N bytes UTF-8 JSON {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
 *                                    ..., "__metadata__": {"key": "value"}}  (padded with spaces)
 * offset 8 + N   the byte buffer; [begin, end) of each tensor is relative to its start,
 *                the tensors tile the buffer exactly, row-major little-endian values
 * </pre>
 */
public final class SafetensorsFile {
  /** Bytes of the header-length prefix. */
  public static final int PREFIX_BYTES = 8;
  /** The header key of the string-to-string metadata. */
  public static final String METADATA_KEY = "__metadata__";
  /** The writer pads the header with spaces to a multiple of this, as the reference implementation does. */
  public static final int HEADER_ALIGNMENT = 8;
  /** Headers larger than this are rejected as corrupt (the reference implementation uses 100 MB). */
  public static final long MAX_HEADER_BYTES = 100_000_000L;

  private final Map<String, Tensor> tensors;
  private final Map<String, String> metadata;

  public SafetensorsFile(Map<String, Tensor> tensors, Map<String, String> metadata) {
    this.tensors = Collections.unmodifiableMap(new TreeMap<>(tensors));
    this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  public SafetensorsFile(Map<String, Tensor> tensors) {
    this(tensors, Map.of());
  }

  /** Tensors sorted by name. */
  public Map<String, Tensor> tensors() {
    return tensors;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  public Set<String> names() {
    return tensors.keySet();
  }

  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /** The tensor {@code name}; an error listing the names present when it is missing. */
  public Tensor get(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException("No tensor '" + name + "'; the file has: " + tensors.keySet());
    }
    return t;
  }
}
