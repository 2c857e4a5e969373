package io.nncompress.codec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.nncompress.codec.hashing.HashedTensor;
import io.nncompress.codec.huffman.HuffmanCode;
import io.nncompress.codec.lowrank.FactoredTensor;
import io.nncompress.codec.lowrank.LowRankTensor;
import io.nncompress.codec.quant.BinaryTensor;
import io.nncompress.codec.quant.UniformQuantizedTensor;
import io.nncompress.codec.quant.VectorQuantizedTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Map;

/**
 * Splits one codec's encoded bytes (the formats documented in each codec's class) into the plain
 * tensors and parameters of {@link CompressedSafetensors}: the bytes are sliced, not re-encoded,
 * so the packed codes and Huffman streams are exactly what the codec wrote.
 */
final class CompressedParts {
  private static final ObjectMapper JSON = new ObjectMapper();

  private CompressedParts() {}

  /** The description of {@code t} (codec, rows, cols, params, tensors); its tensors go to parts. */
  static ObjectNode describe(EncodedTensor t, String prefix, Map<String, CompressedSafetensors.Part> parts) {
    String codec = t.codec();
    byte[] b = t.encode();
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    ObjectNode o = JSON.createObjectNode();
    o.put("codec", codec);
    o.put("rows", t.rows());
    o.put("cols", t.cols());
    ObjectNode params = o.putObject("params");
    ObjectNode tensors = o.putObject("tensors");
    int rows = t.rows();
    int cols = t.cols();
    switch (codec) {
      case RawFloat32Tensor.CODEC:
        tensor(tensors, parts, prefix, "values", "F32", new long[] {rows, cols}, slice(b, 12, b.length));
        break;
      case KMeansTensor.CODEC: {
        int bits = b[KMeansTensor.BITS_OFFSET] & 0xFF;
        int k = 1 << bits;
        params.put("bits", bits);
        int cb = KMeansTensor.CODEBOOK_OFFSET;
        tensor(tensors, parts, prefix, "codebook", "F32", new long[] {k}, slice(b, cb, cb + 4 * k));
        tensor(tensors, parts, prefix, "codes", "U8", null, slice(b, cb + 4 * k, b.length));
        break;
      }
      case DeepCompressedTensor.CODEC:
        deepcomp(b, bb, prefix, params, tensors, parts);
        break;
      case SparseTensor.CODEC: {
        int gapBits = b[SparseTensor.GAP_BITS_OFFSET] & 0xFF;
        int nValues = bb.getInt(SparseTensor.VALUES_COUNT_OFFSET);
        params.put("gap_bits", gapBits);
        params.put("n_symbols", bb.getInt(SparseTensor.SYMBOLS_OFFSET));
        params.put("n_values", nValues);
        int v = SparseTensor.VALUES_OFFSET;
        tensor(tensors, parts, prefix, "values", "F32", new long[] {nValues}, slice(b, v, v + 4 * nValues));
        tensor(tensors, parts, prefix, "gaps", "U8", null, slice(b, v + 4 * nValues, b.length));
        break;
      }
      case UniformQuantizedTensor.CODEC: {
        int bits = b[12] & 0xFF;
        int gran = b[13] & 0xFF;
        int g = gran == 1 ? rows : 1;
        params.put("bits", bits);
        params.put("granularity", gran == 1 ? "row" : "tensor");
        tensor(tensors, parts, prefix, "scales", "F32", new long[] {g}, slice(b, 16, 16 + 4 * g));
        tensor(tensors, parts, prefix, "zero_points", "U8", new long[] {g}, slice(b, 16 + 4 * g, 16 + 5 * g));
        tensor(tensors, parts, prefix, "codes", "U8", null, slice(b, 16 + 5 * g, b.length));
        break;
      }
      case BinaryTensor.CODEC:
        tensor(tensors, parts, prefix, "alphas", "F32", new long[] {rows}, slice(b, 12, 12 + 4 * rows));
        tensor(tensors, parts, prefix, "signs", "U8", null, slice(b, 12 + 4 * rows, b.length));
        break;
      case VectorQuantizedTensor.CODEC_PQ:
      case VectorQuantizedTensor.CODEC_RQ: {
        int s = bb.getInt(12);
        int k = bb.getInt(16);
        int stages = bb.getInt(20);
        params.put("blocks", s);
        params.put("clusters", k);
        params.put("stages", stages);
        params.put("code_bits", b[24] & 0xFF);
        int end = 28 + 4 * stages * k * cols;
        tensor(tensors, parts, prefix, "codebooks", "F32", new long[] {stages, s, k, cols / s}, slice(b, 28, end));
        tensor(tensors, parts, prefix, "codes", "U8", null, slice(b, end, b.length));
        break;
      }
      case HashedTensor.CODEC: {
        int k = bb.getInt(12);
        params.put("buckets", k);
        params.put("seed", Long.toString(bb.getLong(16)));
        tensor(tensors, parts, prefix, "values", "F32", new long[] {k}, slice(b, 24, 24 + 4 * k));
        break;
      }
      case LowRankTensor.CODEC: {
        int r = bb.getInt(12);
        params.put("rank", r);
        int q = 16 + 4 * rows * r;
        tensor(tensors, parts, prefix, "p", "F32", new long[] {rows, r}, slice(b, 16, q));
        tensor(tensors, parts, prefix, "q", "F32", new long[] {cols, r}, slice(b, q, b.length));
        break;
      }
      case FactoredTensor.CODEC: {
        FactoredTensor f = FactoredTensor.fromBytes(b);
        params.put("rank", f.rank());
        o.set("first", describe(f.firstEncoded(), prefix + ".first", parts));
        o.set("second", describe(f.secondEncoded(), prefix + ".second", parts));
        break;
      }
      default:
        throw new IllegalArgumentException("Codec '" + codec + "' of layer " + prefix
            + " has no compressed safetensors form");
    }
    return o;
  }

