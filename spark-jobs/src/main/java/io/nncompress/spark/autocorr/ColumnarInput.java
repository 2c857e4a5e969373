package io.nncompress.spark.autocorr;

import io.nncompress.stats.AutocorrelationAccumulator;
import io.nncompress.stats.NonFiniteValueException;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.InputAdapter;
import org.apache.spark.sql.execution.ProjectExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;
import scala.collection.Seq;

/**
 * The job's fast read path: the column batches of Spark's vectorized Parquet reader, read in place.
 *
 * <p>Through internal rows, every value is copied from the batch into a row buffer first (Spark's
 * ColumnarToRow), then into the accumulator; here a binary value is read where the reader left it
 * (a batch's bytes, through {@link ColumnVector#getUTF8String}, which wraps them without a copy)
 * and arrays element by element. The path is taken when the selection's physical plan is a
 * columnar scan of exactly the selected columns under ColumnarToRow (a DataFrame computed by
 * other operators is read as rows).
 *
 * <p>Batches carry no file name or row number, so a bad value (NaN, wrong length, null) fails the
 * pass with {@link Unreadable}; the job then reads the dataset again through rows, which names the
 * file and row. Bad input costs a second pass; good input never pays for the bookkeeping.
 */
final class ColumnarInput {
  private ColumnarInput() {}

  /** A value this path does not read (bad, or unsupported): the job reads the dataset as rows. */
  static final class Unreadable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unreadable(String message) {
      super(message);
    }

