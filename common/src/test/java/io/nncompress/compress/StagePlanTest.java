package io.nncompress.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.codec.DeepCompression;
import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.TensorCodecs;
import io.nncompress.codec.quant.UniformQuantizer;
import io.nncompress.linalg.DenseMatrix;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StagePlanTest {
  static DenseMatrix weights() {
    Random rnd = new Random(1);
    DenseMatrix w = new DenseMatrix(20, 30);
    for (int k = 0; k < w.data.length; k++) {
      w.data[k] = rnd.nextGaussian() * 0.1;
    }
    return w;
  }

  @Test
  void deepCompressionChainEqualsTheDirectCall() {
    DenseMatrix w = weights();
    StagePlan p = StagePlan.parse("prune(0.5) -> kmeans(4) -> huffman");
    assertEquals(3, p.stages().size());
    EncodedTensor viaPlan = p.encode(w, null);
    EncodedTensor direct = DeepCompression.compress(w, null, DeepCompression.Config.defaults().sparsity(0.5).bits(4)
        .huffman(true));
    assertArrayEquals(direct.encode(), viaPlan.encode());
    // prefixes: prune alone stores the pruned float32 values; decode(encode) is what the prefix computed
    EncodedTensor pruned = p.prefix(1).encode(w, null);
    DenseMatrix d = TensorCodecs.decode(pruned.codec(), pruned.encode()).decode();
    long zeros = java.util.Arrays.stream(d.data).filter(v -> v == 0).count();
    assertEquals(300, zeros);
    assertTrue(p.prefix(2).encode(w, null).encode().length > viaPlan.encode().length, "huffman saves bytes");
  }

  @Test
  void otherCodecsStandAlone() {
    DenseMatrix w = weights();
    assertArrayEquals(UniformQuantizer.quantize(w, 4, UniformQuantizer.Granularity.PER_ROW).encode(),
        StagePlan.parse("uniform(4,row)").encode(w, null).encode());
    assertEquals("lowrank", StagePlan.parse("svd(rank=3)").encode(w, null).codec());
    assertEquals("binary", StagePlan.parse(List.of("binary")).encode(w, null).codec());
    assertTrue(StagePlan.parse("svd_aware(energy=0.9)").needsStatistics());
  }

  @Test
  void badPlansNameTheStage() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("kmeans(9)")).getMessage()
        .contains("bits"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("prune(1.2)")).getMessage()
        .contains("1.2"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("kmeans(4) -> prune(0.5)"))
        .getMessage().contains("prune -> kmeans -> huffman"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("zip")).getMessage()
        .contains("unknown stage 'zip'"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("svd(energy=0.9) -> huffman"))
        .getMessage().contains("stand alone"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("huffman")).getMessage()
        .contains("needs kmeans or prune"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("uniform(9)")).getMessage()
        .contains("bits"));
  }
}
