package io.nncompress.spark.autocorr;

import io.nncompress.stats.AutocorrelationAccumulator;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.catalyst.expressions.UnsafeRow;
import org.apache.spark.sql.catalyst.util.ArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.Platform;

/**
 * How a layer's input vector is stored in a Parquet column, and how one value of it is read from
 * Spark's internal row format into an accumulator without boxing.
 */
public enum ColumnEncoding {
  /** array&lt;float&gt;. */
  FLOAT_ARRAY("array<float>"),
  /** array&lt;double&gt;. */
  DOUBLE_ARRAY("array<double>"),
  /** Spark ML vector (dense or sparse). */
  ML_VECTOR("vector"),
  /** binary holding float32 little-endian values. */
  BINARY_FLOAT32_LE("binary");

  private final String sqlName;

  ColumnEncoding(String sqlName) {
    this.sqlName = sqlName;
  }

  /** The name users see: array&lt;float&gt;, array&lt;double&gt;, vector or binary. */
  public String sqlName() {
    return sqlName;
  }

  /** The encoding of a column type, or null when it is none of the four. */
  public static ColumnEncoding detect(DataType t) {
    if (t instanceof ArrayType) {
      DataType e = ((ArrayType) t).elementType();
      if (e.equals(DataTypes.FloatType)) {
        return FLOAT_ARRAY;
      }
      if (e.equals(DataTypes.DoubleType)) {
        return DOUBLE_ARRAY;
      }
      return null;
    }
    if (t instanceof BinaryType) {
      return BINARY_FLOAT32_LE;
    }
    if (t.equals(SQLDataTypes.VectorType())) {
      return ML_VECTOR;
    }
    return null;
  }

  private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

  /** A bad value in one row; the caller adds dataset, column, file and row. */
  public static final class BadValueException extends IllegalArgumentException {
    public BadValueException(String message) {
      super(message);
    }
  }

  /** Reads column {@code ordinal} of rows into an accumulator; one instance per task (it owns buffers). */
  public RowReader reader(int ordinal, int length) {
    return new RowReader(this, ordinal, length);
  }

  /** Reads one column of internal rows into an accumulator, reusing its buffers. */
  public static final class RowReader {
    private final ColumnEncoding encoding;
    private final int ordinal;
    private final int length;
    private final float[] floats;
    private final double[] doubles;

    RowReader(ColumnEncoding encoding, int ordinal, int length) {
      this.encoding = encoding;
      this.ordinal = ordinal;
      this.length = length;
      this.floats = encoding == FLOAT_ARRAY || encoding == BINARY_FLOAT32_LE ? new float[length] : null;
      this.doubles = encoding == DOUBLE_ARRAY || encoding == ML_VECTOR ? new double[length] : null;
    }

    public void addTo(InternalRow row, AutocorrelationAccumulator acc) {
      if (read(row)) {
        acc.addRow(floats, 0);
      } else {
        acc.addRow(doubles, 0);
      }
    }

    /**
     * Reads the row's vector into dst[off .. off + length) as doubles; a non-finite value is a
     * {@link BadValueException} naming its index.
     */
    public void readInto(InternalRow row, double[] dst, int off) {
      if (read(row)) {
        for (int k = 0; k < length; k++) {
          dst[off + k] = floats[k];
        }
      } else {
        System.arraycopy(doubles, 0, dst, off, length);
      }
      for (int k = 0; k < length; k++) {
        if (!Double.isFinite(dst[off + k])) {
          throw new BadValueException("value " + dst[off + k] + " at index " + k + " is not finite (NaN or infinity)");
        }
      }
    }

    private void checkBinaryLength(int bytes) {
      if (bytes != 4 * length) {
        throw new BadValueException("binary value of " + bytes + " bytes holds " + bytes / 4.0
            + " float32 values, expected " + length + " (" + 4 * length + " bytes)");
      }
    }

    // reads into the float buffer (true) or the double buffer (false)
    private boolean read(InternalRow row) {
      if (row.isNullAt(ordinal)) {
        throw new BadValueException("null value");
      }
      switch (encoding) {
        case FLOAT_ARRAY:
          copyArray(row.getArray(ordinal), floats, Platform.FLOAT_ARRAY_OFFSET, 4);
          return true;
        case DOUBLE_ARRAY:
          copyArray(row.getArray(ordinal), doubles, Platform.DOUBLE_ARRAY_OFFSET, 8);
          return false;
        case BINARY_FLOAT32_LE:
          if (row instanceof UnsafeRow && LITTLE_ENDIAN) {
            // straight from the row's memory, without the copy getBinary makes
            UnsafeRow u = (UnsafeRow) row;
            long offsetAndSize = u.getLong(ordinal);
            int size = (int) offsetAndSize;
            checkBinaryLength(size);
            Platform.copyMemory(u.getBaseObject(), u.getBaseOffset() + (offsetAndSize >>> 32), floats,
                Platform.FLOAT_ARRAY_OFFSET, size);
            return true;
          }
          byte[] b = row.getBinary(ordinal);
          checkBinaryLength(b.length);
          ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(floats);
          return true;
        case ML_VECTOR:
          readVector(row.getStruct(ordinal, 4));
          return false;
        default:
          throw new IllegalStateException(encoding.name());
      }
    }

    private void copyArray(ArrayData a, Object dst, long dstOffset, int width) {
      int n = a.numElements();
      if (n != length) {
        throw new BadValueException("vector of length " + n + ", expected " + length);
      }
      if (a instanceof UnsafeArrayData) {
        UnsafeArrayData u = (UnsafeArrayData) a;
        long header = UnsafeArrayData.calculateHeaderPortionInBytes(n);
        // the null bitset follows the 8-byte element count
        for (long w = 8; w < header; w += 8) {
          if (Platform.getLong(u.getBaseObject(), u.getBaseOffset() + w) != 0) {
            throw new BadValueException("null element in the vector");
          }
        }
        Platform.copyMemory(u.getBaseObject(), u.getBaseOffset() + header, dst, dstOffset, (long) n * width);
        return;
      }
      for (int k = 0; k < n; k++) {
        if (a.isNullAt(k)) {
          throw new BadValueException("null element at index " + k);
        }
        if (width == 4) {
          ((float[]) dst)[k] = a.getFloat(k);
        } else {
          ((double[]) dst)[k] = a.getDouble(k);
        }
      }
    }

    // VectorUDT's internal form: struct<type: tinyint (0 sparse, 1 dense), size: int, indices: array<int>, values: array<double>>
    private void readVector(InternalRow v) {
      byte type = v.getByte(0);
      if (type == 1) {
        copyArray(v.getArray(3), doubles, Platform.DOUBLE_ARRAY_OFFSET, 8);
        return;
      }
      int size = v.getInt(1);
      if (size != length) {
        throw new BadValueException("sparse vector of size " + size + ", expected " + length);
      }
      Arrays.fill(doubles, 0.0);
      ArrayData idx = v.getArray(2);
      ArrayData val = v.getArray(3);
      for (int k = 0; k < idx.numElements(); k++) {
        doubles[idx.getInt(k)] = val.getDouble(k);
      }
    }
  }
}
