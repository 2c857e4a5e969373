package io.nncompress.compress;

import io.nncompress.codec.DeepCompressedTensor;
import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.RawFloat32Tensor;
import io.nncompress.codec.SparseTensor;
import io.nncompress.codec.hashing.HashedTensor;
import io.nncompress.codec.hashing.HashedWeights;
import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.codec.lowrank.ActivationAwareLowRank;
import io.nncompress.codec.lowrank.FactoredTensor;
import io.nncompress.codec.lowrank.LowRankEncoded;
import io.nncompress.codec.lowrank.LowRankFactors;
import io.nncompress.codec.lowrank.LowRankTensor;
import io.nncompress.codec.lowrank.Spectrum;
import io.nncompress.codec.lowrank.TruncatedSvd;
import io.nncompress.codec.prune.MagnitudePruner;
import io.nncompress.codec.quant.BinaryQuantizer;
import io.nncompress.codec.quant.UniformQuantizer;
import io.nncompress.codec.quant.VectorQuantizedTensor;
import io.nncompress.codec.quant.VectorQuantizer;
import io.nncompress.linalg.DenseMatrix;
import java.util.ArrayList;
import java.util.List;

/**
 * A layer's stages run once each, in order, each on the previous stage's output: prune keeps the
 * pruned weights (and which are pruned), kmeans clusters them and keeps the codebook and the codes,
 * huffman codes those same codes; a low-rank stage splits the layer into the factors (Q^T on R, P on
 * Q^T R Q) or keeps their product, and every later stage runs on each factor. {@link #run} returns
 * what each stage left: the encoded form after stage 1, 2, ... — the metrics of every stage are
 * read off this one chain, and its last element is the plan's encoding.
 *
 * <p>Within Deep Compression (prune -> kmeans -> huffman) data-awareness belongs to the plan: when
 * any of its stages is data-aware (prune_obd, kmeans_aware), pruning ranks by saliency and k-means
 * weighs by R_jj (as the fused {@link io.nncompress.codec.DeepCompression} call did), so that the
 * stages after the first build on what the first produced.
 */
public final class StageChain {
  /** Bits of a relative-index gap of a pruned layer (Deep Compression's FC layers). */
  static final int GAP_BITS = 5;

  private StageChain() {}

  /** One matrix the stages work on: the layer, or one of its low-rank factors. */
  private static final class Part {
    /** The matrix as the stages received it (after LNR, or the factor). */
    final DenseMatrix w;
    /** The autocorrelation of the part's inputs, or null. */
    final DenseMatrix r;
    /** The weights after pruning (w when not pruned). */
    DenseMatrix pruned;
    boolean sparse;
    /** The shared weights after kmeans, or null. */
    WeightSharing shared;
    EncodedTensor encoded;

    Part(DenseMatrix w, DenseMatrix r) {
      this.w = w;
      this.r = r;
      this.pruned = w;
      this.encoded = RawFloat32Tensor.of(w);
    }
  }

  /**
   * Runs every stage of {@code plan} once on {@code w} (h x d), {@code r} its inputs' d x d
   * autocorrelation (data-aware stages; null otherwise). One element per stage; empty for an empty plan.
   */
  public static List<StagePlan.Encoded> run(StagePlan plan, DenseMatrix w, DenseMatrix r) {
    return run(plan, w, r, false);
  }

  /**
   * As {@link #run(StagePlan, DenseMatrix, DenseMatrix)} on a weight {@code w} that the plan's prune stage
   * already pruned (and that was trained since with its pruned weights kept at zero, e.g. fine-tuning
   * after prune) when {@code pruned}: the prune stage prunes no other weight, it stores w sparse as it
   * is (its zeros are the pruned weights), and the stages after it run on w.
   */
  public static List<StagePlan.Encoded> run(StagePlan plan, DenseMatrix w, DenseMatrix r, boolean pruned) {
    List<Stage> stages = plan.stages();
    List<StagePlan.Encoded> out = new ArrayList<>();
    List<Part> parts = List.of(new Part(w, r));
    boolean factored = false;
    Spectrum spectrum = null;
    int rank = 0;
    boolean deepAware = false;
    for (Stage s : stages) {
      deepAware |= s instanceof Stage.Prune p && p.obd() || s instanceof Stage.KMeans k && k.aware();
    }
    for (int i = 0; i < stages.size(); i++) {
      Stage s = stages.get(i);
      if (s instanceof Stage.Svd svd) {
        LowRankFactors f = svd.aware()
            ? ActivationAwareLowRank.factor(w, r, svd.rule().selector(Math.min(w.rows, w.cols)))
            : TruncatedSvd.factor(w, svd.rule().selector(Math.min(w.rows, w.cols)));
        spectrum = f.spectrum;
        rank = f.rank();
        LowRankTensor factors = LowRankTensor.of(f);
        if (!LowRankEncoded.savesWeights(f.rows(), f.cols(), f.rank())) {
          // one layer: P Q^T (float32 factors), the later stages on it
          parts = List.of(new Part(factors.decode(), r));
          out.add(new StagePlan.Encoded(parts.get(0).encoded, spectrum, rank));
        } else {
          // two layers, the singular values in the first: P = U_r is an isometry, so the later stages' error
          // on Q^T is the layer's; Q^T reads x (autocorrelation R), P reads z = Q^T x (autocorrelation Q^T R Q)
          LowRankFactors g = f.singularValuesIntoQ();
          DenseMatrix rz = null;
          if (r != null) {
            rz = new DenseMatrix(g.rank(), g.rank());
            DenseMatrix rq = r.times(g.q);
            DenseMatrix.gemm(1.0, g.q, true, rq, false, 0.0, rz);
          }
          parts = List.of(new Part(g.q.transpose(), r), new Part(g.p, rz));
          factored = true;
          out.add(new StagePlan.Encoded(factors, spectrum, rank));
        }
        continue;
      }
      for (Part p : parts) {
        apply(s, p, deepAware, pruned);
      }
      EncodedTensor e = factored ? new FactoredTensor(parts.get(0).encoded, parts.get(1).encoded)
          : parts.get(0).encoded;
      List<DenseMatrix> coded = spectrum == null ? List.of() : parts.stream().map(p -> p.w).toList();
      out.add(new StagePlan.Encoded(e, spectrum, rank, coded));
    }
    return out;
  }

