package io.nncompress.spark.compress;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.autocorr.ColumnEncoding;
import io.nncompress.spark.autocorr.ParquetInputs;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

/**
 * A Parquet dataset of network inputs (one sample per row, in any of the four vector encodings),
 * with an optional integer label column, read in batches of samples (one per column).
 */
public final class InputData implements Serializable {
  private static final long serialVersionUID = 1L;
  public final String dataset;
  public final String inputColumn;
  public final String labelColumn;
  public final ColumnEncoding encoding;
  public final int features;
  private final boolean labelIsLong;
  private final boolean hasMetadata;
  private transient JavaRDD<InternalRow> rows;

  private InputData(String dataset, String inputColumn, String labelColumn, ColumnEncoding encoding, int features,
      boolean labelIsLong, boolean hasMetadata, JavaRDD<InternalRow> rows) {
    this.dataset = dataset;
    this.inputColumn = inputColumn;
    this.labelColumn = labelColumn;
    this.encoding = encoding;
    this.features = features;
    this.labelIsLong = labelIsLong;
    this.hasMetadata = hasMetadata;
    this.rows = rows;
  }

  /** Opens and checks the dataset: the input column's encoding and length, the label column's type. */
  public static InputData open(SparkSession spark, String dataset, String inputColumn, String labelColumn,
      int expectedFeatures) {
    Dataset<Row> df = ParquetInputs.read(spark, dataset);
    ColumnEncoding enc = ParquetInputs.encodingOf(dataset, df.schema(), inputColumn);
    boolean labelIsLong = false;
    if (labelColumn != null) {
      StructField f = Arrays.stream(df.schema().fields()).filter(x -> x.name().equals(labelColumn)).findFirst()
          .orElseThrow(() -> new BadInputException("Dataset " + dataset + " has no label column '" + labelColumn
              + "'; its columns are " + Arrays.toString(df.schema().fieldNames())));
      DataType t = f.dataType();
      if (!t.equals(DataTypes.IntegerType) && !t.equals(DataTypes.LongType) && !t.equals(DataTypes.ShortType)
          && !t.equals(DataTypes.ByteType)) {
        throw new BadInputException("Dataset " + dataset + ", label column " + labelColumn + ": type "
            + t.simpleString() + " is not an integer type");
      }
      labelIsLong = t.equals(DataTypes.LongType);
    }
    int d = ParquetInputs.inferDim(dataset, df, inputColumn, enc);
    if (expectedFeatures > 0 && d != expectedFeatures) {
      throw new BadInputException("Dataset " + dataset + ", column " + inputColumn + ": vectors of length " + d
          + ", the network takes " + expectedFeatures + " inputs");
    }
    List<Column> cols = new ArrayList<>();
    cols.add(functions.col("`" + inputColumn + "`"));
    if (labelColumn != null) {
      cols.add(functions.col("`" + labelColumn + "`").cast(labelIsLong ? "long" : "int"));
    }
    boolean meta = ParquetInputs.hasFileMetadata(df);
    if (meta) {
      cols.add(functions.col("_metadata.file_path"));
      cols.add(functions.col("_metadata.row_index"));
    }
    JavaRDD<InternalRow> rows = df.select(cols.toArray(new Column[0])).queryExecution().toRdd().toJavaRDD();
    return new InputData(dataset, inputColumn, labelColumn, enc, d, labelIsLong, meta, rows);
  }

  public JavaRDD<InternalRow> rows() {
    return rows;
  }

  /** Receives batches: inputs (features x n, one sample per column) and labels (null without labels). */
  @FunctionalInterface
  public interface BatchConsumer {
    void accept(DenseMatrix batch, int[] labels);
  }

  /**
   * Reads a partition's rows in batches of at most {@code batchSize} samples. A label the consumer
   * rejects ({@link io.nncompress.compress.Evaluation.BadLabelException}) is reported naming the
   * dataset, the label column, the file and row (when Parquet gives them) and the label.
   */
  public void forEachBatch(Iterator<InternalRow> it, int batchSize, BatchConsumer consumer) {
    ColumnEncoding.RowReader reader = encoding.reader(0, features);
    double[] buf = new double[features * batchSize];
    int[] labels = labelColumn == null ? null : new int[batchSize];
    String[] where = labels == null ? null : new String[batchSize]; // file and row of each labelled sample
    int n = 0;
    while (it.hasNext()) {
      InternalRow row = it.next();
      try {
        reader.readInto(row, buf, n * features);
      } catch (ColumnEncoding.BadValueException e) {
        throw bad(row, e.getMessage(), e);
      }
      if (labels != null) {
        if (row.isNullAt(1)) {
          throw bad(row, "null label in column " + labelColumn, null);
        }
        where[n] = location(row);
        long label = labelIsLong ? row.getLong(1) : row.getInt(1);
        if (label != (int) label) {
          throw new BadInputException("Dataset " + dataset + ", label column " + labelColumn + where[n] + ": label "
              + label + " is not a class index (0 .. classes - 1)");
        }
        labels[n] = (int) label;
      }
      if (++n == batchSize) {
        accept(consumer, new DenseMatrix(features, n, buf.clone()), labels == null ? null : labels.clone(), where);
        n = 0;
      }
    }
    if (n > 0) {
      accept(consumer, new DenseMatrix(features, n, Arrays.copyOf(buf, n * features)),
          labels == null ? null : Arrays.copyOf(labels, n), where);
    }
  }

  private void accept(BatchConsumer consumer, DenseMatrix batch, int[] labels, String[] where) {
    try {
      consumer.accept(batch, labels);
    } catch (io.nncompress.compress.Evaluation.BadLabelException e) {
      throw new BadInputException("Dataset " + dataset + ", label column " + labelColumn + where[e.sample] + ": "
          + e.getMessage(), e);
    }
  }

  // ", file F, row R" when Parquet gives them, else ""
  private String location(InternalRow row) {
    if (!hasMetadata) {
      return "";
    }
    int m = labelColumn == null ? 1 : 2;
    return ", file " + row.getUTF8String(m) + ", row " + row.getLong(m + 1);
  }

  private BadInputException bad(InternalRow row, String message, Throwable cause) {
    return new BadInputException("Dataset " + dataset + ", column " + inputColumn + location(row) + ": " + message,
        cause);
  }
}
