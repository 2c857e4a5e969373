package io.nncompress.spark.data;

import io.nncompress.data.LabeledImages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Fashion-MNIST (Debian's dataset-fashion-mnist) as Parquet: {@code image} binary float32
 * little-endian (784 pixels scaled to [0, 1]) and {@code label} int.
 *
 * <p>Written without a shuffle: the images (bytes, 47 MB for the training split) are broadcast and
 * each task encodes its own contiguous range of them, so file {@code i} of {@code n} holds images
 * [i N / n, (i + 1) N / n) in their order in the IDX file. The image column is written without a
 * dictionary (every value is distinct: Parquet would build one and drop it).
 */
public final class FashionMnistParquet {
  public static final StructType SCHEMA = new StructType(new StructField[] {
    new StructField("image", DataTypes.BinaryType, false, Metadata.empty()),
    new StructField("label", DataTypes.IntegerType, false, Metadata.empty())
  });

  private FashionMnistParquet() {}

  /** Writes the training or test split to {@code output} (overwriting). */
  public static long write(SparkSession spark, Path sourceDir, boolean train, String output, int partitions)
      throws IOException {
    return write(spark, LabeledImages.fashionMnist(sourceDir, train), output, partitions);
  }

  /** Writes {@code images} to {@code output} (overwriting) in {@code partitions} files of contiguous images. */
  public static long write(SparkSession spark, LabeledImages images, String output, int partitions) {
    int n = images.size();
    int parts = Math.max(1, Math.min(partitions, n));
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<LabeledImages> shared = jsc.broadcast(images);
    try {
      List<Integer> ids = new ArrayList<>();
      IntStream.range(0, parts).forEach(ids::add);
      JavaRDD<Row> rows = jsc.parallelize(ids, parts).mapPartitions(it -> {
        int part = it.next();
        return encode(shared.value(), (int) ((long) part * n / parts), (int) ((long) (part + 1) * n / parts));
      });
      spark.createDataFrame(rows, SCHEMA).write().mode("overwrite")
          .option("parquet.enable.dictionary#image", "false").parquet(output);
    } finally {
      shared.destroy();
    }
    return n;
  }

  // images [from, to) as rows (image bytes, label), one at a time
  static Iterator<Row> encode(LabeledImages images, int from, int to) {
    int d = images.features();
    return new Iterator<Row>() {
      int k = from;

      @Override
      public boolean hasNext() {
        return k < to;
      }

      @Override
      public Row next() {
        ByteBuffer b = ByteBuffer.allocate(4 * d).order(ByteOrder.LITTLE_ENDIAN);
        for (int j = 0; j < d; j++) {
          b.putFloat(images.pixel(k, j));
        }
        Row r = RowFactory.create(b.array(), images.label(k));
        k++;
        return r;
      }
    };
  }
}
