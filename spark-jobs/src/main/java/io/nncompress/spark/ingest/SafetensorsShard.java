package io.nncompress.spark.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nncompress.spark.autocorr.BadInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FSDataInputStream;

/**
 * The header of a safetensors activation shard: every tensor must be a 2-D F32, F64, F16 or BF16
 * array of rows; the tensors are taken in the order of their data in the file, one after another.
 * Only the header is read here; the data's extent is checked against the file's length.
 */
final class SafetensorsShard {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long MAX_HEADER_BYTES = 100_000_000L;

  private SafetensorsShard() {}

  static List<ShardBlock> read(String file, FSDataInputStream in, long length) throws IOException {
    if (length < 8) {
      throw new BadInputException("File " + file + " is truncated: " + length
          + " bytes, shorter than the 8-byte safetensors header length");
    }
    byte[] prefix = new byte[8];
    in.readFully(0, prefix);
    long n = ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (n < 2 || n > length - 8 || n > MAX_HEADER_BYTES) {
      throw new BadInputException("File " + file + " is not a safetensors file or is truncated: header length "
          + Long.toUnsignedString(n) + ", file of " + length + " bytes");
    }
    byte[] header = new byte[(int) n];
    in.readFully(8, header);
    JsonNode root;
    try {
      root = JSON.readTree(new String(header, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw new BadInputException("File " + file + " is not a safetensors file: its header is not valid JSON ("
          + e.getOriginalMessage() + ")");
    }
    if (root == null || !root.isObject()) {
      throw new BadInputException("File " + file + " is not a safetensors file: its header is not a JSON object");
    }
    long dataStart = 8 + n;
    List<ShardBlock> blocks = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      String name = e.getKey();
      if (name.equals("__metadata__")) {
        continue;
      }
      JsonNode t = e.getValue();
      String where = "File " + file + ", tensor '" + name + "'";
      String dt = t.path("dtype").asText("");
      ShardDtype dtype = dtype(dt);
      if (dtype == null) {
        throw new BadInputException(where + ": dtype " + (dt.isEmpty() ? "(none)" : dt) + " is not supported; "
            + "nncompress ingests F32, F64, F16 and BF16");
      }
      long[] shape = longs(where, t.path("shape"), "shape");
      if (shape.length != 2) {
        throw new BadInputException(where + " has shape " + NpyHeader.shapeString(shape) + ", not 2-D (rows x d)");
      }
      if (shape[1] < 1 || shape[1] > Integer.MAX_VALUE / 8) {
        throw new BadInputException(where + ": shape " + NpyHeader.shapeString(shape) + " has d = " + shape[1]
            + " values per row; must be between 1 and " + Integer.MAX_VALUE / 8);
      }
      long[] off = longs(where, t.path("data_offsets"), "data_offsets");
      if (off.length != 2 || off[1] < off[0]) {
        throw new BadInputException(where + ": data_offsets must be [begin, end], found " + t.path("data_offsets"));
      }
      ShardBlock b = new ShardBlock(file, name, dtype, true, shape[0], (int) shape[1], dataStart + off[0]);
      long needed = b.rows * b.rowBytes();
      if (off[1] - off[0] != needed) {
        throw new BadInputException(where + ": data_offsets " + t.path("data_offsets") + " span " + (off[1] - off[0])
            + " bytes, but " + dt + " " + NpyHeader.shapeString(shape) + " needs " + needed);
      }
      NpyHeader.checkLength(b, length, "tensor '" + name + "' (" + dt + " " + NpyHeader.shapeString(shape) + ")");
      blocks.add(b);
    }
    if (blocks.isEmpty()) {
      throw new BadInputException("File " + file + " holds no tensors");
    }
    blocks.sort(Comparator.comparingLong(b -> b.offset));
    for (ShardBlock b : blocks) {
      if (b.d != blocks.get(0).d) {
        throw new BadInputException("File " + file + ": tensor '" + blocks.get(0).tensor + "' has d = "
            + blocks.get(0).d + " but tensor '" + b.tensor + "' has d = " + b.d + "; one layer's rows have one d");
      }
    }
    return blocks;
  }

  private static ShardDtype dtype(String name) {
    switch (name) {
      case "F32":
        return ShardDtype.FLOAT32;
      case "F64":
        return ShardDtype.FLOAT64;
      case "F16":
        return ShardDtype.FLOAT16;
      case "BF16":
        return ShardDtype.BFLOAT16;
      default:
        return null;
    }
  }

  private static long[] longs(String where, JsonNode node, String key) {
    if (!node.isArray()) {
      throw new BadInputException(where + ": " + key + " must be an array of non-negative integers, found " + node);
    }
    long[] out = new long[node.size()];
    for (int k = 0; k < out.length; k++) {
      JsonNode v = node.get(k);
      if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
        throw new BadInputException(where + ": " + key + " must hold non-negative integers, found " + node);
      }
      out[k] = v.longValue();
    }
    return out;
  }
}
