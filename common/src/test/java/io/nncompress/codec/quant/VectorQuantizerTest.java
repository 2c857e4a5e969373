package io.nncompress.codec.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.codec.TensorCodecs;
import io.nncompress.linalg.DenseMatrix;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VectorQuantizerTest {
  @Test
  void productQuantizationRoundTripsExactly() {
    DenseMatrix w = UniformQuantizerTest.gaussian(40, 12, 7);
    VectorQuantizedTensor t = VectorQuantizer.product(w, 4, 8, 42);
    assertEquals("pq", t.codec());
    byte[] bytes = t.encode();
    // 28 + 4 * k * n + ceil(m * s * 3 / 8)
    assertEquals(28 + 4 * 8 * 12 + (40 * 4 * 3 + 7) / 8, bytes.length);
    assertArrayEquals(t.decode().data, TensorCodecs.decode("pq", bytes).decode().data, 0.0);
    // deterministic from the seed
    assertArrayEquals(bytes, VectorQuantizer.product(w, 4, 8, 42).encode());
  }

  @Test
  void enoughClustersReconstructExactly() {
    // 30 rows whose sub-vectors take 3 distinct values per block (float32-exact values)
    Random rnd = new Random(8);
    double[][] pool = {{0.5, -1.25}, {2.0, 0.75}, {-3.5, 1.0}};
    DenseMatrix w = new DenseMatrix(30, 6);
    for (int i = 0; i < 30; i++) {
      for (int b = 0; b < 3; b++) {
        double[] v = pool[rnd.nextInt(3)];
        w.set(i, 2 * b, v[0] + b);
        w.set(i, 2 * b + 1, v[1] - b);
      }
    }
    for (int k : new int[] {3, 4, 16}) {
      VectorQuantizedTensor t = VectorQuantizer.product(w, 3, k, 1);
      assertArrayEquals(w.data, t.decode().data, 0.0, "k = " + k);
    }
    // with fewer clusters than distinct sub-vectors it cannot be exact
    assertTrue(VectorQuantizer.product(w, 3, 2, 1).decode().maxAbsDiff(w) > 0.1);
  }

  @Test
  void residualErrorNonIncreasingWithStages() {
    DenseMatrix w = UniformQuantizerTest.gaussian(60, 8, 9);
    for (int s : new int[] {1, 2}) {
      VectorQuantizedTensor t = VectorQuantizer.residual(w, s, 4, 5, 3);
      assertEquals("rq", t.codec());
      double previous = w.frobeniusNorm();
      for (int u = 1; u <= 5; u++) {
        double e = w.minus(t.decode(u)).frobeniusNorm();
        assertTrue(e <= previous * (1 + 1e-9), "s=" + s + " stage " + u + ": " + e + " > " + previous);
        previous = e;
      }
      assertTrue(previous < 0.8 * w.minus(t.decode(1)).frobeniusNorm(), "stages should help");
      assertArrayEquals(t.decode().data, TensorCodecs.decode("rq", t.encode()).decode().data, 0.0);
    }
  }

  @Test
  void compressionRateFormulaAndRealBytes() {
    // PQ of 64 x 32 with s = 4, k = 16: 32*64*32 / (32*16*32 + 64*4*4) = 65536 / 17408
    assertEquals(65536.0 / 17408.0, VectorQuantizer.literatureCompressionRate(64, 32, 4, 16, 1), 1e-12);
    VectorQuantizedTensor t = VectorQuantizer.product(UniformQuantizerTest.gaussian(64, 32, 10), 4, 16, 1);
    // real: (12 + 4*64*32) / (28 + 4*16*32 + 64*4*4/8)
    assertEquals((12.0 + 8192) / (28 + 2048 + 128), t.encodedCompressionRate(), 1e-12);
    assertEquals(t.literatureCompressionRate(), 65536.0 / 17408.0, 1e-12);
  }

  @Test
  void clustersWithinIsTheMostThatFit() {
    // the format's size by hand: 28 + 4 t k n + ceil(t m s b / 8)
    assertEquals(28 + 4 * 8 * 12 + 60, VectorQuantizedTensor.bytesOf(40, 12, 4, 8, 1)); // 472
    assertEquals(28 + 4 * 2 * 5 * 12 + (2 * 40 * 4 * 3 + 7) / 8, VectorQuantizedTensor.bytesOf(40, 12, 4, 5, 2));
    int[][] shapes = {{40, 12, 4, 1}, {40, 12, 4, 2}, {300, 784, 196, 1}, {7, 3, 3, 3}};
    for (int[] sh : shapes) {
      int m = sh[0];
      int n = sh[1];
      int s = sh[2];
      int t = sh[3];
      for (int k = 1; k <= m; k++) {
        long bytes = VectorQuantizedTensor.bytesOf(m, n, s, k, t);
        assertEquals(k, VectorQuantizer.clustersWithin(m, n, s, t, bytes), "exactly the bytes of k = " + k);
        assertEquals(k - 1, VectorQuantizer.clustersWithin(m, n, s, t, bytes - 1), "one byte less, k = " + k);
      }
      // at most one cluster per point
      assertEquals(m, VectorQuantizer.clustersWithin(m, n, s, t, Long.MAX_VALUE));
    }
    // the real encodings have those sizes
    DenseMatrix w = UniformQuantizerTest.gaussian(40, 12, 3);
    for (int k : new int[] {1, 2, 5, 17, 40}) {
      assertEquals(VectorQuantizedTensor.bytesOf(40, 12, 4, k, 2), VectorQuantizer.residual(w, 4, k, 2, 1).encode().length);
    }
  }

  @Test
  void oneClusterCountForSeveralLayers() {
    // layers 20 x 30 (len 4 -> sub-vectors of 3, s = 10) and 4 x 8 (len 4, s = 2); pq sizes by hand:
    // 28 + 120 k + ceil(200 b / 8) and 28 + 32 min(k, 4) + ceil(8 b / 8) (8 codes, b = 2 bits at k = 4)
    List<int[]> shapes = List.of(new int[] {20, 30}, new int[] {4, 8});
    assertEquals(10, VectorQuantizer.subBlocks(30, 4));
    assertEquals(2, VectorQuantizer.subBlocks(8, 4));
    long k4 = (28 + 480 + 50) + (28 + 128 + 2); // b = 2 in both: 558 + 158
    long k5 = (28 + 600 + 75) + (28 + 128 + 2); // the small layer stays at its 4 rows
    assertEquals(k4, VectorQuantizedTensor.bytesOf(20, 30, 10, 4, 1) + VectorQuantizedTensor.bytesOf(4, 8, 2, 4, 1));
    assertEquals(4, VectorQuantizer.clustersWithin(shapes, 4, 1, k5 - 1));
    assertEquals(5, VectorQuantizer.clustersWithin(shapes, 4, 1, k5));
    assertEquals(20, VectorQuantizer.clustersWithin(shapes, 4, 1, Long.MAX_VALUE)); // the most rows
    assertEquals(0, VectorQuantizer.clustersWithin(shapes, 4, 1, 100));
    // one layer: the same as the single-layer search
    for (long b = 150; b < 3000; b += 37) {
      assertEquals(VectorQuantizer.clustersWithin(20, 30, 10, 2, b),
          VectorQuantizer.clustersWithin(List.of(new int[] {20, 30}), 4, 2, b), "bytes " + b);
    }
  }

  @Test
  void badParametersNameTheValue() {
    DenseMatrix w = UniformQuantizerTest.gaussian(4, 6, 11);
    assertEquals("sub-blocks s must divide the 6 columns, cannot be: 4",
        assertThrows(IllegalArgumentException.class, () -> VectorQuantizer.product(w, 4, 2, 0)).getMessage());
    assertEquals("clusters k must be in 1..65536, cannot be: 0",
        assertThrows(IllegalArgumentException.class, () -> VectorQuantizer.product(w, 2, 0, 0)).getMessage());
    assertEquals("stages t must be at least 1, cannot be: 0",
        assertThrows(IllegalArgumentException.class, () -> VectorQuantizer.residual(w, 2, 2, 0, 0)).getMessage());
    byte[] bytes = VectorQuantizer.product(w, 2, 2, 0).encode();
    assertThrows(IllegalArgumentException.class, () -> VectorQuantizedTensor.fromBytes(Arrays.copyOf(bytes, 20)));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> VectorQuantizedTensor.fromBytes(Arrays.copyOf(bytes, bytes.length + 1))).getMessage()
        .contains("needs " + bytes.length));
  }
}
