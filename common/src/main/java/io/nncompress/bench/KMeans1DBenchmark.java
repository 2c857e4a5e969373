package io.nncompress.bench;

import io.nncompress.codec.kmeans.KMeans1D;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Times 1-D k-means on heavy-tailed synthetic layer weights: Lloyd from each of Deep Compression's
 * initialisations, the exact dynamic programme on the data itself, and the exact programme on a
 * fine histogram (alone, and polished by Lloyd on the full data). Weights are Student-t with 3
 * degrees of freedom scaled by 0.02 and rounded to float32, like a trained layer's. Every time
 * includes the solver's O(n log n) sort. SSE is reported relative to the exact optimum of the run
 * (or, when the direct exact solver is out of its memory cap, to the best SSE of the run).
 *
 * <p>Run:
 * <pre>
 * mvn -q -o -pl common compile exec:java -Dexec.mainClass=io.nncompress.bench.KMeans1DBenchmark \
 *     -Dexec.classpathScope=compile -Dexec.args="1000000,10000000 16,256 65536"
 * </pre>
 * Arguments (all optional): comma-separated sizes n, comma-separated k, histogram bins.
 */
public final class KMeans1DBenchmark {
  private KMeans1DBenchmark() {}

  public static void main(String[] args) {
    long[] sizes = parse(args.length > 0 ? args[0] : "1000000,10000000");
    long[] ks = parse(args.length > 1 ? args[1] : "16,256");
    int bins = args.length > 2 ? Integer.parseInt(args[2]) : 1 << 16;
    System.out.printf(Locale.ROOT, "1-D k-means, Student-t(3) * 0.02 weights as float32, histogram %d bins%n", bins);
    System.out.printf(Locale.ROOT, "%-10s %-4s %-26s %10s %16s %12s %6s%n", "n", "k", "method", "time_s", "sse",
        "sse/optimum", "iters");
    for (long nl : sizes) {
      int n = (int) nl;
      double[] x = studentT(n, 3, 0.02, 1234 + n);
      for (long kl : ks) {
        int k = (int) kl;
        Row[] rows = new Row[7];
        rows[0] = run("lloyd linear init", () -> KMeans1D.lloyd(x, null, k, KMeans1D.Init.LINEAR, 1, 300));
        rows[1] = run("lloyd density init", () -> KMeans1D.lloyd(x, null, k, KMeans1D.Init.DENSITY, 1, 300));
        rows[2] = run("lloyd random (Forgy) init", () -> KMeans1D.lloyd(x, null, k, KMeans1D.Init.RANDOM, 1, 300));
        if ((long) k * (n + 1) <= KMeans1D.MAX_DIRECT_CELLS) {
          rows[3] = run("exact DP, direct", () -> KMeans1D.optimal(x, null, k));
        } else {
          rows[3] = new Row("exact DP, direct", null, 0, "k(n+1) > MAX_DIRECT_CELLS");
        }
        rows[4] = run("exact DP, histogram", () -> KMeans1D.optimalOnHistogram(x, null, k, bins));
        KMeans1D.Result h = rows[4].result;
        rows[5] = run("  + Lloyd polish on data", () -> KMeans1D.lloydFrom(x, null, h.centroids, 300));
        rows[5].seconds += rows[4].seconds;
        double ref = Double.POSITIVE_INFINITY;
        boolean exact = rows[3].result != null;
        for (Row r : rows) {
          if (r != null && r.result != null) {
            ref = Math.min(ref, r.result.sse);
          }
        }
        if (exact) {
          ref = rows[3].result.sse;
        }
        for (Row r : rows) {
          if (r == null) {
            continue;
          }
          if (r.result == null) {
            System.out.printf(Locale.ROOT, "%-10d %-4d %-26s %10s %16s %12s %6s  (%s)%n", n, k, r.name, "-", "-", "-",
                "-", r.note);
          } else {
            System.out.printf(Locale.ROOT, "%-10d %-4d %-26s %10.3f %16.8e %12.8f %6d%s%n", n, k, r.name, r.seconds,
                r.result.sse, r.result.sse / ref, r.result.iterations, exact ? "" : "  (vs best of run)");
          }
        }
      }
    }
  }

  private static final class Row {
    final String name;
    final KMeans1D.Result result;
    double seconds;
    final String note;

    Row(String name, KMeans1D.Result result, double seconds, String note) {
      this.name = name;
      this.result = result;
      this.seconds = seconds;
      this.note = note;
    }
  }

  private static Row run(String name, java.util.function.Supplier<KMeans1D.Result> f) {
    long t0 = System.nanoTime();
    KMeans1D.Result r = f.get();
    return new Row(name, r, (System.nanoTime() - t0) * 1e-9, "");
  }

  /** scale * Z / sqrt(chi2_nu / nu), rounded to float32. */
  static double[] studentT(int n, int nu, double scale, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      double chi2 = 0;
      for (int d = 0; d < nu; d++) {
        double g = gaussian(rnd);
        chi2 += g * g;
      }
      x[i] = (float) (scale * gaussian(rnd) / Math.sqrt(chi2 / nu));
    }
    return x;
  }

  private static double gaussian(SplittableRandom rnd) {
    // Box-Muller, one of the pair
    double u = 1.0 - rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
  }

  private static long[] parse(String csv) {
    String[] p = csv.split(",");
    long[] out = new long[p.length];
    for (int i = 0; i < p.length; i++) {
      out[i] = Long.parseLong(p[i].trim());
    }
    return out;
  }
}
