package io.nncompress.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.codec.prune.MagnitudePruner;
import io.nncompress.linalg.DenseMatrix;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DeepCompressionTest {

  @Test
  void chainsTheStagesAsConfigured() {
    DenseMatrix w = EncodedFormsTest.layer(new Random(12), 30, 20, false);
    double[] r = new double[20];
    for (int j = 0; j < 20; j++) {
      r[j] = 0.1 + j;
    }
    DeepCompression.Config c = DeepCompression.Config.defaults().sparsity(0.7).bits(3).gapBits(4);
    EncodedTensor t = DeepCompression.compress(w, r, c);
    assertEquals(DeepCompressedTensor.CODEC, t.codec());
    // the same stages by hand give the same bytes
    WeightSharing ws = WeightSharing.fit(MagnitudePruner.pruneToSparsity(w, 0.7), 3, WeightSharing.Solver.OPTIMAL,
        null, true, 0);
    assertArrayEquals(DeepCompressedTensor.of(ws, true, 4, true).encode(), t.encode());
    assertEquals(0.7, MagnitudePruner.sparsity(t.decode()), 1e-12);

    EncodedTensor aware = DeepCompression.compress(w, r, c.dataAware(true));
    WeightSharing wa = WeightSharing.fit(MagnitudePruner.pruneBySaliency(w, r, 0.7), 3, WeightSharing.Solver.OPTIMAL,
        r, true, 0);
    assertArrayEquals(DeepCompressedTensor.of(wa, true, 4, true).encode(), aware.encode());

    assertEquals(SparseTensor.CODEC, DeepCompression.compress(w, null, c.bits(0)).codec());
    assertEquals(RawFloat32Tensor.CODEC, DeepCompression.compress(w, null, c.bits(0).sparsity(0)).codec());
    EncodedTensor dense = DeepCompression.compress(w, null, c.sparsity(0).huffman(false));
    assertTrue(!((DeepCompressedTensor) dense).isSparse() && !((DeepCompressedTensor) dense).isHuffman());
  }

  @Test
  void badConfigsNameTheOption() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DeepCompression.Config.defaults().bits(9));
    assertEquals("bits must be in 1..8, cannot be: 9", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> DeepCompression.Config.defaults().sparsity(1.2));
    assertEquals("sparsity must be in [0, 1], cannot be: 1.2", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> DeepCompression.Config.defaults().gapBits(0));
    assertEquals("gapBits must be in 1..16, cannot be: 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> DeepCompression.compress(new DenseMatrix(2, 2), null,
        DeepCompression.Config.defaults().dataAware(true)));
    assertTrue(e.getMessage().contains("rDiag is null"), e.getMessage());
  }
}