  // one stage on one part, from what the stages before it left in the part
  private static void apply(Stage s, Part p, boolean deepAware, boolean pruned) {
    DenseMatrix w = p.w;
    if (s instanceof Stage.Prune prune) {
      if (pruned && prune.sparsity() > 0) {
        p.pruned = w;
        p.sparse = true;
        p.encoded = SparseTensor.of(w, GAP_BITS);
      } else if (prune.sparsity() > 0) {
        p.pruned = deepAware ? MagnitudePruner.pruneBySaliency(w, diagonal(p), prune.sparsity())
            : MagnitudePruner.pruneToSparsity(w, prune.sparsity());
        p.sparse = true;
        p.encoded = SparseTensor.of(p.pruned, GAP_BITS);
      }
    } else if (s instanceof Stage.KMeans k) {
      p.shared = WeightSharing.fit(p.pruned, k.bits(), WeightSharing.Solver.OPTIMAL, deepAware ? diagonal(p) : null,
          p.sparse, 0L);
      p.encoded = DeepCompressedTensor.of(p.shared, p.sparse, GAP_BITS, false);
    } else if (s instanceof Stage.Huffman) {
      // the codes of kmeans, Huffman coded where that is smaller; pruned float32 values without kmeans
      // stay as they are
      if (p.shared != null) {
        p.encoded = DeepCompressedTensor.huffmanIfSmaller(p.shared, p.sparse, GAP_BITS);
      }
    } else if (s instanceof Stage.Uniform u) {
      p.encoded = UniformQuantizer.quantize(w, u.bits(),
          u.perRow() ? UniformQuantizer.Granularity.PER_ROW : UniformQuantizer.Granularity.PER_TENSOR);
    } else if (s instanceof Stage.Binary) {
      p.encoded = BinaryQuantizer.quantize(w);
    } else if (s instanceof Stage.Pq pq) {
      p.encoded = vectorQuantized(pq, w, pq.length(), pq.clusters(), pq.budget(), 1);
    } else if (s instanceof Stage.Rq rq) {
      p.encoded = vectorQuantized(rq, w, rq.length(), rq.clusters(), rq.budget(), rq.stages());
    } else if (s instanceof Stage.Hashed h) {
      int kk = Math.min(buckets(h, w.rows, w.cols), w.rows * w.cols);
      p.encoded = h.aware() ? HashedWeights.fitToData(w, p.r, kk, 0L) : HashedWeights.fitToWeights(w, kk, 0L);
    } else {
      throw new IllegalStateException("stage " + s + " after the first");
    }
  }

  private static double[] diagonal(Part p) {
    if (p.r == null) {
      throw new IllegalArgumentException("dataAware compression needs the R diagonal, rDiag is null");
    }
    double[] d = new double[p.w.cols];
    for (int j = 0; j < d.length; j++) {
      d[j] = p.r.get(j, j);
    }
    return d;
  }

  private static EncodedTensor vectorQuantized(Stage s, DenseMatrix w, int len, int clusters, Stage.Budget budget,
      int t) {
    int blocks = VectorQuantizer.subBlocks(w.cols, len);
    int k = clusters;
    if (budget != null) {
      double bytes = budget.bytesFor(w.rows, w.cols);
      k = VectorQuantizer.clustersWithin(w.rows, w.cols, blocks, t, (long) Math.floor(bytes));
      if (k < 1 && budget.bytes()) {
        throw new IllegalArgumentException("stage " + s.text() + ": " + (long) bytes + " bytes do not hold a "
            + w.rows + " x " + w.cols + " matrix with one cluster (" + VectorQuantizedTensor.bytesOf(w.rows, w.cols,
            blocks, 1, t) + " bytes)");
      }
      k = Math.max(1, k); // bits per weight: the smallest encoding when even that is over
    }
    return VectorQuantizer.residual(w, blocks, Math.min(k, w.rows), t, 0L);
  }

  // hashed(K), or the most buckets whose encoded form fits the budget
  private static int buckets(Stage.Hashed h, int rows, int cols) {
    if (h.budget() == null) {
      return h.buckets();
    }
    double budget = h.budget().bytesFor(rows, cols);
    long k = HashedTensor.bucketsWithin((long) Math.floor(budget));
    if (k < 1 && h.budget().bytes()) {
      throw new IllegalArgumentException("stage " + h.text() + ": " + (long) budget + " bytes do not hold one bucket ("
          + HashedTensor.bytesOf(1) + " bytes)");
    }
    long max = (long) rows * cols;
    if (h.aware()) {
      max = Math.min(max, HashedWeights.MAX_DATA_AWARE_BUCKETS);
    }
    return (int) Math.max(1, Math.min(k, max));
  }
}
