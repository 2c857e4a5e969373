package io.nncompress.format.safetensors;

import java.nio.ByteBuffer;

/**
 * The element types of safetensors (little-endian) that nncompress reads and writes. Reading
 * converts every type to double exactly: F16 and BF16, integers (I64/U64 up to 2^53 in magnitude,
 * which covers counters such as PyTorch's batchnorm num_batches_tracked; the reader rejects larger
 * ones, see {@link #firstInexact}), BOOL as 0/1. Writing converts back: F32, F16 and BF16 round to
 * nearest even, so a tensor read and written again (a tensor a layer map copies through) keeps its
 * bytes; an integer type takes only whole numbers in its range, BOOL only 0 and 1.
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

  /** 2^53: every integer of at most this magnitude is a double exactly. */
  private static final long EXACT_INTEGER = 1L << 53;

  /**
   * The index of the first of {@code n} elements of {@code in} that a double cannot hold exactly (an
   * I64 or U64 beyond 2^53 in magnitude), or -1: every other type always converts exactly.
   */
  long firstInexact(ByteBuffer in, int n) {
    if (this != I64 && this != U64) {
      return -1;
    }
    for (int k = 0; k < n; k++) {
      long v = in.getLong(k * 8);
      boolean exact = this == I64 ? v >= -EXACT_INTEGER && v <= EXACT_INTEGER : v >= 0 && v <= EXACT_INTEGER;
      if (!exact) {
        return k;
      }
    }
    return -1;
  }

  /**
   * Encodes {@code values} into {@code out} (little-endian). F32, F16 and BF16 round to nearest
   * even; an integer type or BOOL throws {@link IllegalArgumentException} naming the first value it
   * cannot hold (not a whole number, out of range, or for BOOL not 0 or 1) and its flat index,
   * {@code firstIndex + k} for {@code values[k]}.
   */
  void encode(double[] values, ByteBuffer out, long firstIndex) {
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
      case F16:
        // double -> float -> half rounds as double -> half does: 24 >= 2 * 11 + 2 bits
        for (double v : values) {
          out.putShort(floatToHalf((float) v));
        }
        break;
      case BF16:
        for (double v : values) {
          out.putShort(floatToBfloat16((float) v));
        }
        break;
      default: {
        // an integer type or BOOL: a whole number of its range, written as its low `size` bytes
        boolean signed = this == I64 || this == I32 || this == I16 || this == I8;
        double limit = this == BOOL ? 2 : Math.scalb(1.0, 8 * size - (signed ? 1 : 0));
        double min = signed ? -limit : 0;
        for (int k = 0; k < values.length; k++) {
          double v = whole(values, k, firstIndex, min, limit);
          // a U64 above 2^63: the bits of v - 2^64 as a signed long
          long bits = v < 0x1p63 ? (long) v : (long) (v - 0x1p63) | Long.MIN_VALUE;
          switch (size) {
            case 8 -> out.putLong(bits);
            case 4 -> out.putInt((int) bits);
            case 2 -> out.putShort((short) bits);
            default -> out.put((byte) bits);
          }
        }
      }
    }
  }

  /** values[k] when it is a whole number in [min, limit), else an error naming it and its flat index. */
  private double whole(double[] values, int k, long firstIndex, double min, double limit) {
    double v = values[k];
    if (!(v >= min && v < limit) || v != Math.rint(v)) {
      throw new IllegalArgumentException(this + " holds " + (this == BOOL ? "0 or 1" : "whole numbers in ["
          + (long) min + ", " + (limit > 0x1p62 ? "2^" + Math.getExponent(limit) : String.valueOf((long) limit))
          + ")") + ", cannot hold the value " + v + " at flat index " + (firstIndex + k));
    }
    return v;
  }

  /** IEEE 754 binary32 to binary16, rounded to nearest even (overflow to infinity; NaN stays NaN). */
  public static short floatToHalf(float f) {
    int bits = Float.floatToRawIntBits(f);
    int sign = (bits >>> 16) & 0x8000;
    int exp = (bits >>> 23) & 0xff;
    int mant = bits & 0x7fffff;
    if (exp == 0xff) {
      // infinity, or NaN with its top mantissa bits (and the quiet bit so it stays a NaN)
      return (short) (sign | 0x7c00 | (mant == 0 ? 0 : 0x200 | (mant >>> 13)));
    }
    int e = exp - 127 + 15; // the half exponent field, when normal
    if (e >= 0x1f) {
      return (short) (sign | 0x7c00);
    }
    int shift;
    int m;
    if (e <= 0) {
      // subnormal half (or zero): the value is (1.mant) * 2^(exp - 127) = m * 2^-24
      if (e < -10) {
        return (short) sign; // below half the smallest subnormal: rounds to zero
      }
      m = mant | 0x800000;
      shift = 14 - e;
      e = 0;
    } else {
      m = mant;
      shift = 13;
    }
    int half = m >>> shift;
    int rest = m & ((1 << shift) - 1);
    int halfway = 1 << (shift - 1);
    if (rest > halfway || (rest == halfway && (half & 1) != 0)) {
      half++; // a carry out of the mantissa moves to the exponent, up to infinity: still correct
    }
    return (short) (sign | ((e << 10) + half));
  }

  /** IEEE 754 binary32 to bfloat16 (its top 16 bits), rounded to nearest even; NaN stays NaN. */
  public static short floatToBfloat16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) ((bits >>> 16) | 0x40);
    }
    int rounding = 0x7fff + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
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
