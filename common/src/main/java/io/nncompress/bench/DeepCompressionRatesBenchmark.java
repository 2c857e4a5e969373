package io.nncompress.bench;

import io.nncompress.codec.CompressionRate;
import io.nncompress.codec.DeepCompressedTensor;
import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.KMeansTensor;
import io.nncompress.codec.RawFloat32Tensor;
import io.nncompress.codec.SparseTensor;
import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.codec.prune.MagnitudePruner;
import io.nncompress.linalg.DenseMatrix;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Sizes of the Deep Compression forms on a synthetic heavy-tailed layer (Student-t(3) * 0.02,
 * rows x cols), against its float32 baseline: the bytes of {@code encode()}, the real rate
 * (float32 bytes / encoded bytes), the paper's rate r = n b / (n log2 k + k b) with n the stored
 * weights and b = 32, the relative reconstruction error ||W - Q||_F / ||W||_F, and the diagonal
 * output-error proxy sum_ij R_jj (w_ij - q_ij)^2 / sum_ij R_jj w_ij^2 under random input energies
 * R_jj (log-normal), for magnitude and for data-aware (OBD saliency + R-weighted k-means) choices.
 *
 * <pre>
 * mvn -q -o -pl common compile exec:java -Dexec.mainClass=io.nncompress.bench.DeepCompressionRatesBenchmark \
 *     -Dexec.classpathScope=compile -Dexec.args="1024 1024 0.9 4 5"
 * </pre>
 * Arguments (optional): rows, cols, sparsity, bits, gapBits.
 */
public final class DeepCompressionRatesBenchmark {
  private DeepCompressionRatesBenchmark() {}

  public static void main(String[] args) {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
    int cols = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
    double sparsity = args.length > 2 ? Double.parseDouble(args[2]) : 0.9;
    int bits = args.length > 3 ? Integer.parseInt(args[3]) : 4;
    int gapBits = args.length > 4 ? Integer.parseInt(args[4]) : 5;
    double[] data = KMeans1DBenchmark.studentT(rows * cols, 3, 0.02, 99);
    DenseMatrix w = new DenseMatrix(rows, cols, data);
    SplittableRandom rnd = new SplittableRandom(5);
    double[] r = new double[cols];
    for (int j = 0; j < cols; j++) {
      r[j] = Math.exp(rnd.nextDouble() * 4 - 2); // R_jj log-uniform over [e^-2, e^2]
    }
    int k = 1 << bits;
    long n = (long) rows * cols;
    System.out.printf(Locale.ROOT, "layer %dx%d Student-t(3)*0.02, sparsity %.3f, bits %d, gapBits %d%n", rows, cols,
        sparsity, bits, gapBits);
    System.out.printf(Locale.ROOT, "%-44s %12s %9s %11s %10s %10s %8s%n", "form", "bytes", "rate", "paper_rate",
        "rel_err", "R_err", "time_s");
    print("float32 (baseline)", () -> RawFloat32Tensor.of(w), w, r, -1, 0);

    print("kmeans dense, exact", () -> KMeansTensor.of(WeightSharing.fit(w, bits)), w, r, n, k);
    print("deepcomp dense + huffman, exact", () -> DeepCompressedTensor.of(WeightSharing.fit(w, bits), false, 0, true),
        w, r, n, k);
    DenseMatrix pm = MagnitudePruner.pruneToSparsity(w, sparsity);
    long nnz = (long) Math.round((1 - MagnitudePruner.sparsity(pm)) * n);
    print("sparse float32 (magnitude pruning)", () -> SparseTensor.of(pm, gapBits), w, r, -1, 0);
    for (WeightSharing.Solver s : new WeightSharing.Solver[] {WeightSharing.Solver.LLOYD_LINEAR,
        WeightSharing.Solver.OPTIMAL}) {
      print("deepcomp sparse, " + s, () -> DeepCompressedTensor.of(
          WeightSharing.fit(pm, bits, s, null, true, 1), true, gapBits, false), w, r, nnz, k);
      print("deepcomp sparse + huffman, " + s, () -> DeepCompressedTensor.of(
          WeightSharing.fit(pm, bits, s, null, true, 1), true, gapBits, true), w, r, nnz, k);
    }
    DenseMatrix ps = MagnitudePruner.pruneBySaliency(w, r, sparsity);
    print("deepcomp sparse + huffman, data-aware", () -> DeepCompressedTensor.of(
        WeightSharing.fit(ps, bits, WeightSharing.Solver.OPTIMAL, r, true, 1), true, gapBits, true), w, r, nnz, k);
  }

  private static void print(String name, java.util.function.Supplier<EncodedTensor> f, DenseMatrix w, double[] r,
      long stored, int k) {
    long t0 = System.nanoTime();
    EncodedTensor t = f.get();
    byte[] bytes = t.encode();
    double secs = (System.nanoTime() - t0) * 1e-9;
    DenseMatrix q = t.decode();
    double num = 0;
    double den = 0;
    double rNum = 0;
    double rDen = 0;
    for (int j = 0; j < w.cols; j++) {
      for (int i = 0; i < w.rows; i++) {
        double a = w.get(i, j);
        double e = a - q.get(i, j);
        num += e * e;
        den += a * a;
        rNum += r[j] * e * e;
        rDen += r[j] * a * a;
      }
    }
    String paper = stored > 0 ? String.format(Locale.ROOT, "%11.3f", CompressionRate.paper(stored, 32, k)) : "          -";
    System.out.printf(Locale.ROOT, "%-44s %12d %9.3f %s %10.5f %10.5f %8.3f%n", name, bytes.length,
        CompressionRate.actual(t.rows(), t.cols(), bytes.length), paper, Math.sqrt(num / den), rNum / rDen, secs);
  }
}
