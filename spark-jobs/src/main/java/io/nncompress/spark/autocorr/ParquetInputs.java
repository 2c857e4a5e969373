package io.nncompress.spark.autocorr;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** Opening activation datasets and checking their columns, with errors that name them. */
public final class ParquetInputs {
  private ParquetInputs() {}

  /**
   * Opens a Parquet dataset (a file or a directory); an unreadable one names itself and the cause. A
   * path with Hadoop glob characters ({@code [ ] { } * ? \}) that exists as written is read
   * literally (the characters escaped); one that does not exist is a glob pattern, as Spark reads it.
   * A directory without data files says so.
   */
  public static Dataset<Row> read(SparkSession spark, String dataset) {
    try {
      Dataset<Row> df = spark.read().parquet(literal(spark, dataset));
      df.schema();
      return df;
    } catch (Exception e) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("UNABLE_TO_INFER_SCHEMA") || m.contains("Unable to infer schema")) {
        throw new BadInputException("Dataset " + dataset + " has no Parquet files: it is an empty directory, or "
            + "holds only hidden files (names starting with _ or .)", e);
      }
      throw wrapReadFailure(dataset, e);
    }
  }

  private static final String GLOB_CHARS = "[]{}*?\\";

  /** The dataset path with its glob characters escaped when it exists as written, else unchanged. */
  static String literal(SparkSession spark, String dataset) {
    if (dataset.chars().noneMatch(ch -> GLOB_CHARS.indexOf(ch) >= 0)) {
      return dataset;
    }
    try {
      org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(dataset);
      if (!p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p)) {
        return dataset; // a glob pattern
      }
    } catch (java.io.IOException | IllegalArgumentException e) {
      return dataset;
    }
    StringBuilder sb = new StringBuilder();
    for (char ch : dataset.toCharArray()) {
      if (GLOB_CHARS.indexOf(ch) >= 0) {
        sb.append('\\');
      }
      sb.append(ch);
    }
    return sb.toString();
  }

  /** A failure while reading a dataset, as an error naming it (and the cause, which names the file). */
  public static BadInputException wrapReadFailure(String dataset, Exception e) {
    return new BadInputException("Dataset " + dataset + " cannot be read as Parquet: " + reason(e, true), e);
  }

  /** Spark's FAILED_READ_FILE errors name the file: "Encountered error while reading file PATH. ..." */
  private static final java.util.regex.Pattern READING_FILE =
      java.util.regex.Pattern.compile("while reading file (\\S+?)\\.(\\s|$)");

  /**
   * Why a read failed, on one line: the first line of the innermost cause's message (a Spark job's
   * failure carries the executor's stack trace in its own message), with the file the failure names
   * ({@code withFile}: Spark's FAILED_READ_FILE errors name it, their causes often do not) in front.
   */
  static String reason(Throwable e, boolean withFile) {
    String line = String.valueOf(e);
    String file = null;
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String m = t.getMessage();
      if (m != null && !m.isBlank()) { // the innermost message; a cause without one (an EOFException) adds its type
        line = m.strip().lines().findFirst().orElse("").strip();
        java.util.regex.Matcher f = READING_FILE.matcher(m);
        file = f.find() ? f.group(1) : file;
      } else if (t != e) {
        line = line + " (" + t.getClass().getName() + ")";
      }
    }
    return withFile && file != null && !line.contains(file) ? "file " + file + ": " + line : line;
  }

  /** The column's encoding; a missing column or an unsupported type names the dataset and the column. */
  public static ColumnEncoding encodingOf(String dataset, StructType schema, String column) {
    StructField field = Arrays.stream(schema.fields()).filter(f -> f.name().equals(column)).findFirst()
        .orElseThrow(() -> new BadInputException("Dataset " + dataset + " has no column '" + column
            + "'; its columns are " + Arrays.toString(schema.fieldNames())));
    ColumnEncoding enc = ColumnEncoding.detect(field.dataType());
    if (enc == null) {
      throw new BadInputException("Dataset " + dataset + ", column " + column + ": type "
          + field.dataType().simpleString() + " is not a supported encoding; use one of "
          + List.of("array<float>", "array<double>", "vector", "binary (float32 little-endian)"));
    }
    return enc;
  }

  /**
   * The vector length of a column, read from its first non-null value: of the first file (by name)
   * that has one, read on the driver ({@link ParquetFirstValue}, no Spark job); when that read fails
   * or the dataset has no files to list, the first value Spark returns (whose errors name the file).
   */
  public static int inferDim(String dataset, Dataset<Row> df, String column, ColumnEncoding enc) {
    String[] files = df.inputFiles().clone();
    if (files.length > 0) {
      Arrays.sort(files);
      org.apache.hadoop.conf.Configuration conf = df.sparkSession().sessionState().newHadoopConf();
      try {
        for (String f : files) {
          int length = ParquetFirstValue.length(conf, dataset, new org.apache.hadoop.fs.Path(java.net.URI.create(f))
              .toString(), column, enc);
          if (length >= 0) {
            return length;
          }
        }
        throw new BadInputException("Dataset " + dataset + ", column " + column + ": the dataset has no rows");
      } catch (BadInputException e) {
        throw e;
      } catch (Exception e) {
        // read it through Spark below, which reports the file
      }
    }
    List<Row> first;
    try {
      first = df.select(functions.col(AutocorrelationJob.quote(column)))
          .where(functions.col(AutocorrelationJob.quote(column)).isNotNull()).limit(1).collectAsList();
    } catch (Exception e) {
      throw wrapReadFailure(dataset, e);
    }
    if (first.isEmpty()) {
      throw new BadInputException("Dataset " + dataset + ", column " + column + ": the dataset has no rows");
    }
    return lengthOf(dataset, column, enc, first.get(0));
  }

  // the vector length of the value in column 0 of a row
  private static int lengthOf(String dataset, String column, ColumnEncoding enc, Row r) {
    switch (enc) {
      case FLOAT_ARRAY:
      case DOUBLE_ARRAY:
        return r.getList(0).size();
      case ML_VECTOR:
        return ((Vector) r.get(0)).size();
      case BINARY_FLOAT32_LE:
        byte[] b = (byte[]) r.get(0);
        if (b.length % 4 != 0 || b.length == 0) {
          throw new BadInputException("Dataset " + dataset + ", column " + column + ": binary value of " + b.length
              + " bytes is not a whole number of float32 values");
        }
        return b.length / 4;
      default:
        throw new IllegalStateException(enc.name());
    }
  }

  /**
   * Checks that the first non-null value of EVERY file of the dataset has the same length as the
   * first file's (what {@link #inferDim} reads is the first value of one file only): the footer and
   * the first values of one column of each file, read on the driver ({@link ParquetFirstValue}, no
   * Spark job), so a dataset whose files were written with different vector lengths is refused before
   * the run, naming both files and lengths. An unreadable file (truncated, not Parquet) is named.
   */
  public static void checkFileLengths(SparkSession spark, String dataset, Dataset<Row> df, String column,
      ColumnEncoding enc) {
    String[] files = df.inputFiles().clone();
    if (files.length < 2) {
      return;
    }
    Arrays.sort(files);
    org.apache.hadoop.conf.Configuration conf = spark.sessionState().newHadoopConf();
    String firstFile = null;
    int firstLength = -1;
    for (String f : files) {
      String file = new org.apache.hadoop.fs.Path(java.net.URI.create(f)).toString();
      int length;
      try {
        length = ParquetFirstValue.length(conf, dataset, file, column, enc);
      } catch (BadInputException e) {
        throw e;
      } catch (Exception e) {
        throw wrapFileFailure(dataset, file, e);
      }
      if (length < 0) {
        continue;
      }
      if (firstFile == null) {
        firstFile = file;
        firstLength = length;
      } else if (length != firstLength) {
        throw new BadInputException("Dataset " + dataset + ", column " + column + ": its files hold vectors of "
            + "different lengths: " + firstFile + " " + firstLength + " values, " + file + " " + length + " values");
      }
    }
  }

  /** A failure while reading one file of a dataset, as an error naming the dataset and the file. */
  static BadInputException wrapFileFailure(String dataset, String file, Exception e) {
    return new BadInputException("Dataset " + dataset + " cannot be read as Parquet: file " + file + ": "
        + reason(e, false), e);
  }

  /** Whether file-source metadata (file path, row index) can be selected for error messages. */
  public static boolean hasFileMetadata(Dataset<Row> df) {
    try {
      df.select(functions.col(AutocorrelationJob.FILE_PATH), functions.col(AutocorrelationJob.ROW_INDEX)).schema();
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
