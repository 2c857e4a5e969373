package io.nncompress.bench;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.GroupLassoMethod;
import io.nncompress.lnr.GroupLassoProblem;
import io.nncompress.lnr.LnrResult;

/**
 * The timing of {@link SolverGrid}'s cells: solvers run from the same warm start in interleaved rounds,
 * each round starting with the next method in turn (so all see the same load), each method getting
 * its best (min) round; {@link #enough} decides how many rounds.
 */
final class InterleavedRounds {
  private InterleavedRounds() {
  }

  /**
   * A cell whose slower method's best is under this many seconds is a millisecond solve: its rounds go on
   * until every method has run {@value #SMALL_TOTAL} s in all (at most {@value #SMALL_ROUNDS} rounds).
   */
  static final double SMALL = 0.01;
  static final double SMALL_TOTAL = 0.1;
  static final int SMALL_ROUNDS = 500;

  /**
   * Per method, {seconds, iterations, kept, CPU seconds, rounds, 1 when FISTA finished, then every
   * round's seconds}: the best round's seconds and CPU seconds. CPU seconds are the whole process's (BLAS
   * and step threads included): the work, less sensitive to other jobs than the wall clock (printed
   * when both are 0.05 s or more: the clock ticks in 10 ms).
   */
  static double[][] time(GroupLassoMethod[] ms, GroupLassoProblem problem, double lambda, DenseMatrix warm) {
    int n = ms.length;
    double[][] out = new double[n][];
    double[] best = new double[n];
    java.util.Arrays.fill(best, Double.POSITIVE_INFINITY);
    double[] cpu = new double[n];
    double[] total = new double[n];
    java.util.List<java.util.List<Double>> all = new java.util.ArrayList<>();
    for (int k = 0; k < n; k++) {
      all.add(new java.util.ArrayList<>());
    }
    int rep = 0;
    while (!enough(rep, best, total)) {
      for (int q = 0; q < n; q++) {
        int k = (rep + q) % n;
        long c = cpuNanos();
        long t = System.nanoTime();
        LnrResult r = ms[k].solve(problem, lambda, warm);
        double s = (System.nanoTime() - t) * 1e-9;
        double cs = (cpuNanos() - c) * 1e-9;
        if (s < best[k]) {
          best[k] = s;
          cpu[k] = cs;
        }
        total[k] += s;
        all.get(k).add(s);
        out[k] = new double[] {best[k], r.iterations, r.keptGroupCount(), cpu[k], 0, "fista".equals(r.method) ? 1 : 0};
      }
      rep++;
    }
    for (int k = 0; k < n; k++) {
      double[] o = java.util.Arrays.copyOf(out[k], 6 + rep);
      o[4] = rep;
      for (int q = 0; q < rep; q++) {
        o[6 + q] = all.get(k).get(q);
      }
      out[k] = o;
    }
    return out;
  }

  /** A method's rounds as {@link #time} returns them: the first 7 and, past that, the median. */
  static String roundTimes(double[] t) {
    StringBuilder sb = new StringBuilder();
    for (int q = 6; q < Math.min(t.length, 13); q++) {
      sb.append(q > 6 ? " " : "").append(String.format("%.4f", t[q]));
    }
    if (t.length > 13) { // a millisecond cell's hundreds of rounds: the first 7 and the median
      double[] all = java.util.Arrays.copyOfRange(t, 6, t.length);
      java.util.Arrays.sort(all);
      sb.append(String.format(" ... median %.5f of %d", all[all.length / 2], all.length));
    }
    return sb.toString();
  }

  /**
   * Whether {@code rep} interleaved rounds are enough, given each method's best and total seconds so far:
   * at least 3 rounds (up to 7 while every method's total stays under 1 s, or under 3 s when the two are
   * within 1.5x of each other and the faster under 1 s: a near tie needs more) unless the cell is big: 2
   * when the faster method's best is over 3 s, 1 when it is over 20 s or over 3 s with the slower one over
   * 3 times it (noise on a shared machine does not turn a 3x verdict; those cells take minutes).
   */
  static boolean enough(int rep, double[] best, double[] total) {
    if (rep == 0) {
      return false;
    }
    double lo = Double.POSITIVE_INFINITY;
    double hi = 0;
    double longest = 0;
    double shortest = Double.POSITIVE_INFINITY;
    for (int k = 0; k < best.length; k++) {
      lo = Math.min(lo, best[k]);
      hi = Math.max(hi, best[k]);
      longest = Math.max(longest, total[k]);
      shortest = Math.min(shortest, total[k]);
    }
    if (lo > 20 || lo > 3 && hi > 3 * lo) {
      return true;
    }
    if (lo > 3) {
      return rep >= 2;
    }
    if (hi < SMALL) { // a millisecond solve: 7 rounds leave the JIT and the timer's noise in the verdict
      return rep >= 7 && shortest >= SMALL_TOTAL || rep >= SMALL_ROUNDS;
    }
    double enoughTotal = hi <= 1.5 * lo && lo < 1 ? 3 : 1;
    return rep >= 7 || rep >= 3 && longest >= enoughTotal;
  }

  private static long cpuNanos() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean
        ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() : 0L;
  }
}
