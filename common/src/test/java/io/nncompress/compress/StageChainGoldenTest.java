package io.nncompress.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nncompress.codec.DeepCompression;
import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.RawFloat32Tensor;
import io.nncompress.codec.hashing.HashedTensor;
import io.nncompress.codec.hashing.HashedWeights;
import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.codec.lowrank.ActivationAwareLowRank;
import io.nncompress.codec.lowrank.FactoredTensor;
import io.nncompress.codec.lowrank.LowRankEncoded;
import io.nncompress.codec.lowrank.LowRankFactors;
import io.nncompress.codec.lowrank.LowRankTensor;
import io.nncompress.codec.lowrank.RankSelector;
import io.nncompress.codec.lowrank.TruncatedSvd;
import io.nncompress.codec.quant.BinaryQuantizer;
import io.nncompress.codec.quant.UniformQuantizer;
import io.nncompress.codec.quant.VectorQuantizer;
import io.nncompress.linalg.Blas;
import io.nncompress.linalg.DenseMatrix;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The stage chain ({@link StageChain}: each stage once, on the previous stage's output) against the
 * code path it replaced, kept here only: each prefix of the plan re-encoded from the weights after
 * LNR, Deep Compression fused in one {@link DeepCompression#compress} call, the stages after a
 * low-rank stage encoded as a plan of their own on each factor. Every stage kind, on a fixed
 * 12 x 10 layer: the chain's last stage is that path's encoding of the whole plan, bit for bit
 * (bytes and decoded weights), and so is every earlier stage except where the plan's data-awareness
 * reaches back (prune before kmeans_aware prunes by saliency in the chain, as the whole plan did).
 */
class StageChainGoldenTest {
  /**
   * Digests of the whole plan's encoding recorded from the replaced code (commit 49969fc, StagePlan
   * before the chain) on netlib's pure-Java BLAS/LAPACK (the common module's java-blas execution),
   * whose results are the same on every machine.
   */
  static final Map<String, String> JAVA_BLAS_FINAL = new LinkedHashMap<>();

  static {
    JAVA_BLAS_FINAL.put("prune(0.5)", "02ade2c8cfea3182fb951b96");
    JAVA_BLAS_FINAL.put("prune_obd(0.5)", "e6e610b77eb86fa3ddfadcb2");
    JAVA_BLAS_FINAL.put("kmeans(3)", "63068f9ce0db76bf0490cc7b");
    JAVA_BLAS_FINAL.put("kmeans_aware(3)", "339e20f82fb175f11112b2e8");
    JAVA_BLAS_FINAL.put("kmeans(4) -> huffman", "e1ad051b609840b05b62d94f");
    JAVA_BLAS_FINAL.put("prune(0.3) -> huffman", "8de2bdcac75f9d1ded979d7f");
    JAVA_BLAS_FINAL.put("prune(0.5) -> kmeans(3) -> huffman", "36d5a6e721ea3b66db773c29");
    JAVA_BLAS_FINAL.put("prune_obd(0.4) -> kmeans(2) -> huffman", "08462a072bcb4ba5ced4def4");
    JAVA_BLAS_FINAL.put("prune(0.5) -> kmeans_aware(3) -> huffman", "6dc050cea78e0e1dfa663d2e");
    JAVA_BLAS_FINAL.put("prune_obd(0.5) -> kmeans(3)", "9547cff5d62f74520053441b");
    JAVA_BLAS_FINAL.put("uniform(4)", "19da3ff50b25e68a3a6cc3d5");
    JAVA_BLAS_FINAL.put("uniform(3,row)", "b3523d669ee52e5bbadea731");
    JAVA_BLAS_FINAL.put("uniform(5,tensor)", "a62b11a4da323af870ea040a");
    JAVA_BLAS_FINAL.put("binary", "497b1c14752e445f9879911c");
    JAVA_BLAS_FINAL.put("pq(4,8)", "54fde04015503c66698d22be");
    JAVA_BLAS_FINAL.put("pq(4,bytes=300)", "467710da2a02ffb7e46fb15f");
    JAVA_BLAS_FINAL.put("pq(3,bits=2)", "98ab3d98f92dc537b95e25bf");
    JAVA_BLAS_FINAL.put("rq(5,4,2)", "d2cedc770a152ebe5ae92c3b");
    JAVA_BLAS_FINAL.put("rq(5,bits=3,2)", "3fc0aa5077debcc7b956b9dd");
    JAVA_BLAS_FINAL.put("hashed(16)", "820b7ca199c5ba8268ddcbe0");
    JAVA_BLAS_FINAL.put("hashed_aware(16)", "9b0f3541266e479c7c15ec39");
    JAVA_BLAS_FINAL.put("hashed(bits=2)", "28df8427190ccabfbdc89dfc");
    JAVA_BLAS_FINAL.put("hashed_aware(bytes=200)", "21e2c7c4a0feff2b7d16ce31");
    JAVA_BLAS_FINAL.put("svd(rank=3)", "fd69d792e76c3089c9d0e6ec");
    JAVA_BLAS_FINAL.put("svd(rank=6)", "983ee8eb7348311999c1470e");
    JAVA_BLAS_FINAL.put("svd_aware(energy=0.9)", "585af8eab835091f56d821fe");
    JAVA_BLAS_FINAL.put("svd(error=0.4)", "fd69d792e76c3089c9d0e6ec");
    JAVA_BLAS_FINAL.put("svd(bytes=300)", "fd69d792e76c3089c9d0e6ec");
    JAVA_BLAS_FINAL.put("svd_aware(bits=8)", "de75287ae44e4962f309e28c");
    JAVA_BLAS_FINAL.put("svd(rank=3) -> kmeans(2) -> huffman", "7a20f1f0fb99f4c63878de36");
    JAVA_BLAS_FINAL.put("svd_aware(rank=3) -> prune_obd(0.3) -> kmeans_aware(3) -> huffman", "10919552831f5aa06e65d48f");
    JAVA_BLAS_FINAL.put("svd(rank=6) -> kmeans(2)", "4daab0150ec27b4f332eecf4");
    JAVA_BLAS_FINAL.put("svd(rank=6) -> prune(0.5) -> kmeans(2) -> huffman", "53ca18d6d111f946be21fd5b");
    JAVA_BLAS_FINAL.put("svd(rank=6) -> uniform(4)", "34692c13fe6200b83edb4251");
    JAVA_BLAS_FINAL.put("svd(rank=2) -> uniform(4,row)", "a6580103334d414a56a3221a");
    JAVA_BLAS_FINAL.put("svd(rank=2) -> pq(2,4)", "35fb1c6f843813c912666111");
    JAVA_BLAS_FINAL.put("svd(rank=2) -> hashed_aware(8)", "0b15ad7cb0cf3968310f9d5f");
    JAVA_BLAS_FINAL.put("svd(rank=2) -> binary", "fbd829d62f59f0778606f839");
    JAVA_BLAS_FINAL.put("svd(error=0.3) -> rq(2,4,2)", "16c364e89e2b83edbb29d0e7");
    JAVA_BLAS_FINAL.put("svd_aware(rank=2) -> prune(0.5)", "5164eea2a8f50492fc566557");
  }

  static final List<String> PLANS = List.copyOf(JAVA_BLAS_FINAL.keySet());

  static DenseMatrix weights() {
    Random rnd = new Random(11);
    DenseMatrix w = new DenseMatrix(12, 10);
    for (int k = 0; k < w.data.length; k++) {
      w.data[k] = rnd.nextGaussian() * 0.1;
    }
    return w;
  }

  static DenseMatrix autocorrelation() {
    return StagePlanTest.secondMoment(10, 6, 100);
  }

  static String digest(EncodedTensor e) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(e.codec().getBytes(StandardCharsets.UTF_8));
      md.update(e.encode());
      DenseMatrix d = e.decode();
      ByteBuffer b = ByteBuffer.allocate(8 * d.data.length + 8);
      b.putInt(d.rows).putInt(d.cols);
      for (double v : d.data) {
        b.putLong(Double.doubleToRawLongBits(v));
      }
      md.update(b.array());
      return HexFormat.of().formatHex(md.digest()).substring(0, 24);
    } catch (java.security.NoSuchAlgorithmException x) {
      throw new IllegalStateException(x);
    }
  }

  static boolean deepAware(List<Stage> stages) {
    return stages.stream().anyMatch(s -> s instanceof Stage.Prune p && p.obd() || s instanceof Stage.KMeans k
        && k.aware());
  }

  @Test
  void theChainsLastStageIsTheReplacedPathsEncodingBitForBit() {
    DenseMatrix w = weights();
    DenseMatrix r = autocorrelation();
    boolean javaBlas = "java".equals(System.getProperty(Blas.PROPERTY));
    for (String plan : PLANS) {
      StagePlan p = StagePlan.parse(plan);
      List<StagePlan.Encoded> chain = StageChain.run(p, w, r);
      assertEquals(p.stages().size(), chain.size(), plan);
      EncodedTensor last = chain.get(chain.size() - 1).tensor;
      EncodedTensor old = Replaced.encode(p.stages(), w, r, false);
      assertEquals(old.codec(), last.codec(), plan);
      assertArrayEquals(old.encode(), last.encode(), plan);
      assertArrayEquals(old.decode().data, last.decode().data, plan);
      assertArrayEquals(old.encode(), p.encode(w, r).encode(), plan + ": StagePlan.encode is the chain's last stage");
      if (javaBlas) {
        assertEquals(JAVA_BLAS_FINAL.get(plan), digest(last), plan + ": as recorded from commit 49969fc");
      }
    }
  }

  @Test
  void everyEarlierStageIsThePrefixEncodedWithThePlansDataAwareness() {
    DenseMatrix w = weights();
    DenseMatrix r = autocorrelation();
    int differing = 0;
    for (String plan : PLANS) {
      StagePlan p = StagePlan.parse(plan);
      List<StagePlan.Encoded> chain = StageChain.run(p, w, r);
      boolean aware = deepAware(p.stages());
      for (int i = 1; i <= chain.size(); i++) {
        List<Stage> prefix = p.stages().subList(0, i);
        EncodedTensor viaPrefix = Replaced.encode(prefix, w, r, aware);
        assertArrayEquals(viaPrefix.encode(), chain.get(i - 1).tensor.encode(), plan + ", stage " + i);
        // the replaced path's own prefix: the same except where a later stage makes the plan data-aware
        boolean same = java.util.Arrays.equals(Replaced.encode(prefix, w, r, false).encode(),
            chain.get(i - 1).tensor.encode());
        boolean expectDiffer = aware && !deepAware(prefix) && prefix.stream().anyMatch(Stage.Prune.class::isInstance);
        assertEquals(!expectDiffer, same, plan + ", stage " + i);
        differing += same ? 0 : 1;
      }
    }
    assertEquals(1, differing, "prune(0.5) -> kmeans_aware(3) -> huffman, stage 1");
  }

  @Test
  void eachStageBuildsOnThePreviousStagesOutput() {
    DenseMatrix w = weights();
    List<StagePlan.Encoded> deep = StageChain.run(StagePlan.parse("prune(0.5) -> kmeans(3) -> huffman"), w, null);
    DenseMatrix pruned = deep.get(0).tensor.decode();
    DenseMatrix shared = deep.get(1).tensor.decode();
    assertEquals(60, java.util.Arrays.stream(pruned.data).filter(v -> v == 0).count());
    for (int k = 0; k < pruned.data.length; k++) {
      assertEquals(pruned.data[k] == 0, shared.data[k] == 0, "kmeans keeps prune's zeros, weight " + k);
    }
    assertEquals(8, java.util.Arrays.stream(shared.data).filter(v -> v != 0).distinct().count());
    // huffman codes kmeans's codes: the same codebook and codes, the same weights
    WeightSharing codes = ((io.nncompress.codec.DeepCompressedTensor) deep.get(1).tensor).shared();
    WeightSharing coded = ((io.nncompress.codec.DeepCompressedTensor) deep.get(2).tensor).shared();
    assertArrayEquals(codes.codebook(), coded.codebook());
    assertArrayEquals(codes.codes(), coded.codes());
    assertArrayEquals(shared.data, deep.get(2).tensor.decode().data);

    List<StagePlan.Encoded> lr = StageChain.run(StagePlan.parse("svd(rank=3) -> kmeans(2) -> huffman"), w, null);
    assertEquals(LowRankTensor.CODEC, lr.get(0).tensor.codec());
    FactoredTensor k2 = (FactoredTensor) lr.get(1).tensor;
    FactoredTensor h = (FactoredTensor) lr.get(2).tensor;
    assertArrayEquals(k2.first().data, h.first().data);
    assertArrayEquals(k2.second().data, h.second().data);
    assertEquals(3, lr.get(2).rank);
    assertEquals(2, lr.get(2).coded.size());
  }

  /** The code path the chain replaced (StagePlan.encode before it), kept for this comparison only. */
  static final class Replaced {
    private Replaced() {}

    static EncodedTensor encode(List<Stage> stages, DenseMatrix w, DenseMatrix r, boolean forceAware) {
      if (stages.isEmpty()) {
        return RawFloat32Tensor.of(w);
      }
      if (stages.get(0) instanceof Stage.Svd s) {
        RankSelector sel = s.rule().selector(Math.min(w.rows, w.cols));
        LowRankFactors f = s.aware() ? ActivationAwareLowRank.factor(w, r, sel) : TruncatedSvd.factor(w, sel);
        List<Stage> rest = stages.subList(1, stages.size());
        LowRankTensor factors = LowRankTensor.of(f);
        if (!LowRankEncoded.savesWeights(f.rows(), f.cols(), f.rank())) {
          return encode(rest, factors.decode(), r, forceAware);
        }
        if (rest.isEmpty()) {
          return factors;
        }
        LowRankFactors g = f.singularValuesIntoQ();
        DenseMatrix first = g.q.transpose();
        DenseMatrix rz = null;
        if (r != null) {
          rz = new DenseMatrix(g.rank(), g.rank());
          DenseMatrix rq = r.times(g.q);
          DenseMatrix.gemm(1.0, g.q, true, rq, false, 0.0, rz);
        }
        return new FactoredTensor(encode(rest, first, r, forceAware), encode(rest, g.p, rz, forceAware));
      }
      Stage s = stages.get(0);
      if (s instanceof Stage.Prune || s instanceof Stage.KMeans || s instanceof Stage.Huffman) {
        DeepCompression.Config c = DeepCompression.Config.defaults().bits(0).huffman(false)
            .solver(WeightSharing.Solver.OPTIMAL).dataAware(forceAware);
        for (Stage x : stages) {
          if (x instanceof Stage.Prune p) {
            c = c.sparsity(p.sparsity()).dataAware(p.obd() || c.dataAware);
          } else if (x instanceof Stage.KMeans k) {
            c = c.bits(k.bits()).dataAware(k.aware() || c.dataAware);
          } else {
            c = c.huffman(true);
          }
        }
        double[] rDiag = null;
        if (c.dataAware) {
          rDiag = new double[w.cols];
          for (int j = 0; j < w.cols; j++) {
            rDiag[j] = r.get(j, j);
          }
        }
        return DeepCompression.compress(w, rDiag, c);
      }
      if (s instanceof Stage.Uniform u) {
        return UniformQuantizer.quantize(w, u.bits(), u.perRow() ? UniformQuantizer.Granularity.PER_ROW
            : UniformQuantizer.Granularity.PER_TENSOR);
      }
      if (s instanceof Stage.Binary) {
        return BinaryQuantizer.quantize(w);
      }
      if (s instanceof Stage.Pq || s instanceof Stage.Rq) {
        int len = s instanceof Stage.Pq pq ? pq.length() : ((Stage.Rq) s).length();
        int k = s instanceof Stage.Pq pq ? pq.clusters() : ((Stage.Rq) s).clusters();
        Stage.Budget budget = s instanceof Stage.Pq pq ? pq.budget() : ((Stage.Rq) s).budget();
        int t = s instanceof Stage.Rq rq ? rq.stages() : 1;
        int blocks = VectorQuantizer.subBlocks(w.cols, len);
        if (budget != null) {
          k = Math.max(1, VectorQuantizer.clustersWithin(w.rows, w.cols, blocks, t,
              (long) Math.floor(budget.bytesFor(w.rows, w.cols))));
        }
        return VectorQuantizer.residual(w, blocks, Math.min(k, w.rows), t, 0L);
      }
      Stage.Hashed h = (Stage.Hashed) s;
      int k = h.buckets();
      if (h.budget() != null) {
        long max = (long) w.rows * w.cols;
        if (h.aware()) {
          max = Math.min(max, HashedWeights.MAX_DATA_AWARE_BUCKETS);
        }
        k = (int) Math.max(1, Math.min(HashedTensor.bucketsWithin((long) Math.floor(h.budget().bytesFor(w.rows,
            w.cols))), max));
      }
      int kk = Math.min(k, w.rows * w.cols);
      return h.aware() ? HashedWeights.fitToData(w, r, kk, 0L) : HashedWeights.fitToWeights(w, kk, 0L);
    }
  }
}
