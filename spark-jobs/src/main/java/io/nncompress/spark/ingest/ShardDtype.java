package io.nncompress.spark.ingest;

import io.nncompress.format.safetensors.SafetensorsDtype;
import java.nio.ByteBuffer;

/**
 * The floating-point element types an activation shard may hold. Every one is converted to float32
 * (float64 rounded to nearest, float16 and bfloat16 exactly), the type of the Parquet values.
 */
public enum ShardDtype {
  FLOAT32(4, "float32"),
  FLOAT64(8, "float64"),
  FLOAT16(2, "float16"),
  BFLOAT16(2, "bfloat16");

  /** Bytes per element. */
  public final int size;
  private final String label;

  ShardDtype(int size, String label) {
    this.size = size;
    this.label = label;
  }

  /** float32, float64, float16 or bfloat16. */
  public String label() {
    return label;
  }

  /** Reads element {@code k} of {@code in} (whose byte order is set) as a float. */
  float get(ByteBuffer in, int k) {
    switch (this) {
      case FLOAT32:
        return in.getFloat(k * 4);
      case FLOAT64:
        return (float) in.getDouble(k * 8);
      case FLOAT16:
        return SafetensorsDtype.halfToFloat(in.getShort(k * 2));
      case BFLOAT16:
        return Float.intBitsToFloat((in.getShort(k * 2) & 0xffff) << 16);
      default:
        throw new IllegalStateException(name());
    }
  }

  /** Reads element {@code k} of {@code in} as a double, for messages (the value before conversion). */
  double original(ByteBuffer in, int k) {
    return this == FLOAT64 ? in.getDouble(k * 8) : get(in, k);
  }
}
