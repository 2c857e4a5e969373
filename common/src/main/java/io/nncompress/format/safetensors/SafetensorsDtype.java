package io.nncompress.format.safetensors;

import java.nio.ByteBuffer;

/**
 * The element types nncompress reads from safetensors (little-endian), and the two it writes (F32,
 * F64). Reading converts every type to double: F16 and BF16 exactly, integers exactly up to 2^53
 * (I64/U64 counters such as PyTorch's batchnorm num_batches_tracked), BOOL as 0/1.
 */
public enum SafetensorsDtype {
  F64(8),
  F32(4),
  F16(2),
  BF16(2),
  I64(8),
  U64(8),
  I32(4),
  U32(4),
  I16(2),
  U16(2),
  I8(1),
  U8(1),
  BOOL(1);

  /** Bytes per element. */
  public final int size;

  SafetensorsDtype(int size) {
    this.size = size;
  }

  /** The dtype named {@code name} in a header, or null when nncompress does not read it. */
  static SafetensorsDtype parse(String name) {
    for (SafetensorsDtype d : values()) {
      if (d.name().equals(name)) {
        return d;
      }
    }
    return null;
  }

  /** Decodes {@code out.length} elements from {@code in} (little-endian) into doubles. */
  void decode(ByteBuffer in, double[] out) {
    switch (this) {
      case F64:
        in.asDoubleBuffer().get(out);
        break;
      case F32:
        for (int k = 0; k < out.length; k++) {
          out[k] = in.getFloat(k * 4);
        }
        break;
      case F16:
        for (int k = 0; k < out.length; k++) {
          out[k] = halfToFloat(in.getShort(k * 2));
        }
        break;
      case BF16:
        for (int k = 0; k < out.length; k++) {
          // bfloat16 is the top 16 bits of a float32
          out[k] = Float.intBitsToFloat((in.getShort(k * 2) & 0xffff) << 16);
        }
        break;
      case I64:
        for (int k = 0; k < out.length; k++) {
          out[k] = in.getLong(k * 8);
        }
        break;
      case U64:
        for (int k = 0; k < out.length; k++) {
          long v = in.getLong(k * 8);
          // unsigned: the top bit is worth 2^63
          out[k] = v >= 0 ? v : (double) (v >>> 1) * 2.0 + (v & 1);
        }
        break;
      case I32:
        for (int k = 0; k < out.length; k++) {
          out[k] = in.getInt(k * 4);
        }
        break;
      case U32:
        for (int k = 0; k < out.length; k++) {
          out[k] = in.getInt(k * 4) & 0xffffffffL;
        }
        break;
      case I16:
        for (int k = 0; k < out.length; k++) {
          out[k] = in.getShort(k * 2);
        }
        break;
      case U16:
        for (int k = 0; k < out.length; k++) {
          out[k] = in.getShort(k * 2) & 0xffff;
        }
        break;
      case I8:
        for (int k = 0; k < out.length; k++) {
          out[k] = in.get(k);
        }
        break;
      case U8:
      case BOOL:
        for (int k = 0; k < out.length; k++) {
          out[k] = in.get(k) & 0xff;
        }
        break;
      default:
        throw new AssertionError(this);
    }
  }

  /** Encodes {@code values} into {@code out} (little-endian); F32 rounds to nearest. */
  void encode(double[] values, ByteBuffer out) {
    switch (this) {
      case F64:
        for (double v : values) {
          out.putDouble(v);
        }
        break;
      case F32:
        for (double v : values) {
          out.putFloat((float) v);
        }
        break;
      default:
        throw new IllegalArgumentException("nncompress writes F32 or F64 tensors, cannot write: " + this);
    }
  }

  /**
   * IEEE 754 binary16 to binary32, exact (Float.float16ToFloat is Java 20+).
   * Layout: sign 1 bit, exponent 5 bits (bias 15), mantissa 10 bits.
   */
  public static float halfToFloat(short h) {
    int bits = h & 0xffff;
    int sign = (bits & 0x8000) << 16;
    int exp = (bits >>> 10) & 0x1f;
    int mant = bits & 0x3ff;
    if (exp == 0x1f) {
      // Inf or NaN: exponent all ones, mantissa moved to the top of the float mantissa
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      if (mant == 0) {
        return Float.intBitsToFloat(sign); // signed zero
      }
      // subnormal: value = mant * 2^-24, exact in float
      float v = mant * 0x1p-24f;
      return sign == 0 ? v : -v;
    }
    // normal: rebias the exponent 15 -> 127
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }
}
