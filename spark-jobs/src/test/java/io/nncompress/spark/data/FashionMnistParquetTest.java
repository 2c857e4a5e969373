package io.nncompress.spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.data.LabeledImages;
import io.nncompress.spark.SparkTestSession;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistParquetTest {
  @TempDir
  Path dir;

  // n images of 2 x 3 pixels: pixel j of image k is 10 k + j (mod 256), label k % 10
  private static LabeledImages images(int n) {
    byte[] px = new byte[n * 6];
    int[] labels = new int[n];
    for (int k = 0; k < n; k++) {
      labels[k] = k % 10;
      for (int j = 0; j < 6; j++) {
        px[k * 6 + j] = (byte) (10 * k + j);
      }
    }
    return new LabeledImages(2, 3, px, labels);
  }

  @Test
  void eachFileHoldsAContiguousRangeOfImagesInOrder() {
    SparkSession spark = SparkTestSession.get();
    String out = dir.resolve("fm").toString();
    assertEquals(7, FashionMnistParquet.write(spark, images(7), out, 3));
    File[] files = new File(out).listFiles((d, n) -> n.endsWith(".parquet"));
    Arrays.sort(files);
    assertEquals(3, files.length);
    int[][] ranges = {{0, 1}, {2, 3}, {4, 5, 6}}; // [i 7 / 3, (i + 1) 7 / 3)
    for (int i = 0; i < 3; i++) {
      List<Row> rows = spark.read().parquet(files[i].getPath()).collectAsList();
      assertEquals(ranges[i].length, rows.size(), files[i].getName());
      for (int s = 0; s < rows.size(); s++) {
        int k = ranges[i][s];
        ByteBuffer b = ByteBuffer.wrap((byte[]) rows.get(s).get(0)).order(ByteOrder.LITTLE_ENDIAN);
        float[] got = new float[6];
        float[] want = new float[6];
        for (int j = 0; j < 6; j++) {
          got[j] = b.getFloat();
          want[j] = (10 * k + j) / 255f;
        }
        assertArrayEquals(want, got, files[i].getName() + " row " + s);
        assertEquals(k % 10, rows.get(s).getInt(1));
      }
    }
  }

  @Test
  void theImageColumnHasNoDictionaryTheLabelColumnHasOne() throws Exception {
    String out = dir.resolve("fm1").toString();
    FashionMnistParquet.write(SparkTestSession.get(), images(500), out, 1);
    File file = new File(out).listFiles((d, n) -> n.endsWith(".parquet"))[0];
    try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(
        new org.apache.hadoop.fs.Path(file.getPath()), new Configuration()))) {
      List<ColumnChunkMetaData> cols = r.getFooter().getBlocks().get(0).getColumns();
      assertEquals("image", cols.get(0).getPath().toDotString());
      assertFalse(cols.get(0).getEncodings().stream().anyMatch(Encoding::usesDictionary),
          cols.get(0).getEncodings().toString());
      assertTrue(cols.get(1).getEncodings().stream().anyMatch(Encoding::usesDictionary),
          cols.get(1).getEncodings().toString());
    }
  }
}
