package io.nncompress.spark.data;

import io.nncompress.spark.autocorr.ColumnEncoding;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A generated activation dataset with the structure of real layer inputs: x = mu + A z + 0.1 e, z a
 * latent Gaussian of rank r = min(d, 16), so R is far from diagonal. Deterministic in the seed,
 * whatever the number of partitions (each row draws from its own seeded stream).
 */
public final class ExampleActivations {
  private ExampleActivations() {}

  public static DataType sqlType(ColumnEncoding enc) {
    switch (enc) {
      case FLOAT_ARRAY:
        return DataTypes.createArrayType(DataTypes.FloatType, false);
      case DOUBLE_ARRAY:
        return DataTypes.createArrayType(DataTypes.DoubleType, false);
      case ML_VECTOR:
        return SQLDataTypes.VectorType();
      case BINARY_FLOAT32_LE:
        return DataTypes.BinaryType;
      default:
        throw new IllegalStateException(enc.name());
    }
  }

  /** The mixing matrix A (d x r, row-major) and mean mu of a seed. */
  public static double[][] model(int d, long seed) {
    int r = Math.min(d, 16);
    Random rnd = new Random(seed);
    double[] a = new double[d * r];
    for (int k = 0; k < a.length; k++) {
      a[k] = rnd.nextGaussian() / Math.sqrt(r);
    }
    double[] mu = new double[d];
    for (int j = 0; j < d; j++) {
      mu[j] = 0.5 * rnd.nextGaussian();
    }
    return new double[][] {a, mu};
  }

  /** One row's values (float32-representable for the float encodings, so all four agree). */
  public static double[] row(long index, int d, double[] a, double[] mu, long seed) {
    int r = a.length / d;
    SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
    double[] z = new double[r];
    for (int k = 0; k < r; k++) {
      z[k] = gaussian(rnd);
    }
    double[] x = new double[d];
    for (int j = 0; j < d; j++) {
      double v = mu[j] + 0.1 * gaussian(rnd);
      for (int k = 0; k < r; k++) {
        v += a[j * r + k] * z[k];
      }
      x[j] = (float) v;
    }
    return x;
  }

  private static double gaussian(SplittableRandom rnd) {
    // Box-Muller, one value per call
    double u = rnd.nextDouble();
    double v = rnd.nextDouble();
    return Math.sqrt(-2 * Math.log1p(-u)) * Math.cos(2 * Math.PI * v);
  }

  /** The column value of a row in an encoding. */
  public static Object encode(double[] x, ColumnEncoding enc) {
    switch (enc) {
      case FLOAT_ARRAY:
        Float[] f = new Float[x.length];
        for (int j = 0; j < x.length; j++) {
          f[j] = (float) x[j];
        }
        return f;
      case DOUBLE_ARRAY:
        Double[] dd = new Double[x.length];
        for (int j = 0; j < x.length; j++) {
          dd[j] = x[j];
        }
        return dd;
      case ML_VECTOR:
        return Vectors.dense(x);
      case BINARY_FLOAT32_LE:
        ByteBuffer b = ByteBuffer.allocate(4 * x.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : x) {
          b.putFloat((float) v);
        }
        return b.array();
      default:
        throw new IllegalStateException(enc.name());
    }
  }

  /** Writes {@code rows} rows of dimension d in the given encodings (one column each) to Parquet. */
  public static void write(SparkSession spark, String path, long rows, int d, List<ColumnEncoding> encodings,
      List<String> columns, int partitions, long seed) {
    write(spark, path, rows, d, encodings, columns, partitions, seed, 0);
  }

  /** As above, with row groups of at most {@code rowGroupBytes} (0: Parquet's default, 128 MiB). */
  public static void write(SparkSession spark, String path, long rows, int d, List<ColumnEncoding> encodings,
      List<String> columns, int partitions, long seed, long rowGroupBytes) {
    List<StructField> fields = new ArrayList<>();
    fields.add(new StructField("id", DataTypes.LongType, false, Metadata.empty()));
    for (int k = 0; k < encodings.size(); k++) {
      fields.add(new StructField(columns.get(k), sqlType(encodings.get(k)), false, Metadata.empty()));
    }
    StructType schema = new StructType(fields.toArray(new StructField[0]));
    List<Integer> parts = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      parts.add(p);
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<Row> data = jsc.parallelize(parts, partitions).flatMap(p -> {
      double[][] m = model(d, seed);
      long from = rows * p / partitions;
      long to = rows * (p + 1) / partitions;
      return new java.util.Iterator<Row>() {
        long i = from;

        @Override
        public boolean hasNext() {
          return i < to;
        }

        @Override
        public Row next() {
          double[] x = row(i, d, m[0], m[1], seed);
          Object[] values = new Object[encodings.size() + 1];
          values[0] = i++;
          for (int k = 0; k < encodings.size(); k++) {
            values[k + 1] = encode(x, encodings.get(k));
          }
          return RowFactory.create(values);
        }
      };
    });
    org.apache.spark.sql.DataFrameWriter<Row> w = spark.createDataFrame(data, schema).write().mode("overwrite");
    if (rowGroupBytes > 0) {
      w = w.option("parquet.block.size", rowGroupBytes);
    }
    w.parquet(path);
  }
}