  private static void deepcomp(byte[] b, ByteBuffer bb, String prefix, ObjectNode params, ObjectNode tensors,
      Map<String, CompressedSafetensors.Part> parts) {
    int flags = b[DeepCompressedTensor.FLAGS_OFFSET] & 0xFF;
    int bits = b[DeepCompressedTensor.BITS_OFFSET] & 0xFF;
    int gapBits = b[DeepCompressedTensor.GAP_BITS_OFFSET] & 0xFF;
    boolean sparse = (flags & DeepCompressedTensor.FLAG_SPARSE) != 0;
    boolean huffman = (flags & DeepCompressedTensor.FLAG_HUFFMAN) != 0;
    int k = 1 << bits;
    params.put("bits", bits);
    params.put("sparse", sparse);
    params.put("huffman", huffman);
    params.put("gap_bits", gapBits);
    params.put("n_symbols", bb.getInt(DeepCompressedTensor.SYMBOLS_OFFSET));
    params.put("n_values", bb.getInt(DeepCompressedTensor.VALUES_COUNT_OFFSET));
    int cb = DeepCompressedTensor.CODEBOOK_OFFSET;
    int streamStart = cb + 4 * k;
    tensor(tensors, parts, prefix, "codebook", "F32", new long[] {k}, slice(b, cb, streamStart));
    long lengthBits = 0;
    if (huffman) {
      BitReader in = new BitReader(b, streamStart);
      tensor(tensors, parts, prefix, "code_lengths", "U8", null, lengths(in, k));
      if (sparse) {
        tensor(tensors, parts, prefix, "gap_code_lengths", "U8", null, lengths(in, 1 << gapBits));
      }
      lengthBits = in.bitsRead();
    }
    params.put("stream_bit_offset", (int) (lengthBits % 8));
    tensor(tensors, parts, prefix, "stream", "U8", null, slice(b, (int) (streamStart + lengthBits / 8), b.length));
  }

  private static byte[] lengths(BitReader in, int alphabet) {
    byte[] l = new byte[alphabet];
    for (int s = 0; s < alphabet; s++) {
      l[s] = (byte) in.read(HuffmanCode.LENGTH_FIELD_BITS);
    }
    return l;
  }

  private static byte[] slice(byte[] b, int from, int to) {
    return Arrays.copyOfRange(b, from, to);
  }

  private static void tensor(ObjectNode tensors, Map<String, CompressedSafetensors.Part> parts, String prefix,
      String role, String dtype, long[] shape, byte[] data) {
    long[] s = shape != null ? shape : new long[] {data.length};
    tensors.put(role, put(parts, prefix + "." + role, new CompressedSafetensors.Part(dtype, s, data)));
  }

  /** Adds a tensor; its name must be new. Returns the name. */
  static String put(Map<String, CompressedSafetensors.Part> parts, String name, CompressedSafetensors.Part p) {
    if (parts.putIfAbsent(name, p) != null) {
      throw new IllegalArgumentException("Tensor " + name + " is written twice: two layers' names collide");
    }
    return name;
  }

  static CompressedSafetensors.Part f32(float[] v, long... shape) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(v);
    return new CompressedSafetensors.Part("F32", shape, b.array());
  }

  static CompressedSafetensors.Part i32(int[] v) {
    ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
    b.asIntBuffer().put(v);
    return new CompressedSafetensors.Part("I32", new long[] {v.length}, b.array());
  }
}
