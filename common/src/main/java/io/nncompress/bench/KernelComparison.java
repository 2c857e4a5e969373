package io.nncompress.bench;

import io.nncompress.linalg.Blas;
import io.nncompress.linalg.Level3;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times one level-3 workload on each implementation of {@link Blas#dgemm}/{@link Blas#dsyrk} (native BLAS,
 * the Vector API kernels, netlib's pure Java) in the same run, and prints GFLOP/s and the ratio to native.
 * Rounds are interleaved (native, vector, java, native, ...) and the best of each kept, so that all see the
 * same load on a shared machine. Used by {@link FistaBenchmark} and {@code nncompress bench autocorr}.
 */
public final class KernelComparison {
  // a kind's calls per round: enough for about this many seconds, at least one
  private static final double ROUND_SECONDS = 0.3;

  private KernelComparison() {
  }

  /** The kinds of a comma list ("native,vector,java"; "all" for every one) that this JVM can run. */
  public static List<Level3> available(String list) {
    List<Level3> out = new ArrayList<>();
    for (String name : list.split(",")) {
      String n = name.trim().toLowerCase(Locale.ROOT);
      for (Level3 k : Level3.values()) {
        if ((n.equals("all") || n.equals(k.name().toLowerCase(Locale.ROOT))) && !out.contains(k)) {
          if (k.available()) {
            out.add(k);
          } else {
            System.out.println("(" + k.label() + " not available in this JVM: skipped)");
          }
        }
      }
    }
    return out;
  }

  /** Best seconds per call of {@code work} on each kind, over {@code rounds} interleaved rounds. */
  public static Map<Level3, Double> time(List<Level3> kinds, int rounds, Runnable work) {
    Map<Level3, Integer> calls = new EnumMap<>(Level3.class);
    Map<Level3, Double> best = new EnumMap<>(Level3.class);
    for (Level3 k : kinds) {
      try (Blas.Restore ignored = Blas.useLevel3(k)) {
        // warm-up (the JIT compiles the Vector API kernels during the first calls), then the calls per round
        double t = Double.POSITIVE_INFINITY;
        long start = System.nanoTime();
        for (int w = 0; w < 3 && (w == 0 || (System.nanoTime() - start) * 1e-9 < 2 * ROUND_SECONDS); w++) {
          long t0 = System.nanoTime();
          work.run();
          t = Math.min(t, (System.nanoTime() - t0) * 1e-9);
        }
        calls.put(k, (int) Math.max(1, Math.min(50, Math.ceil(ROUND_SECONDS / t))));
        best.put(k, Double.POSITIVE_INFINITY);
      }
    }
    for (int r = 0; r < rounds; r++) {
      for (Level3 k : kinds) {
        try (Blas.Restore ignored = Blas.useLevel3(k)) {
          int n = calls.get(k);
          long t0 = System.nanoTime();
          for (int c = 0; c < n; c++) {
            work.run();
          }
          best.put(k, Math.min(best.get(k), (System.nanoTime() - t0) * 1e-9 / n));
        }
      }
    }
    return best;
  }

  /** Prints one line per kind: ms per call, GFLOP/s for {@code flops} per call, ratio to native. */
  public static void print(String title, Map<Level3, Double> seconds, double flops) {
    System.out.printf("%s%n  %-34s %10s %10s %10s%n", title, "kernels", "ms", "GFLOP/s", "/ native");
    Double nat = seconds.get(Level3.NATIVE);
    for (Map.Entry<Level3, Double> e : seconds.entrySet()) {
      double s = e.getValue();
      System.out.printf(Locale.ROOT, "  %-34s %10.2f %10.2f %10s%n", e.getKey().label(), 1e3 * s, flops / s / 1e9,
          nat == null ? "-" : String.format(Locale.ROOT, "%.3f", nat / s));
    }
  }

  /** The throughput of {@code kind} over native's, or NaN when either was not measured. */
  public static double ratioToNative(Map<Level3, Double> seconds, Level3 kind) {
    Double nat = seconds.get(Level3.NATIVE);
    Double k = seconds.get(kind);
    return nat == null || k == null ? Double.NaN : nat / k;
  }
}
