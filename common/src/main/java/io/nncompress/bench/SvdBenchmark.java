package io.nncompress.bench;

import io.nncompress.codec.lowrank.ActivationAwareLowRank;
import io.nncompress.codec.lowrank.DataAwareError;
import io.nncompress.codec.lowrank.LowRankFactors;
import io.nncompress.codec.lowrank.RankSelector;
import io.nncompress.codec.lowrank.TruncatedSvd;
import io.nncompress.linalg.Blas;
import io.nncompress.linalg.DenseMatrix;
import java.util.Locale;
import java.util.Random;
import org.netlib.util.intW;

/**
 * Times, for each size h x d: LAPACK dgesdd alone (economy, jobz = 'S', the baseline), the truncated
 * SVD path ({@link TruncatedSvd#factor}: dgesdd + truncation), and the activation-aware low rank
 * ({@link ActivationAwareLowRank#factor}: dsyevd of R + W L + dgesdd + mapping back), all at the
 * rank keeping the given energy, and prints their times (best of the repetitions after one warm-up
 * run), their ratio to dgesdd, the rank and the data-aware relative error tr(E R E^T) / tr(W R W^T)
 * of each, and that error for plain SVD cut at the activation-aware rank (same bytes).
 *
 * <p>W is Gaussian with a decaying spectrum; R = X X^T / n for n = 2d correlated inputs.
 *
 * <pre>
 * mvn -q -o -pl common exec:java -Dexec.mainClass=io.nncompress.bench.SvdBenchmark \
 *     -Dexec.classpathScope=compile -Dexec.args="1024x1024,4096x1024 0.9 3"
 * </pre>
 * Arguments (all optional): sizes (comma-separated h x d, default 1024x1024,4096x1024), energy
 * (default 0.9), repetitions (default 3). Add -Dnncompress.blas=java for the pure-Java fallback.
 */
public final class SvdBenchmark {
  private SvdBenchmark() {}

  public static void main(String[] args) {
    String sizes = args.length > 0 ? args[0] : "1024x1024,4096x1024";
    double energy = args.length > 1 ? Double.parseDouble(args[1]) : 0.9;
    int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    System.out.println("SvdBenchmark: " + Blas.describe() + ", energy " + energy + ", best of " + reps);
    System.out.println(String.format(Locale.ROOT, "%-11s %10s %10s %7s %10s %7s %6s %6s %9s %9s %11s", "h x d",
        "dgesdd ms", "svd ms", "x base", "aware ms", "x base", "r svd", "r awr", "err svd", "err awr",
        "svd@r awr"));
    for (String size : sizes.split(",")) {
      String[] hd = size.trim().split("x");
      int h = Integer.parseInt(hd[0]);
      int d = Integer.parseInt(hd[1]);
      DenseMatrix w = weights(h, d, 1);
      DenseMatrix r = secondMoment(d, 2);
      double total = DataAwareError.quadratic(w, r);
      RankSelector sel = RankSelector.energy(energy);
      double base = best(reps, () -> dgesdd(w));
      LowRankFactors[] out = new LowRankFactors[2];
      double svd = best(reps, () -> out[0] = TruncatedSvd.factor(w, sel));
      double aware = best(reps, () -> out[1] = ActivationAwareLowRank.factor(w, r, sel));
      double eSvd = DataAwareError.of(w, out[0].product(), r) / total;
      double eAware = DataAwareError.of(w, out[1].product(), r) / total;
      // plain SVD at the activation-aware rank: the same bytes, compared on the data-aware error
      double eSvdSameRank = DataAwareError.of(w, TruncatedSvd.factor(w, out[1].rank()).product(), r) / total;
      System.out.println(String.format(Locale.ROOT,
          "%-11s %10.1f %10.1f %7.2f %10.1f %7.2f %6d %6d %9.4f %9.4f %11.4f", h + "x" + d, base, svd, svd / base,
          aware, aware / base, out[0].rank(), out[1].rank(), eSvd, eAware, eSvdSameRank));
    }
  }

  /** Best wall time in ms of reps runs after one warm-up. */
  private static double best(int reps, Runnable task) {
    task.run();
    double best = Double.POSITIVE_INFINITY;
    for (int k = 0; k < reps; k++) {
      long t0 = System.nanoTime();
      task.run();
      best = Math.min(best, (System.nanoTime() - t0) / 1e6);
    }
    return best;
  }

  /** Plain dgesdd (jobz = 'S') on a copy, with its workspace query: the baseline. */
  private static void dgesdd(DenseMatrix w) {
    int m = w.rows;
    int n = w.cols;
    int k = Math.min(m, n);
    double[] a = w.data.clone();
    double[] s = new double[k];
    double[] u = new double[m * k];
    double[] vt = new double[k * n];
    int[] iwork = new int[8 * k];
    intW info = new intW(0);
    double[] q = new double[1];
    Blas.lapack().dgesdd("S", m, n, a, m, s, u, m, vt, k, q, -1, iwork, info);
    double[] work = new double[(int) q[0]];
    Blas.lapack().dgesdd("S", m, n, a, m, s, u, m, vt, k, work, work.length, iwork, info);
    if (info.val != 0) {
      throw new IllegalStateException("dgesdd info=" + info.val);
    }
  }

  /** Gaussian h x d times a d x d diagonal decaying as 1/(1 + j/8): a spectrum with a tail. */
  private static DenseMatrix weights(int h, int d, long seed) {
    Random rnd = new Random(seed);
    DenseMatrix w = new DenseMatrix(h, d);
    for (int j = 0; j < d; j++) {
      double scale = 1.0 / (1.0 + j / 8.0);
      for (int i = 0; i < h; i++) {
        w.data[i + j * h] = rnd.nextGaussian() * scale;
      }
    }
    DenseMatrix mix = gaussian(d, d, seed + 7);
    return w.times(mix);
  }

  /** R = X X^T / n for n = 2d inputs x = A z, A Gaussian d x d: correlated, full rank. */
  private static DenseMatrix secondMoment(int d, long seed) {
    DenseMatrix x = gaussian(d, d, seed).times(gaussian(d, 2 * d, seed + 1));
    DenseMatrix r = new DenseMatrix(d, d);
    DenseMatrix.gemm(1.0 / (2 * d), x, false, x, true, 0.0, r);
    return r;
  }

  private static DenseMatrix gaussian(int rows, int cols, long seed) {
    Random rnd = new Random(seed);
    DenseMatrix m = new DenseMatrix(rows, cols);
    for (int k = 0; k < m.data.length; k++) {
      m.data[k] = rnd.nextGaussian();
    }
    return m;
  }
}
