package io.nncompress.codec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compressed form of a model as one safetensors file ({@code model/compressed.safetensors}),
 * readable without nncompress: every codec's parts (packed codes, codebooks, scales, factors...) as
 * plain tensors, and how to decode them in the {@code __metadata__}. {@code deploy/pytorch/nncompress_load.py}
 * (numpy only) decodes it into the dense float32 weights of {@code model/model.safetensors}, bit for bit.
 *
 * <p>Format version {@value #FORMAT_VERSION}. {@code __metadata__} holds:
 * <pre>
 *   "format"          "nncompress.compressed"
 *   "format_version"  "1"
 *   "layers"          JSON array of the layer names, in order
 *   "layer.NAME"      JSON object (as a string) of layer NAME:
 *     codec           the codec (io.nncompress.codec names: float32, kmeans, deepcomp, sparse, uniform,
 *                     binary, pq, rq, hashed, lowrank, lowrank_coded)
 *     format_version  1
 *     rows, cols      the encoded matrix (dense [out, in]; conv [out, in*kh*kw])
 *     params          codec parameters (below)
 *     tensors         role -&gt; tensor name in this file (below)
 *     output          "dense": one weight, P Q^T for low rank; "factors": low rank written as two
 *                     layers (model.safetensors's NAME.0 = Q^T, NAME.1 = P)
 *     weight, shape   dense: the weight's name and shape in model.safetensors
 *     first_weight, first_shape, second_weight, second_shape   factors: the two weights' names and
 *                     shapes (Q^T: [rank, in] or conv [rank, in, kh, kw]; P: [out, rank] or [out, rank, 1, 1])
 *     bias            the bias's name in model.safetensors (absent without bias); tensor NAME.bias F32
 *     kept_inputs, kept_outputs  tensors NAME.kept_inputs / NAME.kept_outputs (I32): the original
 *                     layer's input groups and output neurons kept (informative, unless "columns")
 *     columns         "kept_inputs" (optional, output dense): the encoded matrix holds the columns of the
 *                     kept input groups only (group i: columns i*s .. i*s+s-1, s = kh*kw for a conv, 1
 *                     for a dense layer) of a weight of shape; its other columns are 0
 * </pre>
 * Packed codes are U8 byte strings exactly as the codec stores them: b-bit codes, least significant
 * bit first (code t is bits t*b .. t*b+b-1 of the little-endian bit string). Per codec, tensors
 * (prefix NAME) and params:
 * <pre>
 *   float32   values F32[rows, cols]
 *   kmeans    codebook F32[2^bits]; codes U8 packed bits each, rows*cols, row-major.  params bits
 *   deepcomp  codebook F32[2^bits]; stream U8; params bits, sparse, huffman, gap_bits, n_symbols,
 *             n_values, stream_bit_offset (first bit of the stream, 0..7). if huffman: code_lengths
 *             U8[2^bits] (and gap_code_lengths U8[2^gap_bits] when sparse): canonical Huffman codes
 *             (DEFLATE order: by length, then symbol), each code written most significant bit first.
 *             The stream holds, if sparse, n_symbols gap symbols (Huffman codes or gap_bits each; the
 *             symbol 2^gap_bits-1 stands for that many zeros, another symbol s places the next kept
 *             weight s zeros after the previous one, row-major), then n_values codebook indices
 *             (Huffman codes or bits each). Weights not placed are 0.
 *   sparse    values F32[n_values]; gaps U8 packed gap_bits each.  params gap_bits, n_symbols, n_values
 *   uniform   scales F32[g]; zero_points U8[g]; codes U8 packed bits each.  params bits,
 *             granularity ("tensor": g = 1, "row": g = rows); w = (q - z) * scale in float64
 *   binary    alphas F32[rows]; signs U8 packed 1 bit each (1 = +alpha_i, 0 = -alpha_i)
 *   pq, rq    codebooks F32[stages, blocks, clusters, cols/blocks]; codes U8 packed code_bits each,
 *             order [stage][row][block].  params blocks, clusters, stages, code_bits; w = sum over
 *             stages (in order, float64)
 *   hashed    values F32[buckets].  params buckets, seed (decimal string, signed int64): the hash of
 *             io.nncompress.codec.hashing.WeightHash
 *   lowrank   p F32[rows, rank]; q F32[cols, rank]: w = P Q^T accumulated in float64, k = 0..rank-1
 *   lowrank_coded  first and second: nested objects of the same kind (codec, rows, cols, params,
 *             tensors; prefix NAME.first / NAME.second): Q^T (rank x cols) and P (rows x rank);
 *             w = P Q^T as above.  params rank
 * </pre>
 * Every weight decodes in float64 as the Java decoder does, and is rounded to float32 last.
 */
public final class CompressedSafetensors {
  public static final int FORMAT_VERSION = 1;
  public static final String FORMAT = "nncompress.compressed";

  /** One layer to write. */
  public static final class Layer {
    final String name;
    final EncodedTensor weight;
    final Map<String, Object> outputs = new LinkedHashMap<>();
    float[] bias;
    String biasName;
    int[] keptInputs;
    int[] keptOutputs;

    private Layer(String name, EncodedTensor weight) {
      this.name = name;
      this.weight = weight;
    }

    /** A layer written as one weight {@code weightName} of {@code shape} (P Q^T for low rank). */
    public static Layer dense(String name, EncodedTensor weight, String weightName, long[] shape) {
      Layer l = new Layer(name, weight);
      l.outputs.put("output", "dense");
      l.outputs.put("weight", weightName);
      l.outputs.put("shape", shape);
      return l;
    }

    /** A low-rank layer written as its two factors Q^T ({@code first}) and P ({@code second}). */
    public static Layer factors(String name, EncodedTensor weight, String first, long[] firstShape, String second,
        long[] secondShape) {
      Layer l = new Layer(name, weight);
      l.outputs.put("output", "factors");
      l.outputs.put("first_weight", first);
      l.outputs.put("first_shape", firstShape);
      l.outputs.put("second_weight", second);
      l.outputs.put("second_shape", secondShape);
      return l;
    }

    public Layer bias(String biasName, float[] bias) {
      this.biasName = bias == null ? null : biasName;
      this.bias = bias;
      return this;
    }

    public Layer kept(int[] inputs, int[] outputs) {
      this.keptInputs = inputs;
      this.keptOutputs = outputs;
      return this;
    }

    /**
     * The encoded matrix holds only the columns of the kept input groups ({@link #kept}) of a weight
     * that keeps its shape: a layer map's layer without couples, whose other columns are zeros.
     */
    public Layer columnsOfKeptInputs() {
      outputs.put("columns", "kept_inputs");
      return this;
    }
  }

  /** A tensor of the file: dtype, shape, little-endian bytes. */
  record Part(String dtype, long[] shape, byte[] data) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private CompressedSafetensors() {}

  /** The file's bytes. */
  public static byte[] toBytes(List<Layer> layers) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try {
      writeTo(out, layers);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Writes the file to {@code out} (not closed). */
  public static void writeTo(OutputStream out, List<Layer> layers) throws IOException {
    Map<String, Part> parts = new LinkedHashMap<>();
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", FORMAT);
    meta.put("format_version", Integer.toString(FORMAT_VERSION));
    meta.put("producer", "nncompress");
    ArrayNode names = JSON.createArrayNode();
    for (Layer l : layers) {
      if (meta.containsKey("layer." + l.name)) {
        throw new IllegalArgumentException("Layer " + l.name + " is given twice");
      }
      names.add(l.name);
      ObjectNode o = CompressedParts.describe(l.weight, l.name, parts);
      o.put("format_version", FORMAT_VERSION);
      for (Map.Entry<String, Object> e : l.outputs.entrySet()) {
        o.set(e.getKey(), JSON.valueToTree(e.getValue()));
      }
      if (l.bias != null) {
        o.put("bias", l.biasName);
        ((ObjectNode) o.get("tensors")).put("bias", CompressedParts.put(parts, l.name + ".bias",
            CompressedParts.f32(l.bias, l.bias.length)));
      }
      if (l.keptInputs != null) {
        ((ObjectNode) o.get("tensors")).put("kept_inputs", CompressedParts.put(parts, l.name + ".kept_inputs",
            CompressedParts.i32(l.keptInputs)));
      }
      if (l.keptOutputs != null) {
        ((ObjectNode) o.get("tensors")).put("kept_outputs", CompressedParts.put(parts, l.name + ".kept_outputs",
            CompressedParts.i32(l.keptOutputs)));
      }
      meta.put("layer." + l.name, JSON.writeValueAsString(o));
    }
    meta.put("layers", JSON.writeValueAsString(names));
    write(out, parts, meta);
  }

  /** The safetensors container: 8-byte header length, JSON header padded with spaces to 8 bytes, data. */
  static void write(OutputStream out, Map<String, Part> parts, Map<String, String> meta) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    header.set("__metadata__", JSON.valueToTree(meta));
    long offset = 0;
    List<byte[]> data = new ArrayList<>();
    for (Map.Entry<String, Part> e : parts.entrySet()) {
      Part p = e.getValue();
      ObjectNode t = header.putObject(e.getKey());
      t.put("dtype", p.dtype());
      ArrayNode shape = t.putArray("shape");
      for (long d : p.shape()) {
        shape.add(d);
      }
      t.putArray("data_offsets").add(offset).add(offset + p.data().length);
      offset += p.data().length;
      data.add(p.data());
    }
    byte[] h = JSON.writeValueAsBytes(header);
    int padded = (h.length + 7) / 8 * 8;
    byte[] hp = java.util.Arrays.copyOf(h, padded);
    java.util.Arrays.fill(hp, h.length, padded, (byte) ' ');
    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
    out.write(hp);
    for (byte[] d : data) {
      out.write(d);
    }
    out.flush();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
