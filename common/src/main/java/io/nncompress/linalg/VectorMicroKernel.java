package io.nncompress.linalg;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register tile of {@link VectorKernels}: C[MR x NR] += Ap * Bp over kc, with Ap a packed micro-panel
 * (kc groups of MR rows) and Bp a packed micro-panel (kc groups of NR columns, alpha folded in).
 *
 * <p>MR = 2 vectors of {@code DoubleVector.SPECIES_PREFERRED} (16 rows with AVX-512, 8 with AVX2), NR = 6:
 * 12 accumulators, 2 loads of A and one broadcast of B per k, 12 FMAs; 15 vector registers, within AVX2's 16.
 * The accumulators are named variables, not an array, so that C2 keeps them in registers.
 */
final class VectorMicroKernel {
  static final VectorSpecies<Double> SPECIES = DoubleVector.SPECIES_PREFERRED;
  static final int V = SPECIES.length();
  static final int MR = 2 * V;
  static final int NR = 6;

  private VectorMicroKernel() {
  }

  /** C[co + i + j * ldc] += sum_p ap[ao + p * MR + i] * bp[bo + p * NR + j], i < MR, j < NR. */
  static void tile(int kc, double[] ap, int ao, double[] bp, int bo, double[] c, int co, int ldc) {
    DoubleVector c00 = DoubleVector.zero(SPECIES);
    DoubleVector c01 = c00;
    DoubleVector c10 = c00;
    DoubleVector c11 = c00;
    DoubleVector c20 = c00;
    DoubleVector c21 = c00;
    DoubleVector c30 = c00;
    DoubleVector c31 = c00;
    DoubleVector c40 = c00;
    DoubleVector c41 = c00;
    DoubleVector c50 = c00;
    DoubleVector c51 = c00;
    int a = ao;
    int b = bo;
    for (int p = 0; p < kc; p++, a += MR, b += NR) {
      DoubleVector a0 = DoubleVector.fromArray(SPECIES, ap, a);
      DoubleVector a1 = DoubleVector.fromArray(SPECIES, ap, a + V);
      DoubleVector bj = DoubleVector.broadcast(SPECIES, bp[b]);
      c00 = a0.fma(bj, c00);
      c01 = a1.fma(bj, c01);
      bj = DoubleVector.broadcast(SPECIES, bp[b + 1]);
      c10 = a0.fma(bj, c10);
      c11 = a1.fma(bj, c11);
      bj = DoubleVector.broadcast(SPECIES, bp[b + 2]);
      c20 = a0.fma(bj, c20);
      c21 = a1.fma(bj, c21);
      bj = DoubleVector.broadcast(SPECIES, bp[b + 3]);
      c30 = a0.fma(bj, c30);
      c31 = a1.fma(bj, c31);
      bj = DoubleVector.broadcast(SPECIES, bp[b + 4]);
      c40 = a0.fma(bj, c40);
      c41 = a1.fma(bj, c41);
      bj = DoubleVector.broadcast(SPECIES, bp[b + 5]);
      c50 = a0.fma(bj, c50);
      c51 = a1.fma(bj, c51);
    }
    add(c00, c01, c, co);
    add(c10, c11, c, co + ldc);
    add(c20, c21, c, co + 2 * ldc);
    add(c30, c31, c, co + 3 * ldc);
    add(c40, c41, c, co + 4 * ldc);
    add(c50, c51, c, co + 5 * ldc);
  }

  private static void add(DoubleVector lo, DoubleVector hi, double[] c, int off) {
    DoubleVector.fromArray(SPECIES, c, off).add(lo).intoArray(c, off);
    DoubleVector.fromArray(SPECIES, c, off + V).add(hi).intoArray(c, off + V);
  }
}