    /** Whether {@code t} or one of its causes is an Unreadable. */
    static boolean in(Throwable t) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        if (c instanceof Unreadable) {
          return true;
        }
      }
      return false;
    }
  }

  /** The scan and, for each selected column, its position in the scan's batches. */
  static final class Scan {
    final SparkPlan plan;
    final int[] columns;

    Scan(SparkPlan plan, int[] columns) {
      this.plan = plan;
      this.columns = columns;
    }

    JavaRDD<ColumnarBatch> batches() {
      return plan.executeColumnar().toJavaRDD();
    }
  }

  /**
   * The columnar scan under {@code selected} when its plan is (projections of attributes over)
   * ColumnarToRow over a columnar scan that outputs every selected column itself, else null.
   */
  static Scan find(Dataset<Row> selected, List<ColumnEncoding> encodings) {
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      return null;
    }
    SparkPlan top = selected.queryExecution().executedPlan();
    SparkPlan p = unwrap(top);
    if (!(p instanceof ColumnarToRowExec)) {
      return null;
    }
    SparkPlan scan = unwrap(((ColumnarToRowExec) p).child());
    if (!scan.supportsColumnar()) {
      return null;
    }
    List<Attribute> wanted = scala.jdk.javaapi.CollectionConverters.asJava(top.output());
    List<Attribute> have = scala.jdk.javaapi.CollectionConverters.asJava(scan.output());
    int[] columns = new int[wanted.size()];
    for (int k = 0; k < columns.length; k++) {
      columns[k] = -1;
      for (int j = 0; j < have.size(); j++) {
        if (have.get(j).exprId().equals(wanted.get(k).exprId())) {
          columns[k] = j;
        }
      }
      if (columns[k] < 0) {
        return null;
      }
    }
    return new Scan(scan, columns);
  }

  // steps through the wrappers of whole-stage code generation and projections that only pick columns
  private static SparkPlan unwrap(SparkPlan p) {
    while (true) {
      if (p instanceof WholeStageCodegenExec) {
        p = ((WholeStageCodegenExec) p).child();
      } else if (p instanceof InputAdapter) {
        p = ((InputAdapter) p).child();
      } else if (p instanceof ProjectExec && onlyAttributes(((ProjectExec) p).projectList())) {
        p = ((ProjectExec) p).child();
      } else {
        return p;
      }
    }
  }

  private static boolean onlyAttributes(Seq<NamedExpression> list) {
    for (NamedExpression e : scala.jdk.javaapi.CollectionConverters.asJava(list)) {
      if (!(e instanceof Attribute)) {
        return false;
      }
    }
    return true;
  }

  /** A task's work: all layers of the dataset over the batches of one partition. */
  static final class Accumulate
      implements FlatMapFunction<Iterator<ColumnarBatch>, AutocorrelationAccumulator[]> {
    private static final long serialVersionUID = 1L;
    private final List<LayerInput> layers;
    private final List<ColumnEncoding> encodings;
    private final int[] columns;
    private final AutocorrelationJob.Options options;

    Accumulate(List<LayerInput> layers, List<ColumnEncoding> encodings, int[] columns,
        AutocorrelationJob.Options options) {
      this.layers = layers;
      this.encodings = encodings;
      this.columns = columns;
      this.options = options;
    }

    @Override
    public Iterator<AutocorrelationAccumulator[]> call(Iterator<ColumnarBatch> it) {
      int n = layers.size();
      AutocorrelationAccumulator[] acc = new AutocorrelationAccumulator[n];
      float[][] floats = new float[n][];
      double[][] doubles = new double[n][];
      for (int k = 0; k < n; k++) {
        acc[k] = AutocorrelationJob.newAccumulator(layers.get(k), options);
        if (encodings.get(k) == ColumnEncoding.DOUBLE_ARRAY || encodings.get(k) == ColumnEncoding.ML_VECTOR) {
          doubles[k] = new double[acc[k].inputSize()];
        } else {
          floats[k] = new float[acc[k].inputSize()];
          if (layers.get(k).conv() == null) {
            acc[k].deferChecks(true); // a bad value fails the pass anyway: the row path then names it
          }
        }
      }
      while (it.hasNext()) {
        ColumnarBatch batch = it.next();
        int rows = batch.numRows();
        for (int k = 0; k < n; k++) {
          ColumnVector v = batch.column(columns[k]);
          try {
            for (int r = 0; r < rows; r++) {
              if (v.isNullAt(r)) {
                throw new Unreadable("null value");
              }
              switch (encodings.get(k)) {
                case BINARY_FLOAT32_LE:
                  readBinary(v.getUTF8String(r), floats[k]);
                  acc[k].addRow(floats[k], 0);
                  break;
                case FLOAT_ARRAY:
                  readFloats(v.getArray(r), floats[k]);
                  acc[k].addRow(floats[k], 0);
                  break;
                case DOUBLE_ARRAY:
                  readDoubles(v.getArray(r), doubles[k]);
                  acc[k].addRow(doubles[k], 0);
                  break;
                case ML_VECTOR:
                  readVector(v.getStruct(r), doubles[k]);
                  acc[k].addRow(doubles[k], 0);
                  break;
                default:
                  throw new Unreadable("encoding " + encodings.get(k));
              }
            }
          } catch (NonFiniteValueException e) {
            throw new Unreadable(e.getMessage());
          }
        }
      }
      try {
        for (AutocorrelationAccumulator a : acc) {
          a.finish();
        }
      } catch (NonFiniteValueException e) {
        throw new Unreadable(e.getMessage());
      }
      return Collections.singletonList(acc).iterator();
    }

    // float32 little-endian bytes, copied from where the batch holds them (native order is little-endian)
    private static void readBinary(UTF8String bytes, float[] dst) {
      int size = bytes.numBytes();
      if (size != 4 * dst.length) {
        throw new Unreadable("binary value of " + size + " bytes");
      }
      Platform.copyMemory(bytes.getBaseObject(), bytes.getBaseOffset(), dst, Platform.FLOAT_ARRAY_OFFSET, size);
    }

    private static void readFloats(ColumnarArray a, float[] dst) {
      if (a.numElements() != dst.length) {
        throw new Unreadable("vector of length " + a.numElements());
      }
      for (int i = 0; i < dst.length; i++) {
        if (a.isNullAt(i)) {
          throw new Unreadable("null element");
        }
        dst[i] = a.getFloat(i);
      }
    }

    // VectorUDT's form: struct<type: tinyint (0 sparse, 1 dense), size: int, indices: array<int>, values: array<double>>
    private static void readVector(org.apache.spark.sql.vectorized.ColumnarRow v, double[] dst) {
      if (v.getByte(0) == 1) {
        readDoubles(v.getArray(3), dst);
        return;
      }
      if (v.getInt(1) != dst.length) {
        throw new Unreadable("sparse vector of size " + v.getInt(1));
      }
      java.util.Arrays.fill(dst, 0.0);
      ColumnarArray idx = v.getArray(2);
      ColumnarArray val = v.getArray(3);
      for (int i = 0; i < idx.numElements(); i++) {
        int j = idx.getInt(i);
        if (j < 0 || j >= dst.length) {
          throw new Unreadable("sparse vector index " + j);
        }
        dst[j] = val.getDouble(i);
      }
    }

    private static void readDoubles(ColumnarArray a, double[] dst) {
      if (a.numElements() != dst.length) {
        throw new Unreadable("vector of length " + a.numElements());
      }
      for (int i = 0; i < dst.length; i++) {
        if (a.isNullAt(i)) {
          throw new Unreadable("null element");
        }
        dst[i] = a.getDouble(i);
      }
    }
  }
}
