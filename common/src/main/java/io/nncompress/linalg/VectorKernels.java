package io.nncompress.linalg;

import static io.nncompress.linalg.VectorMicroKernel.MR;
import static io.nncompress.linalg.VectorMicroKernel.NR;

import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * DGEMM and DSYRK in pure Java on the JDK Vector API ({@code jdk.incubator.vector}), for machines without a
 * native BLAS; same arguments and column-major layout as BLAS (and {@link dev.ludovic.netlib.blas.BLAS}).
 *
 * <p>The Goto/BLIS scheme: op(B) is packed by panels of KC x NC (alpha folded in), op(A) by blocks of
 * MC x KC, both into micro-panels so that the register tile ({@link VectorMicroKernel}, MR x NR) reads them
 * contiguously; transposes cost nothing beyond the packing. DSYRK is the same product with op(B) = op(A)^T,
 * restricted to the tiles that meet the requested triangle; tiles cut by the diagonal (and the edges of C) go
 * through a scratch tile and only their wanted entries are added.
 *
 * <p>Threads: the columns of a packed panel are split over {@link #threads()} workers when the product is
 * large enough, as many as OpenBLAS would use (OPENBLAS_NUM_THREADS, else OMP_NUM_THREADS, which Spark sets
 * to spark.task.cpus on its executors, else the cores).
 *
 * <p>Only this class and {@link VectorMicroKernel} touch {@code jdk.incubator.vector}: {@link Blas} loads them
 * only after checking that the module is there.
 */
public final class VectorKernels {
  static final int KC = 256;
  static final int MC = 8 * MR;
  static final int NC = 4080; // a multiple of NR = 6
  // below this many multiply-adds one thread does the product
  private static final long PARALLEL_FLOPS = 1L << 22;
  private static final int UPPER = 1;
  private static final int LOWER = -1;
  private static final int ALL = 0;
  private static final int THREADS = threadsFromEnvironment();
  private static volatile ForkJoinPool pool;
  private static final ThreadLocal<double[]> SCRATCH_A = ThreadLocal.withInitial(() -> new double[0]);

  private VectorKernels() {
  }

  /** Doubles per vector of the preferred species (8 with AVX-512, 4 with AVX2). */
  public static int lanes() {
    return VectorMicroKernel.V;
  }

  /** Threads the kernels use for large products. */
  public static int threads() {
    return THREADS;
  }

  static int threadsFromEnvironment() {
    for (String env : new String[] {"OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"}) {
      String v = System.getenv(env);
      if (v != null) {
        try {
          int t = Integer.parseInt(v.trim());
          if (t > 0) {
            return t;
          }
        } catch (NumberFormatException e) {
          // ignored, as OpenBLAS does
        }
      }
    }
    return Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  /** C = alpha op(A) op(B) + beta C; op(X) = X^T when trans is "T" or "C" (BLAS dgemm). */
  public static void dgemm(String transa, String transb, int m, int n, int k, double alpha, double[] a, int offa,
      int lda, double[] b, int offb, int ldb, double beta, double[] c, int offc, int ldc) {
    dgemm(transa, transb, m, n, k, alpha, a, offa, lda, b, offb, ldb, beta, c, offc, ldc, true);
  }

  /**
   * {@link #dgemm} on the calling thread alone, whatever the size: for callers that issue many small
   * products in a loop (BCD's blocked updates), where waking worker threads per call costs more than it
   * gains, above all on a loaded machine.
   */
  public static void dgemmSerial(String transa, String transb, int m, int n, int k, double alpha, double[] a,
      int offa, int lda, double[] b, int offb, int ldb, double beta, double[] c, int offc, int ldc) {
    dgemm(transa, transb, m, n, k, alpha, a, offa, lda, b, offb, ldb, beta, c, offc, ldc, false);
  }

  private static void dgemm(String transa, String transb, int m, int n, int k, double alpha, double[] a, int offa,
      int lda, double[] b, int offb, int ldb, double beta, double[] c, int offc, int ldc, boolean threads) {
    boolean ta = trans("transa", transa);
    boolean tb = trans("transb", transb);
    checkDims(m, n, k);
    checkMatrix("A", a, offa, lda, ta ? k : m, ta ? m : k);
    checkMatrix("B", b, offb, ldb, tb ? n : k, tb ? k : n);
    checkMatrix("C", c, offc, ldc, m, n);
    if (m == 0 || n == 0) {
      return;
    }
    scale(beta, c, offc, ldc, m, n, ALL);
    if (k == 0 || alpha == 0.0) {
      return;
    }
    product(m, n, k, alpha, a, offa, lda, ta, b, offb, ldb, tb, c, offc, ldc, ALL, threads);
  }

  /**
   * The uplo ("U" or "L") triangle of C (n x n) = alpha A A^T + beta C (trans "N", A n x k) or
   * alpha A^T A + beta C (trans "T", A k x n); the other triangle is not touched (BLAS dsyrk).
   */
  public static void dsyrk(String uplo, String trans, int n, int k, double alpha, double[] a, int offa, int lda,
      double beta, double[] c, int offc, int ldc) {
    int tri;
    if ("U".equalsIgnoreCase(uplo)) {
      tri = UPPER;
    } else if ("L".equalsIgnoreCase(uplo)) {
      tri = LOWER;
    } else {
      throw new IllegalArgumentException("dsyrk: uplo must be U or L, cannot be: " + uplo);
    }
    boolean t = trans("trans", trans);
    checkDims(n, n, k);
    checkMatrix("A", a, offa, lda, t ? k : n, t ? n : k);
    checkMatrix("C", c, offc, ldc, n, n);
    if (n == 0) {
      return;
    }
    scale(beta, c, offc, ldc, n, n, tri);
    if (k == 0 || alpha == 0.0) {
      return;
    }
    // op(A) = A (trans N) or A^T; op(B) = op(A)^T, read from the same array
    product(n, n, k, alpha, a, offa, lda, t, a, offa, lda, !t, c, offc, ldc, tri, true);
  }

  private static boolean trans(String name, String v) {
    if ("N".equalsIgnoreCase(v)) {
      return false;
    }
    if ("T".equalsIgnoreCase(v) || "C".equalsIgnoreCase(v)) {
      return true;
    }
    throw new IllegalArgumentException(name + " must be N, T or C, cannot be: " + v);
  }

  private static void checkDims(int m, int n, int k) {
    if (m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException("Dimensions must not be negative: " + m + ", " + n + ", " + k);
    }
  }

  // a rows x cols column-major matrix at x[off], leading dimension ld
  private static void checkMatrix(String name, double[] x, int off, int ld, int rows, int cols) {
    if (ld < Math.max(1, rows)) {
      throw new IllegalArgumentException("Leading dimension of " + name + " must be at least " + Math.max(1, rows)
          + ", cannot be: " + ld);
    }
    if (rows > 0 && cols > 0 && (off < 0 || off + (long) (cols - 1) * ld + rows > x.length)) {
      throw new IllegalArgumentException(name + " (" + rows + "x" + cols + ", offset " + off + ", ld " + ld
          + ") does not fit in its array of " + x.length);
    }
  }

  private static boolean wanted(int tri, int i, int j) {
    return tri == ALL || (tri == UPPER ? i <= j : i >= j);
  }

  private static void scale(double beta, double[] c, int offc, int ldc, int m, int n, int tri) {
    if (beta == 1.0) {
      return;
    }
    for (int j = 0; j < n; j++) {
      int lo = tri == LOWER ? j : 0;
      int hi = tri == UPPER ? j + 1 : m;
      int col = offc + j * ldc;
      if (beta == 0.0) {
        java.util.Arrays.fill(c, col + lo, col + hi, 0.0);
      } else {
        for (int i = lo; i < hi; i++) {
          c[col + i] *= beta;
        }
      }
    }
  }

  // C += alpha op(A) op(B) on the entries of the triangle tri (on the calling thread alone unless threads)
  private static void product(int m, int n, int k, double alpha, double[] a, int offa, int lda, boolean ta,
      double[] b, int offb, int ldb, boolean tb, double[] c, int offc, int ldc, int tri, boolean threads) {
    int kcMax = Math.min(k, KC);
    double[] bp = new double[kcMax * roundUp(Math.min(n, NC), NR)];
    double[] ap = scratchA(kcMax * roundUp(Math.min(m, MC), MR));
    boolean parallel = threads && THREADS > 1 && m > MC && (double) m * n * k >= PARALLEL_FLOPS * (tri == ALL ? 1 : 2);
    for (int jc = 0; jc < n; jc += NC) {
      int nc = Math.min(NC, n - jc);
      for (int pc = 0; pc < k; pc += KC) {
        int kc = Math.min(KC, k - pc);
        packB(b, offb, ldb, tb, pc, jc, kc, nc, alpha, bp);
        if (parallel) {
          // the MR-row panels of op(A) in equal chunks of at most MC rows, a multiple of the threads in number
          // (9 blocks of 128 rows and one of 1 for m = 1025 would leave a thread idle for a block's time)
          int panels = (m + MR - 1) / MR;
          int chunks = THREADS * ((panels * MR + THREADS * MC - 1) / (THREADS * MC));
          final int jc0 = jc;
          final int pc0 = pc;
          pool().submit(() -> IntStream.range(0, chunks).parallel().forEach(ch -> {
            int ic = (int) ((long) ch * panels / chunks) * MR;
            int end = Math.min(m, (int) ((long) (ch + 1) * panels / chunks) * MR);
            if (end > ic) {
              block(a, offa, lda, ta, ic, pc0, end - ic, kc, jc0, nc, scratchA(ap.length), bp, c, offc, ldc, tri);
            }
          })).join();
        } else {
          for (int ic = 0; ic < m; ic += MC) {
            block(a, offa, lda, ta, ic, pc, Math.min(MC, m - ic), kc, jc, nc, ap, bp, c, offc, ldc, tri);
          }
        }
      }
    }
  }

  // the packed block of op(A), one per thread (cleared by packA where it is read)
  private static double[] scratchA(int size) {
    double[] s = SCRATCH_A.get();
    if (s.length < size) {
      s = new double[size];
      SCRATCH_A.set(s);
    }
    return s;
  }

  private static ForkJoinPool pool() {
    ForkJoinPool p = pool;
    if (p == null) {
      synchronized (VectorKernels.class) {
        if (pool == null) {
          pool = new ForkJoinPool(THREADS);
        }
        p = pool;
      }
    }
    return p;
  }

  // one MC x KC block of op(A) against the packed panel: packs it, then runs the register tiles
  private static void block(double[] a, int offa, int lda, boolean ta, int ic, int pc, int mc, int kc, int jc,
      int nc, double[] ap, double[] bp, double[] c, int offc, int ldc, int tri) {
    if ((tri == UPPER && ic > jc + nc - 1) || (tri == LOWER && ic + mc - 1 < jc)) {
      return;
    }
    packA(a, offa, lda, ta, ic, pc, mc, kc, ap);
    double[] tmp = null;
    for (int jr = 0; jr < nc; jr += NR) {
      int nr = Math.min(NR, nc - jr);
      int gj = jc + jr;
      for (int ir = 0; ir < mc; ir += MR) {
        int mr = Math.min(MR, mc - ir);
        int gi = ic + ir;
        if (tri == UPPER && gi > gj + nr - 1) {
          break;
        }
        if (tri == LOWER && gi + mr - 1 < gj) {
          continue;
        }
        boolean inside = tri == ALL || (tri == UPPER ? gi + mr - 1 <= gj : gi >= gj + nr - 1);
        if (inside && mr == MR && nr == NR) {
          VectorMicroKernel.tile(kc, ap, ir * kc, bp, jr * kc, c, offc + gi + gj * ldc, ldc);
        } else {
          if (tmp == null) {
            tmp = new double[MR * NR];
          } else {
            java.util.Arrays.fill(tmp, 0.0);
          }
          VectorMicroKernel.tile(kc, ap, ir * kc, bp, jr * kc, tmp, 0, MR);
          for (int j = 0; j < nr; j++) {
            int col = offc + (gj + j) * ldc + gi;
            for (int i = 0; i < mr; i++) {
              if (wanted(tri, gi + i, gj + j)) {
                c[col + i] += tmp[i + j * MR];
              }
            }
          }
        }
      }
    }
  }

  // op(A)[ic.., pc..] (mc x kc) into micro-panels of MR rows: ap[r * kc * MR + p * MR + i], zero-padded
  private static void packA(double[] a, int offa, int lda, boolean ta, int ic, int pc, int mc, int kc, double[] ap) {
    for (int r = 0; r < mc; r += MR) {
      int mr = Math.min(MR, mc - r);
      int base = r * kc;
      for (int p = 0; p < kc; p++) {
        int dst = base + p * MR;
        if (!ta) {
          System.arraycopy(a, offa + ic + r + (pc + p) * lda, ap, dst, mr);
        } else {
          int src = offa + pc + p + (ic + r) * lda;
          for (int i = 0; i < mr; i++) {
            ap[dst + i] = a[src + i * lda];
          }
        }
        for (int i = mr; i < MR; i++) {
          ap[dst + i] = 0.0;
        }
      }
    }
  }

  // alpha op(B)[pc.., jc..] (kc x nc) into micro-panels of NR columns: bp[s * kc * NR + p * NR + j], zero-padded
  private static void packB(double[] b, int offb, int ldb, boolean tb, int pc, int jc, int kc, int nc, double alpha,
      double[] bp) {
    for (int s = 0; s < nc; s += NR) {
      int nr = Math.min(NR, nc - s);
      int base = s * kc;
      for (int p = 0; p < kc; p++) {
        int dst = base + p * NR;
        for (int j = 0; j < nr; j++) {
          bp[dst + j] = alpha * (tb ? b[offb + jc + s + j + (pc + p) * ldb] : b[offb + pc + p + (jc + s + j) * ldb]);
        }
        for (int j = nr; j < NR; j++) {
          bp[dst + j] = 0.0;
        }
      }
    }
  }

  private static int roundUp(int x, int to) {
    return (x + to - 1) / to * to;
  }
}
