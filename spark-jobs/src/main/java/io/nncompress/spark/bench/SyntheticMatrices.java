package io.nncompress.spark.bench;

import io.nncompress.codec.lowrank.Svd;
import io.nncompress.linalg.Blas;
import io.nncompress.linalg.DenseMatrix;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * A synthetic m x n matrix with a known spectrum, generated on the executors block by block from a
 * seed (the same rows on every pass, so it need not be cached): A = G diag(s) V0^T + noise E, with
 * V0 n x r orthonormal (broadcast), G m x r with independent N(0, 1/m) entries (so its columns are
 * orthonormal up to O(1/sqrt(m))), s_t = 100 * 100^(-t/(r-1)) from 100 down to 1, and E with
 * independent uniform entries of unit variance. The top r singular values are s up to
 * O(s_t / sqrt(m)); the rest are about noise * (sqrt(m) + sqrt(n)) at most.
 */
public final class SyntheticMatrices {
  private SyntheticMatrices() {}

  /** The nominal singular values s_t of the signal. */
  public static double[] spectrum(int rank) {
    double[] s = new double[rank];
    for (int t = 0; t < rank; t++) {
      s[t] = rank == 1 ? 100 : 100 * Math.pow(100, -t / (rank - 1.0));
    }
    return s;
  }

  /** The rows of A, {@code partitions} partitions of consecutive rows. */
  public static JavaRDD<double[]> lowRankPlusNoise(JavaSparkContext jsc, long m, int n, int rank, int partitions,
      double noise, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    DenseMatrix g0 = new DenseMatrix(n, rank);
    for (int t = 0; t < g0.data.length; t++) {
      g0.data[t] = SyntheticLayers.gaussian(rnd);
    }
    DenseMatrix v0 = Svd.of(g0).u;
    double[] s = spectrum(rank);
    // V0 diag(s) / sqrt(m), so that a row is V0 diag(s) g with g ~ N(0, I) / sqrt(m)
    for (int t = 0; t < rank; t++) {
      for (int j = 0; j < n; j++) {
        v0.data[j + t * n] *= s[t] / Math.sqrt(m);
      }
    }
    Broadcast<double[]> bv = jsc.broadcast(v0.data);
    List<Integer> parts = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      parts.add(p);
    }
    final int blockRows = 256;
    return jsc.parallelize(parts, partitions).mapPartitions(pit -> {
      int p = pit.next();
      long start = m * p / partitions; // partition p holds rows [m p / P, m (p + 1) / P)
      long end = m * (p + 1) / partitions;
      return new java.util.Iterator<double[]>() {
        long next = start;
        double[] block;
        int inBlock;
        int pos;

        @Override
        public boolean hasNext() {
          return next < end;
        }

        @Override
        public double[] next() {
          if (block == null || pos == inBlock) {
            inBlock = (int) Math.min(blockRows, end - next);
            SplittableRandom r = new SplittableRandom(seed * 1_000_003L + next);
            double[] gt = new double[rank * inBlock]; // G_b^T, r x b
            for (int t = 0; t < gt.length; t++) {
              gt[t] = SyntheticLayers.gaussian(r);
            }
            block = new double[n * inBlock]; // A_b^T, n x b: the rows one after another
            for (int t = 0; t < block.length; t++) {
              block[t] = noise * 3.4641016151377544 * (r.nextDouble() - 0.5); // sqrt(12) (u - 1/2): unit variance
            }
            // A_b^T += (V0 diag(s) / sqrt(m)) G_b^T
            Blas.dgemm("N", "N", n, inBlock, rank, 1.0, bv.value(), n, gt, rank, 1.0, block, n);
            pos = 0;
          }
          double[] row = java.util.Arrays.copyOfRange(block, pos * n, (pos + 1) * n);
          pos++;
          next++;
          return row;
        }
      };
    });
  }
}
