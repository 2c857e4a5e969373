package io.nncompress.spark.data;

import io.nncompress.data.LabeledImages;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    LabeledImages images = LabeledImages.fashionMnist(sourceDir, train);
    int d = images.features();
    List<Row> rows = new ArrayList<>(images.size());
    for (int k = 0; k < images.size(); k++) {
      ByteBuffer b = ByteBuffer.allocate(4 * d).order(ByteOrder.LITTLE_ENDIAN);
      for (int j = 0; j < d; j++) {
        b.putFloat(images.pixel(k, j));
      }
      rows.add(RowFactory.create(b.array(), images.label(k)));
    }
    spark.createDataFrame(rows, SCHEMA).repartition(partitions).write().mode("overwrite").parquet(output);
    return images.size();
  }
}
