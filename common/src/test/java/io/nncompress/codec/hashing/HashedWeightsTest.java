package io.nncompress.codec.hashing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.codec.TensorCodecs;
import io.nncompress.codec.lowrank.DataAwareError;
import io.nncompress.linalg.DenseMatrix;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HashedWeightsTest {
  static DenseMatrix gaussian(int rows, int cols, long seed) {
    Random rnd = new Random(seed);
    DenseMatrix m = new DenseMatrix(rows, cols);
    for (int k = 0; k < m.data.length; k++) {
      m.data[k] = rnd.nextGaussian();
    }
    return m;
  }

  static DenseMatrix secondMoment(int d, int latent, int n, long seed) {
    DenseMatrix x = gaussian(d, latent, seed).times(gaussian(latent, n, seed + 1));
    DenseMatrix r = new DenseMatrix(d, d);
    DenseMatrix.gemm(1.0 / n, x, false, x, true, 0.0, r);
    return r;
  }

  @Test
  void pinnedTestVectors() {
    // computed by an independent implementation of the documented formula (Python, unsigned 64-bit)
    assertEquals(0xE220A8397B1DCDAFL, new WeightHash(0, 1000).raw(0, 0)); // splitmix64(0), first output
    assertEquals(0x6E789E6AA1B965F4L, WeightHash.mix64(2 * WeightHash.GAMMA)); // its second output
    WeightHash h = new WeightHash(42, 10);
    assertEquals(0xBDD732262FEB6E95L, h.raw(0, 0));
    assertEquals(0xDDBE488235E757BBL, h.raw(1, 3));
    int[][] expected = { // {i, j, bucket, sign}
        {0, 0, 3, -1}, {0, 1, 1, 1}, {0, 2, 8, 1}, {0, 3, 4, -1}, {1, 0, 9, -1}, {1, 1, 8, -1},
        {1, 2, 8, 1}, {1, 3, 1, -1}, {2, 0, 4, -1}, {2, 1, 3, -1}, {2, 2, 8, 1}, {2, 3, 2, -1}};
    for (int[] e : expected) {
      assertEquals(e[2], h.bucket(e[0], e[1]), "bucket " + e[0] + "," + e[1]);
      assertEquals(e[3], h.sign(e[0], e[1]), "sign " + e[0] + "," + e[1]);
    }
    assertEquals(2, new WeightHash(42, 97).bucket(1023, 4095));
    assertEquals(5, new WeightHash(-1, 16).bucket(5, 0));
    assertEquals(33738, new WeightHash(123456789, 65536).bucket(100000, 2));
  }

  @Test
  void dataAgnosticValueIsMeanOfSignedWeightsHandComputed() {
    // 3 x 4 with seed 42, K = 10: buckets/signs from the pinned table above
    DenseMatrix w = DenseMatrix.fromRows(new double[][] {
        {1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}});
    HashedTensor t = HashedWeights.fitToWeights(w, 10, 42);
    // bucket 8: (0,2)+ 3, (1,1)- 6, (1,2)+ 7, (2,2)+ 11 -> (3 - 6 + 7 + 11) / 4 = 3.75
    assertEquals(3.75, t.value(8), 0.0);
    // bucket 3: (0,0)- 1, (2,1)- 10 -> -5.5 ; bucket 1: (0,1)+ 2, (1,3)- 8 -> -3
    assertEquals(-5.5, t.value(3), 0.0);
    assertEquals(-3.0, t.value(1), 0.0);
    // bucket 4: (0,3)- 4, (2,0)- 9 -> -6.5 ; empty buckets 0, 5, 6, 7 are 0
    assertEquals(-6.5, t.value(4), 0.0);
    assertEquals(0.0, t.value(0), 0.0);
    // decode: V(1,1) = -1 * w_8
    assertEquals(-3.75, t.decode().get(1, 1), 0.0);
  }

  @Test
  void roundTripStoresOnlyValuesSeedAndShape() {
    DenseMatrix w = gaussian(20, 30, 1);
    HashedTensor t = HashedWeights.fitToWeights(w, 64, -7);
    byte[] bytes = t.encode();
    assertEquals(24 + 4 * 64, bytes.length);
    HashedTensor back = (HashedTensor) TensorCodecs.decode(HashedTensor.CODEC, bytes);
    assertEquals(-7, back.hash().seed());
    assertArrayEquals(t.decode().data, back.decode().data, 0.0);
    IllegalArgumentException cut = assertThrows(IllegalArgumentException.class,
        () -> HashedTensor.fromBytes(Arrays.copyOf(bytes, bytes.length - 4)));
    assertTrue(cut.getMessage().contains("needs " + bytes.length), cut.getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> HashedTensor.fromBytes(new byte[30]))
        .getMessage().contains("magic"));
  }

  /** G and c by brute force from the explicit K x d matrices A_i. */
  private static DenseMatrix[] bruteForce(DenseMatrix w, DenseMatrix r, WeightHash hash) {
    int k = hash.buckets();
    DenseMatrix g = new DenseMatrix(k, k);
    DenseMatrix c = new DenseMatrix(k, 1);
    for (int i = 0; i < w.rows; i++) {
      DenseMatrix a = new DenseMatrix(k, w.cols);
      for (int j = 0; j < w.cols; j++) {
        a.set(hash.bucket(i, j), j, hash.sign(i, j));
      }
      DenseMatrix ar = a.times(r);
      DenseMatrix.gemm(1.0, ar, false, a, true, 1.0, g); // G += A_i R A_i^T
      DenseMatrix wi = new DenseMatrix(w.cols, 1, w.row(i));
      DenseMatrix.gemm(1.0, ar, false, wi, false, 1.0, c); // c += A_i R W_i^T
    }
    return new DenseMatrix[] {g, c};
  }

  @Test
  void dataAwareSolvesNormalEquationsAndBeatsDataAgnostic() {
    DenseMatrix w = gaussian(12, 10, 2);
    DenseMatrix r = secondMoment(10, 10, 100, 3);
    WeightHash hash = new WeightHash(5, 16);
    DenseMatrix[] gc = HashedWeights.normalEquations(w, r, hash);
    DenseMatrix[] brute = bruteForce(w, r, hash);
    assertTrue(gc[0].maxAbsDiff(brute[0]) < 1e-9);
    assertTrue(gc[1].maxAbsDiff(brute[1]) < 1e-9);
    double[] x = HashedWeights.solveDataAware(w, r, hash);
    DenseMatrix gx = brute[0].times(new DenseMatrix(16, 1, x));
    assertTrue(gx.maxAbsDiff(brute[1]) < 1e-8 * brute[1].frobeniusNorm(), "residual " + gx.maxAbsDiff(brute[1]));
    double aware = DataAwareError.of(w, HashedWeights.fitToData(w, r, 16, 5).decode(), r);
    double agnostic = DataAwareError.of(w, HashedWeights.fitToWeights(w, 16, 5).decode(), r);
    assertTrue(aware < agnostic, aware + " vs " + agnostic);
  }

  @Test
  void singularSystemsFallBackToMinimumNorm() {
    // 2 x 3 with K = 40: most buckets are empty, so G has zero rows; R is rank 2
    DenseMatrix w = gaussian(2, 3, 4);
    DenseMatrix r = secondMoment(3, 2, 10, 5);
    WeightHash hash = new WeightHash(9, 40);
    double[] x = HashedWeights.solveDataAware(w, r, hash);
    DenseMatrix[] gc = bruteForce(w, r, hash);
    DenseMatrix gx = gc[0].times(new DenseMatrix(40, 1, x));
    assertTrue(gx.maxAbsDiff(gc[1]) < 1e-9 * (1 + gc[1].frobeniusNorm()));
    boolean[] used = new boolean[40];
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 3; j++) {
        used[hash.bucket(i, j)] = true;
      }
    }
    for (int b = 0; b < 40; b++) {
      if (!used[b]) {
        assertEquals(0.0, x[b], 0.0, "empty bucket " + b);
      }
      assertTrue(Double.isFinite(x[b]));
    }
    // no worse than the data-agnostic values
    double aware = DataAwareError.of(w, new HashedTensor(2, 3, hash, x).decode(), r);
    double agnostic = DataAwareError.of(w, HashedWeights.fitToWeights(w, 40, 9).decode(), r);
    assertTrue(aware <= agnostic + 1e-9);
  }

  @Test
  void singularSolverGivesMinimumNormSolution() {
    // G = [[1, 1], [1, 1]] is singular (Cholesky breaks down); G x = (2, 2) has min-norm solution (1, 1)
    DenseMatrix g = DenseMatrix.fromRows(new double[][] {{1, 1}, {1, 1}});
    assertArrayEquals(new double[] {1, 1}, HashedWeights.solveSymmetric(g, new double[] {2, 2}), 1e-12);
    // a regular system goes through Cholesky
    DenseMatrix spd = DenseMatrix.fromRows(new double[][] {{4, 2}, {2, 3}});
    assertArrayEquals(new double[] {0.5, 1.0}, HashedWeights.solveSymmetric(spd, new double[] {4, 4}), 1e-12);
  }

  @Test
  void badBucketCountNamesValue() {
    assertEquals("buckets K must be at least 1, cannot be: 0",
        assertThrows(IllegalArgumentException.class, () -> HashedWeights.fitToWeights(gaussian(2, 2, 1), 0, 1))
            .getMessage());
  }
}
