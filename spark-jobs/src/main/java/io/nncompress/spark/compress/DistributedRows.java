package io.nncompress.spark.compress;

import io.nncompress.format.safetensors.TensorSource;
import io.nncompress.linalg.DenseMatrix;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/** Where {@link DistributedLayers} reads a layer's weights from: (row index, row) pairs, in blocks of rows. */
final class DistributedRows {
  /** A task reads about this many weights (a block of whole rows). */
  static final int BLOCK_VALUES = 1 << 22;

  private DistributedRows() {}

  /** The rows of a tensor left on file, one task per block of rows: each reads its own byte range. */
  static JavaPairRDD<Long, float[]> fromSource(JavaSparkContext jsc, TensorSource src, int rows, int cols) {
    int block = blockRows(jsc, rows, cols);
    List<int[]> ranges = new ArrayList<>();
    for (int from = 0; from < rows; from += block) {
      ranges.add(new int[] {from, Math.min(rows, from + block)});
    }
    return jsc.parallelize(ranges, Math.max(1, ranges.size())).flatMapToPair(r -> {
      double[] v = src.rows(r[0], r[1]);
      List<Tuple2<Long, float[]>> out = new ArrayList<>(r[1] - r[0]);
      for (int i = r[0]; i < r[1]; i++) {
        float[] row = new float[cols];
        int off = (i - r[0]) * cols;
        for (int j = 0; j < cols; j++) {
          row[j] = (float) v[off + j];
        }
        out.add(new Tuple2<>((long) i, row));
      }
      return out.iterator();
    });
  }

  /** The rows of a matrix the driver holds, in blocks that travel with the tasks. */
  static JavaPairRDD<Long, float[]> fromMatrix(JavaSparkContext jsc, DenseMatrix w) {
    int block = blockRows(jsc, w.rows, w.cols);
    List<Tuple2<Integer, float[][]>> blocks = new ArrayList<>();
    for (int from = 0; from < w.rows; from += block) {
      int to = Math.min(w.rows, from + block);
      float[][] rs = new float[to - from][w.cols];
      for (int i = from; i < to; i++) {
        for (int j = 0; j < w.cols; j++) {
          rs[i - from][j] = (float) w.get(i, j);
        }
      }
      blocks.add(new Tuple2<>(from, rs));
    }
    return jsc.parallelize(blocks, Math.max(1, blocks.size())).flatMapToPair(b -> {
      List<Tuple2<Long, float[]>> out = new ArrayList<>(b._2.length);
      for (int i = 0; i < b._2.length; i++) {
        out.add(new Tuple2<>((long) (b._1 + i), b._2[i]));
      }
      return out.iterator();
    });
  }

  // rows per task: about BLOCK_VALUES weights, and at least as many tasks as the cluster's default parallelism
  private static int blockRows(JavaSparkContext jsc, int rows, int cols) {
    int block = Math.max(1, BLOCK_VALUES / Math.max(1, cols));
    int tasks = Math.max(1, jsc.defaultParallelism());
    return Math.max(1, Math.min(block, (rows + tasks - 1) / tasks));
  }
}
