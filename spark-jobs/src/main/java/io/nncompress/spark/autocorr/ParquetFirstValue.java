package io.nncompress.spark.autocorr;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

/**
 * The vector length of the first non-null value of one column of one Parquet file, read on the
 * driver through parquet-hadoop (the footer, then the column's pages up to that value), without a
 * Spark job: checking the files of a dataset costs milliseconds each instead of a job each.
 */
final class ParquetFirstValue {
  private ParquetFirstValue() {}

  /**
   * The length of the first non-null value of {@code column} in {@code file} as {@code enc} encodes
   * vectors; -1 when the file has no non-null value (or no such column). A binary value that is not a whole number of
   * float32 values is refused naming the dataset and the column.
   */
  static int length(Configuration conf, String dataset, String file, String column, ColumnEncoding enc)
      throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(file), conf))) {
      MessageType schema = reader.getFooter().getFileMetaData().getSchema();
      if (!schema.containsField(column)) {
        return -1; // as Spark reads it with the dataset's schema: nulls
      }
      MessageType projection = new MessageType(schema.getName(), schema.getType(column));
      reader.setRequestedSchema(projection);
      ColumnIOFactory io = new ColumnIOFactory();
      PageReadStore rowGroup;
      while ((rowGroup = reader.readNextRowGroup()) != null) {
        RecordReader<Group> records = io.getColumnIO(projection, schema).getRecordReader(rowGroup,
            new GroupRecordConverter(projection));
        for (long r = 0; r < rowGroup.getRowCount(); r++) {
          Group g = records.read();
          if (g != null && g.getFieldRepetitionCount(0) > 0) {
            return lengthOf(dataset, column, g, enc);
          }
        }
      }
      return -1;
    }
  }

  // the length of field 0 of a record (present)
  private static int lengthOf(String dataset, String column, Group g, ColumnEncoding enc) {
    switch (enc) {
      case BINARY_FLOAT32_LE: {
        int bytes = g.getBinary(0, 0).length();
        if (bytes % 4 != 0 || bytes == 0) {
          throw new BadInputException("Dataset " + dataset + ", column " + column + ": binary value of " + bytes
              + " bytes is not a whole number of float32 values");
        }
        return bytes / 4;
      }
      case FLOAT_ARRAY:
      case DOUBLE_ARRAY:
        return elements(g.getGroup(0, 0));
      case ML_VECTOR: {
        Group v = g.getGroup(0, 0); // Spark's VectorUDT: type (0 sparse, 1 dense), size, indices, values
        int type = v.getInteger("type", 0);
        if (type == 0) {
          return v.getInteger("size", 0);
        }
        return v.getFieldRepetitionCount("values") == 0 ? 0 : elements(v.getGroup("values", 0));
      }
      default:
        throw new IllegalStateException(enc.name());
    }
  }

  // the elements of a Parquet LIST group (3-level: repeated group list { element }, or 2-level legacy)
  private static int elements(Group list) {
    return list.getType().getFieldCount() == 0 ? 0 : list.getFieldRepetitionCount(0);
  }
}
