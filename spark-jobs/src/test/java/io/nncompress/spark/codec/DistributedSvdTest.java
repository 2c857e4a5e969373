package io.nncompress.spark.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.codec.lowrank.Svd;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.spark.SparkTestSession;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DistributedSvdTest {
  private static final JavaSparkContext JSC = JavaSparkContext.fromSparkContext(SparkTestSession.get().sparkContext());
  private static final int M = 20_000;
  private static final int N = 256;
  private static final int SIGNAL = 50;
  private static DenseMatrix a;
  private static double[] exact; // all singular values of a, by dgesdd
  private static JavaRDD<double[]> rows;

  /** Gaussian m x c, orthonormalised: the left singular vectors of a Gaussian matrix. */
  private static DenseMatrix orthonormal(int m, int c, SplittableRandom rnd) {
    DenseMatrix g = new DenseMatrix(m, c);
    for (int t = 0; t < g.data.length; t++) {
      g.data[t] = rnd.nextDouble() - 0.5;
    }
    return Svd.of(g).u;
  }

  @BeforeAll
  static void matrix() {
    // A = U0 diag(s) V0^T + 1e-3 E: s_t = 100 * 100^(-t/49) from 100 down to 1, E uniform with unit variance
    SplittableRandom rnd = new SplittableRandom(5);
    DenseMatrix u0 = orthonormal(M, SIGNAL, rnd);
    DenseMatrix v0 = orthonormal(N, SIGNAL, rnd);
    for (int t = 0; t < SIGNAL; t++) {
      double s = 100 * Math.pow(100, -t / (SIGNAL - 1.0));
      for (int i = 0; i < M; i++) {
        u0.data[i + t * M] *= s;
      }
    }
    a = new DenseMatrix(M, N);
    for (int t = 0; t < a.data.length; t++) {
      a.data[t] = 1e-3 * Math.sqrt(12) * (rnd.nextDouble() - 0.5);
    }
    DenseMatrix.gemm(1.0, u0, false, v0, true, 1.0, a);
    exact = Svd.singularValues(a);
    List<double[]> list = new ArrayList<>(M);
    for (int i = 0; i < M; i++) {
      list.add(a.row(i));
    }
    rows = JSC.parallelize(list, 4).cache();
  }

  @Test
  void singularValuesUAndVMatchLapackAndEckartYoung() {
    int k = SIGNAL;
    DistributedSvd.Result r = DistributedSvd.compute(rows, N, new DistributedSvd.Options().rank(k).blockRows(700));
    assertEquals(M, r.rows);
    assertEquals(6, r.passes); // 2 + 2q, q = 2
    assertEquals(k, r.s.length);
    for (int i = 0; i < k; i++) {
      assertEquals(exact[i], r.s[i], 1e-9 * exact[0], "s[" + i + "]");
    }
    // U (collected here only) has orthonormal columns, V too, and A V = U diag(s)
    List<double[]> ul = r.u.collect();
    assertEquals(M, ul.size());
    DenseMatrix u = DenseMatrix.fromRows(ul.toArray(new double[0][]));
    DenseMatrix utu = new DenseMatrix(k, k);
    DenseMatrix.gemm(1.0, u, true, u, false, 0.0, utu);
    assertTrue(utu.maxAbsDiff(DenseMatrix.identity(k)) < 1e-12, "U^T U - I: " + utu.maxAbsDiff(DenseMatrix.identity(k)));
    DenseMatrix vtv = new DenseMatrix(k, k);
    DenseMatrix.gemm(1.0, r.v, true, r.v, false, 0.0, vtv);
    assertTrue(vtv.maxAbsDiff(DenseMatrix.identity(k)) < 1e-12, "V^T V - I");
    DenseMatrix av = a.times(r.v);
    DenseMatrix us = u.copy();
    for (int c = 0; c < k; c++) {
      for (int i = 0; i < M; i++) {
        us.data[i + c * M] *= r.s[c];
      }
    }
    // U^T A V = diag(s) to working precision; A V = U diag(s) up to the part of A V outside the sketch's range
    DenseMatrix utav = new DenseMatrix(k, k);
    DenseMatrix.gemm(1.0, u, true, av, false, 0.0, utav);
    DenseMatrix sdiag = new DenseMatrix(k, k);
    for (int c = 0; c < k; c++) {
      sdiag.set(c, c, r.s[c]);
    }
    assertTrue(utav.maxAbsDiff(sdiag) < 1e-10 * r.s[0], "U^T A V - S: " + utav.maxAbsDiff(sdiag));
    double rel = av.minus(us).frobeniusNorm() / av.frobeniusNorm();
    assertTrue(rel < 1e-5, "||A V - U S||_F / ||A V||_F: " + rel); // measured 1.3e-6
    // Eckart-Young: ||A - U S V^T||_F^2 is the optimum sum_{i >= k} s_i^2 of LAPACK's spectrum
    DenseMatrix e = a.copy();
    DenseMatrix.gemm(-1.0, us, false, r.v, true, 1.0, e);
    double err2 = e.frobeniusNorm() * e.frobeniusNorm();
    double opt = 0;
    for (int i = k; i < exact.length; i++) {
      opt += exact[i] * exact[i];
    }
    // within 1e-6 of the optimum (measured 2.4e-8 above it), and never below it
    assertTrue(err2 <= opt * (1 + 1e-6) && err2 >= opt * (1 - 1e-9), "error^2 " + err2 + " vs optimum " + opt);
    r.release();
  }

  @Test
  void aRankBelowKGivesTheNonZeroComponentsOnly() {
    // rank 3 exactly, no noise: asking for 5 components returns 3
    SplittableRandom rnd = new SplittableRandom(9);
    DenseMatrix u0 = orthonormal(500, 3, rnd);
    DenseMatrix v0 = orthonormal(40, 3, rnd);
    DenseMatrix b = new DenseMatrix(500, 40);
    DenseMatrix.gemm(1.0, u0, false, v0, true, 0.0, b);
    List<double[]> list = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      list.add(b.row(i));
    }
    DistributedSvd.Result r = DistributedSvd.compute(JSC.parallelize(list, 3), 40,
        new DistributedSvd.Options().rank(5).oversampling(2).powerIterations(1));
    assertEquals(3, r.s.length);
    for (int i = 0; i < 3; i++) {
      assertEquals(1.0, r.s[i], 1e-12);
    }
    r.release();
  }

  @Test
  void badOptionsAndRowsAreRejectedClearly() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DistributedSvd.compute(rows, N, new DistributedSvd.Options().rank(0)));
    assertEquals("rank must be at least 1, cannot be: 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> DistributedSvd.compute(rows, N, new DistributedSvd.Options().rank(257)));
    assertEquals("rank must be at most the 256 columns, cannot be: 257", e.getMessage());
    List<double[]> list = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      list.add(new double[] {1, i, 2});
    }
    e = assertThrows(IllegalArgumentException.class, () -> DistributedSvd.compute(JSC.parallelize(list.subList(0, 2),
        1), 3, new DistributedSvd.Options().rank(3)));
    assertEquals("rank must be at most the 2 rows, cannot be: 3", e.getMessage());
    list.set(4, new double[] {1, Double.NaN, 2});
    e = assertThrows(IllegalArgumentException.class, () -> DistributedSvd.compute(JSC.parallelize(list, 2), 3,
        new DistributedSvd.Options().rank(1)));
    assertEquals("Entry (row 1 of partition 1, column 1) must be finite, cannot be: NaN", e.getMessage());
    list.set(4, new double[] {1, 2});
    e = assertThrows(IllegalArgumentException.class, () -> DistributedSvd.compute(JSC.parallelize(list, 2), 3,
        new DistributedSvd.Options().rank(1)));
    assertEquals("Row 1 of partition 1 has 2 entries, expected 3", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> DistributedSvd.compute(JSC.parallelize(
        new ArrayList<double[]>(), 2), 3, new DistributedSvd.Options().rank(1)));
    assertEquals("The matrix has no rows", e.getMessage());
  }
}
