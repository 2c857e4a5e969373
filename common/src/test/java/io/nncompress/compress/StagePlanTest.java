package io.nncompress.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.codec.DeepCompressedTensor;
import io.nncompress.codec.DeepCompression;
import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.TensorCodecs;
import io.nncompress.codec.lowrank.FactoredTensor;
import io.nncompress.codec.quant.UniformQuantizer;
import io.nncompress.codec.quant.VectorQuantizedTensor;
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

  /** E[x x^T] of n samples x = A z, A d x latent: correlated inputs. */
  static DenseMatrix secondMoment(int d, int latent, int n) {
    Random rnd = new Random(2);
    DenseMatrix x = new DenseMatrix(d, n);
    DenseMatrix a = new DenseMatrix(d, latent);
    for (int k = 0; k < a.data.length; k++) {
      a.data[k] = rnd.nextGaussian();
    }
    DenseMatrix z = new DenseMatrix(latent, n);
    for (int k = 0; k < z.data.length; k++) {
      z.data[k] = rnd.nextGaussian();
    }
    DenseMatrix.gemm(1.0, a, false, z, false, 0.0, x);
    DenseMatrix r = new DenseMatrix(d, d);
    DenseMatrix.gemm(1.0 / n, x, false, x, true, 0.0, r);
    return r;
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

  /**
   * Deep Compression's plan on a small layer it leaves with fewer nonzero weights than shared values
   * (20 x 30 pruned to 99%: 6 nonzero, kmeans(4): 16 values), and kmeans_aware(4) on a layer of one
   * weight: each weight keeps its float32 value exactly.
   */
  @Test
  void sharedValuesBeyondTheDistinctWeightsKeepEachWeight() {
    DenseMatrix w = weights();
    DenseMatrix pruned = TensorCodecs.decode("sparse", StagePlan.parse("prune(0.99)").encode(w, null).encode()).decode();
    assertEquals(6, java.util.Arrays.stream(pruned.data).filter(v -> v != 0).count());
    EncodedTensor t = StagePlan.parse("prune(0.99) -> kmeans(4) -> huffman").encode(w, null);
    DenseMatrix back = TensorCodecs.decode(t.codec(), t.encode()).decode();
    assertArrayEquals(pruned.data, back.data, 0);
    DenseMatrix one = DenseMatrix.fromRows(new double[][] {{-0.375}});
    EncodedTensor a = StagePlan.parse("kmeans_aware(4) -> huffman").encode(one, new DenseMatrix(1, 1, new double[] {2.0}));
    assertArrayEquals(one.data, TensorCodecs.decode(a.codec(), a.encode()).decode().data, 0);
  }

  /**
   * huffman never makes a layer larger: on 6 stored weights the code tables (16 index lengths and 32
   * gap lengths, 5 bits each) cost more than the codes save, and the fixed-width form is kept; on the
   * whole 20 x 30 layer the Huffman-coded form is smaller and is the one written.
   */
  @Test
  void huffmanIsKeptOnlyWhereItIsSmaller() {
    DenseMatrix w = weights();
    DeepCompressedTensor fixedSmall = (DeepCompressedTensor) StagePlan.parse("prune(0.99) -> kmeans(4)").encode(w, null);
    DeepCompressedTensor small = (DeepCompressedTensor) StagePlan.parse("prune(0.99) -> kmeans(4) -> huffman")
        .encode(w, null);
    long coded = DeepCompressedTensor.of(small.shared(), true, StageChain.GAP_BITS, true).encode().length;
    assertTrue(coded > fixedSmall.encode().length, coded + " vs " + fixedSmall.encode().length);
    assertFalse(small.isHuffman());
    assertArrayEquals(fixedSmall.encode(), small.encode());
    DeepCompressedTensor fixedWhole = (DeepCompressedTensor) StagePlan.parse("kmeans(4)").encode(w, null);
    DeepCompressedTensor whole = (DeepCompressedTensor) StagePlan.parse("kmeans(4) -> huffman").encode(w, null);
    assertTrue(whole.isHuffman());
    assertTrue(whole.encode().length < fixedWhole.encode().length, whole.encode().length + " vs "
        + fixedWhole.encode().length);
    assertArrayEquals(fixedWhole.decode().data, whole.decode().data, 0);
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

  /**
   * svd -> kmeans: both factors are weight-shared, each as the layer it becomes: Q^T (r x d) on the
   * layer's R, P (h x r) on the R of its inputs Q^T x, Q^T R Q.
   */
  @Test
  void laterStagesApplyToBothFactors() {
    DenseMatrix w = weights(); // 20 x 30
    DenseMatrix r = secondMoment(30, 8, 200);
    // the singular values go into Q^T: P = U_r, Q^T = S_r V_r^T
    io.nncompress.codec.lowrank.LowRankFactors f = io.nncompress.codec.lowrank.TruncatedSvd.factor(w, 3)
        .singularValuesIntoQ();
    io.nncompress.codec.lowrank.Svd svd = io.nncompress.codec.lowrank.Svd.of(w);
    for (int c = 0; c < 3; c++) {
      for (int i = 0; i < 20; i++) {
        assertEquals(Math.abs(svd.u.get(i, c)), Math.abs(f.p.get(i, c)), 1e-12);
      }
      for (int j = 0; j < 30; j++) {
        assertEquals(Math.abs(svd.s[c] * svd.vt.get(c, j)), Math.abs(f.q.get(j, c)), 1e-12);
      }
    }
    EncodedTensor e = StagePlan.parse("svd(rank=3) -> kmeans(2) -> huffman").encode(w, r);
    assertEquals(FactoredTensor.CODEC, e.codec());
    FactoredTensor ft = (FactoredTensor) TensorCodecs.decode(e.codec(), e.encode());
    assertEquals(3, ft.rank());
    StagePlan rest = StagePlan.parse("kmeans(2) -> huffman");
    EncodedTensor first = rest.encode(f.q.transpose(), r);
    EncodedTensor second = rest.encode(f.p, null);
    assertArrayEquals(first.encode(), ft.firstEncoded().encode());
    assertArrayEquals(second.encode(), ft.secondEncoded().encode());
    assertEquals(4, java.util.Arrays.stream(ft.first().data).distinct().count());
    assertEquals(4, java.util.Arrays.stream(ft.second().data).distinct().count());
    assertEquals(0.0, ft.decode().maxAbsDiff(ft.second().times(ft.first())), 1e-15);
    int n1 = first.codec().length();
    int n2 = second.codec().length();
    assertEquals(16 + 5 + n1 + first.encode().length + 5 + n2 + second.encode().length, e.encode().length);

    // data-aware: the second factor's inputs z = Q^T x have E[z z^T] = Q^T R Q
    io.nncompress.codec.lowrank.LowRankFactors fa = io.nncompress.codec.lowrank.ActivationAwareLowRank.factor(w, r,
        io.nncompress.codec.lowrank.RankSelector.fixed(3)).singularValuesIntoQ();
    FactoredTensor aware = (FactoredTensor) StagePlan.parse("svd_aware(rank=3) -> kmeans_aware(3)").encode(w, r);
    StagePlan ka = StagePlan.parse("kmeans_aware(3)");
    DenseMatrix rz = fa.q.transpose().times(r).times(fa.q);
    // activation-aware: z = Q^T x has E[z z^T] = S_r^2, diagonal
    double[] s = fa.spectrum.singularValues();
    for (int i = 0; i < 3; i++) {
      for (int j = 0; j < 3; j++) {
        assertEquals(i == j ? s[i] * s[i] : 0.0, rz.get(i, j), 1e-9 * s[0] * s[0]);
      }
    }
    assertArrayEquals(ka.encode(fa.q.transpose(), r).encode(), aware.firstEncoded().encode());
    assertArrayEquals(ka.encode(fa.p, rz).encode(), aware.secondEncoded().encode());

    // a rank that saves nothing: one layer, the later stages on P Q^T
    DenseMatrix wide = weights().selectRows(new int[] {0, 1, 2, 3}); // 4 x 30: rank 4 holds 136 > 120 weights
    EncodedTensor one = StagePlan.parse("svd(rank=4) -> kmeans(2)").encode(wide, null);
    DenseMatrix product = io.nncompress.codec.lowrank.LowRankTensor.of(
        io.nncompress.codec.lowrank.TruncatedSvd.factor(wide, 4)).decode();
    assertArrayEquals(StagePlan.parse("kmeans(2)").encode(product, null).encode(), one.encode());
    assertEquals(4, StagePlan.parse("svd(rank=4) -> kmeans(2)").encodeWithSpectrum(wide, null).rank);
  }

  @Test
  void byteBudgetsPickTheRankAndTheBuckets() {
    DenseMatrix w = weights(); // 20 x 30
    // svd(bytes=N) = RankSelector.maxBytes(N): 16 + 4 r 50 <= 1000 -> r = 4
    StagePlan.Encoded e = StagePlan.parse("svd(bytes=1000)").encodeWithSpectrum(w, null);
    assertEquals(4, e.rank);
    assertEquals(816, e.tensor.encode().length);
    assertArrayEquals(io.nncompress.codec.lowrank.Svd.singularValues(w), e.spectrum.singularValues(), 1e-12);
    // svd(bits=B): B * 600 / 8 bytes; 6 bits -> 450 -> r = 2
    assertEquals(2, StagePlan.parse("svd(bits=6)").encodeWithSpectrum(w, null).rank);
    assertEquals(416, StagePlan.parse("svd(bits=6)").encode(w, null).encode().length);
    // hashed: the most buckets that fit, 24 + 4 K bytes
    assertEquals(1000, StagePlan.parse("hashed(bytes=1000)").encode(w, null).encode().length);
    assertEquals(24 + 4 * 31, StagePlan.parse("hashed(bits=2)").encode(w, null).encode().length); // 150 bytes
    assertEquals(24 + 4 * 600, StagePlan.parse("hashed(bytes=100000)").encode(w, null).encode().length); // K <= h d
    assertEquals(io.nncompress.codec.hashing.HashedWeights.fitToWeights(w, 244, 0L).encode().length,
        StagePlan.parse("hashed(bytes=1000)").encode(w, null).encode().length);
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
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("uniform(8) -> huffman"))
        .getMessage().contains("stand alone"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("svd(rank=2) -> uniform(8) -> "
        + "huffman")).getMessage().contains("stand alone"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("svd(energy=0.9) -> huffman"))
        .getMessage().contains("huffman needs kmeans or prune"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("kmeans(4) -> svd(rank=2)"))
        .getMessage().contains("svd must come first"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("svd(rank=2) -> svd_aware(rank=1)"))
        .getMessage().contains("svd_aware must come first"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("svd(size=3)")).getMessage()
        .contains("energy=F, rank=R, error=E, bytes=N, bits=B, cannot take: size"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("svd(bytes=10.5)")).getMessage()
        .contains("whole number"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("svd(bits=0)")).getMessage()
        .contains("stage svd(bits=0): bits per weight"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("hashed(bytes=20)")).getMessage()
        .contains("do not hold one bucket"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("hashed(size=20)")).getMessage()
        .contains("K, bytes=N or bits=B"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("huffman")).getMessage()
        .contains("needs kmeans or prune"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("uniform(9)")).getMessage()
        .contains("bits"));
  }

  @Test
  void byteBudgetsPickTheClustersOfProductAndResidualQuantization() {
    // 20 x 30, len 4 -> sub-vectors of 3 (the largest divisor of 30 at most 4), s = 10 blocks:
    // pq takes 28 + 120 k + ceil(200 b / 8) bytes: k = 4 (b = 2) 558, k = 5 (b = 3) 703
    DenseMatrix w = weights();
    assertEquals(558, StagePlan.parse("pq(4,bytes=702)").encode(w, null).encode().length);
    assertEquals(703, StagePlan.parse("pq(4,bytes=703)").encode(w, null).encode().length);
    assertArrayEquals(StagePlan.parse("pq(4,4)").encode(w, null).encode(),
        StagePlan.parse("pq(4,bytes=702)").encode(w, null).encode());
    // 8 bits per weight = 600 bytes: k = 4 again
    assertArrayEquals(StagePlan.parse("pq(4,4)").encode(w, null).encode(),
        StagePlan.parse("pq(4,bits=8)").encode(w, null).encode());
    // rq, 2 stages: 28 + 240 k + ceil(400 b / 8): k = 3 (b = 2) 848, k = 4 1088
    assertArrayEquals(StagePlan.parse("rq(4,3,2)").encode(w, null).encode(),
        StagePlan.parse("rq(4,bytes=1087,2)").encode(w, null).encode());
    assertEquals(1088, StagePlan.parse("rq(4,bytes=1088,2)").encode(w, null).encode().length);
    // at most one centroid per row
    assertArrayEquals(StagePlan.parse("pq(4,20)").encode(w, null).encode(),
        StagePlan.parse("pq(4,bytes=100000)").encode(w, null).encode());
    // below one cluster (173 bytes): bits per weight take the smallest encoding, bytes are an error
    assertEquals(173, StagePlan.parse("pq(4,bits=2)").encode(w, null).encode().length);
    assertEquals("stage pq(4,bytes=172): 172 bytes do not hold a 20 x 30 matrix with one cluster (173 bytes)",
        assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("pq(4,bytes=172)").encode(w, null))
            .getMessage());
    // a bad budget fails when the plan is read
    assertEquals("stage pq(4,size=3) takes clusters k, bytes=N or bits=B as argument 2, cannot take: size",
        assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("pq(4,size=3)")).getMessage());
    assertEquals("stage rq(4,bits=0,2): bits per weight must be in (0, 64], cannot be: 0.0",
        assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("rq(4,bits=0,2)")).getMessage());
    assertEquals("stage pq(4,bytes=1.5): bytes must be a whole number >= 1, cannot be: 1.5",
        assertThrows(IllegalArgumentException.class, () -> StagePlan.parse("pq(4,bytes=1.5)")).getMessage());
  }

  @Test
  void extraArgumentsAreAnErrorNotIgnored() {
    // each was accepted, its extra arguments silently dropped
    String[][] cases = {
        {"kmeans(4,5)", "stage kmeans(4,5) takes 1 argument (bits), not 2"},
        {"prune(0.5,1)", "stage prune(0.5,1) takes 1 argument (sparsity), not 2"},
        {"uniform(4,row,3)", "stage uniform(4,row,3) takes 1 or 2 arguments (bits, row|tensor), not 3"},
        {"binary(3)", "stage binary(3) takes no arguments, not 1"},
        {"kmeans(4) -> huffman(1)", "stage huffman(1) takes no arguments, not 1"},
        {"hashed(10,20)", "stage hashed(10,20) takes 1 argument (buckets), not 2"},
        {"rq(4,8,2,1)", "stage rq(4,8,2,1) takes 3 arguments (sub-vector length, clusters, stages), not 4"},
    };
    for (String[] c : cases) {
      assertEquals(c[1], assertThrows(IllegalArgumentException.class, () -> StagePlan.parse(c[0]), c[0]).getMessage());
    }
    assertEquals("uniform(4,row)", StagePlan.parse("uniform(4,row)").toString());
    assertEquals("kmeans(4) -> huffman", StagePlan.parse("kmeans(4) -> huffman()").toString().replace("()", ""));
  }

  @Test
  void badProductAndResidualArgumentsFailWhenTheConfigIsRead() {
    // each used to pass parse() and fail only when the first layer was being compressed
    String[][] cases = {
        {"pq(4,0)", "stage pq(4,0): clusters must be in 1..65536, cannot be: 0"},
        {"pq(4,70000)", "stage pq(4,70000): clusters must be in 1..65536, cannot be: 70000"},
        {"pq(0,8)", "stage pq(0,8): sub-vector length must be at least 1, cannot be: 0"},
        {"rq(4,8,0)", "stage rq(4,8,0): stages must be at least 1, cannot be: 0"},
        {"rq(-1,8,2)", "stage rq(-1,8,2): sub-vector length must be at least 1, cannot be: -1"},
        {"pq(4,8,2)", "stage pq(4,8,2) takes 2 arguments (sub-vector length, clusters), not 3"},
        {"rq(4,8)", "stage rq(4,8): missing argument 3 (stages)"},
    };
    for (String[] c : cases) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StagePlan.parse(c[0]), c[0]);
      assertEquals(c[1], e.getMessage(), c[0]);
    }
    // the limits themselves are accepted, and k above the rows is clamped as before
    DenseMatrix w = weights();
    assertEquals(VectorQuantizedTensor.CODEC_PQ, StagePlan.parse("pq(1,65536)").encode(w, null).codec());
    assertEquals(VectorQuantizedTensor.CODEC_RQ, StagePlan.parse("rq(30,1,2)").encode(w, null).codec());
  }
}
