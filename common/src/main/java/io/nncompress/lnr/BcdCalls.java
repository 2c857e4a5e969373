package io.nncompress.lnr;

import io.nncompress.linalg.Blas;

/**
 * The BLAS calls of {@link GroupLassoBcd}'s column loop (issue 18): the in-block rank-1 updates (dger,
 * h x b) and the GEMMs that carry a block's updates to the rest of the working set (h x n x b). They are
 * many and small; native OpenBLAS wakes its threads for each one above its thresholds, and on a loaded
 * 2-core machine BCD waited in them (demo fc1: 2.2x FISTA's wall-clock time on 0.4-1.1x its CPU time).
 * Those OpenBLAS would thread run here on the calling thread (the Vector API kernels single-threaded,
 * {@link Blas#dgemmSerial}; a Java dger, {@link Blas#dgerSerial}) below {@value #SERIAL_MAX_ROWS}
 * outputs; the rest, and every call when {@code serial} is false (the path before), go through the BLAS
 * in use. Results agree to rounding (GroupLassoBcdSerialCallsTest: 1e-12).
 */
final class BcdCalls {
  private BcdCalls() {
  }

  /**
   * Multiply-adds from which an in-block update GEMM runs on the calling thread ({@link Blas#dgemmSerial}):
   * native OpenBLAS threads a GEMM above 65536 x 4 (its interface/gemm.c); below, it runs one thread
   * with its small-matrix kernels, faster than the Vector API kernels at a few rows (measured at h = 10:
   * 7x).
   */
  static final long SERIAL_GEMM_MIN = 65536L * 4;
  /** Multiply-adds up to which it does (larger ones gain from the BLAS threads). */
  static final long SERIAL_GEMM_MAX = 1L << 24;
  /** Rows from which it does (the Vector API kernels' register tiles are 16 rows with AVX-512). */
  static final int SERIAL_GEMM_MIN_ROWS = 64;
  /**
   * Rows (h) below which the small calls run on the calling thread at all: from h = 1024 an h x 64 dger
   * and the block GEMMs are large enough for OpenBLAS' threads (FistaBenchmark --grid: BCD 0.36-0.9x as
   * fast on one thread at h 1024 and 4096, 1.1-2x faster at h 100).
   */
  static final int SERIAL_MAX_ROWS = 512;
  /**
   * Entries from which an in-block dger runs on the calling thread ({@link Blas#dgerSerial}): native
   * OpenBLAS threads a dger from 2304 x 4 entries (its interface/ger.c); below, its one-thread kernel is
   * the faster.
   */
  static final int SERIAL_DGER_MIN = 2304 * 4;

  /** G_B += delta R_{j,B}: h x b at gw[offg], delta at deltas[db], R_{j,B} at rww[offr] with stride 1. */
  static void dger(boolean serial, int h, int b, double[] deltas, int db, double[] rww, int offr, double[] gw,
      int offg) {
    if (serial && h < SERIAL_MAX_ROWS && h * b >= SERIAL_DGER_MIN) {
      Blas.dgerSerial(h, b, 1.0, deltas, db, rww, offr, 1, gw, offg, h);
    } else {
      Blas.blas().dger(h, b, 1.0, deltas, db, 1, rww, offr, 1, gw, offg, h);
    }
  }

  /** G_cols += Delta_B R_{B,cols}: h x n x b, Delta_B at deltas[0] (h x b), R_{B,cols} at rww[offr] (ld w). */
  static void gemm(boolean serial, int h, int n, int b, double[] deltas, double[] rww, int offr, int w,
      double[] gw, int offg) {
    long madds = (long) h * n * b;
    if (serial && h >= SERIAL_GEMM_MIN_ROWS && h < SERIAL_MAX_ROWS && madds > SERIAL_GEMM_MIN
        && madds <= SERIAL_GEMM_MAX) {
      Blas.dgemmSerial("N", "N", h, n, b, 1.0, deltas, 0, h, rww, offr, w, 1.0, gw, offg, h);
    } else {
      Blas.dgemm("N", "N", h, n, b, 1.0, deltas, 0, h, rww, offr, w, 1.0, gw, offg, h);
    }
  }
}
