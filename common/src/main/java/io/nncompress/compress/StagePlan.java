package io.nncompress.compress;

import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.RawFloat32Tensor;
import io.nncompress.codec.hashing.HashedWeights;
import io.nncompress.codec.lowrank.LowRankFactors;
import io.nncompress.codec.lowrank.Spectrum;
import io.nncompress.linalg.DenseMatrix;
import java.io.Serializable;
import java.util.List;

/**
 * The stages a layer's weight goes through after LNR, e.g. {@code prune(0.5) -> kmeans(4) -> huffman}.
 *
 * <p>Stages (arguments in parentheses):
 * <ul>
 *   <li>Deep Compression, in this order, each optional: {@code prune(s)} magnitude pruning to
 *       sparsity s, or {@code prune_obd(s)} by the saliency w_ij^2 R_jj; {@code kmeans(b)} weight
 *       sharing with 2^b exact 1-D k-means values, or {@code kmeans_aware(b)} weighted by R_jj;
 *       {@code huffman} Huffman coding of the indices and gaps;</li>
 *   <li>or one of: {@code uniform(b)} / {@code uniform(b,row)} affine quantization per tensor /
 *       per output row; {@code binary}; {@code pq(len,k)} product quantization of sub-vectors of
 *       about len columns (the largest divisor of d at most len), k centroids per block;
 *       {@code rq(len,k,t)} residual quantization in t stages; k may be a budget, {@code bytes=N}
 *       or {@code bits=B} as for hashed below: the most centroids whose encoding fits (at most h);
 *       {@code hashed(K)} /
 *       {@code hashed_aware(K)} the hashing trick with K buckets, or with the most buckets that fit
 *       {@code hashed(bytes=N)} N encoded bytes or {@code hashed(bits=B)} B bits per weight of the
 *       layer (B h d / 8 bytes; at most h d buckets, and {@value HashedWeights#MAX_DATA_AWARE_BUCKETS}
 *       for hashed_aware);</li>
 *   <li>low rank, first, optionally followed by either of the above: {@code svd(...)} truncated
 *       SVD, {@code svd_aware(...)} activation-aware low rank on R, the rank chosen by one of
 *       {@code energy=F} (kept energy), {@code rank=R}, {@code error=E} (relative error),
 *       {@code bytes=N} (the largest rank whose float32 factors take at most N bytes) or
 *       {@code bits=B} (the largest rank whose float32 factors take at most B bits per weight of the
 *       layer, at least rank 1). The layer becomes two layers, x -> Q^T x -> P (Q^T x), when that
 *       holds fewer weights (r (h + d) &lt; h d); otherwise it stays one layer holding P Q^T. Later
 *       stages then apply to each factor as to a layer of its own, with the singular values in the
 *       first ({@link LowRankFactors#singularValuesIntoQ()}: P = U_r, Q^T = S_r V_r^T):
 *       {@code svd(energy=0.95) -> kmeans(5)} shares 2^5 values in Q^T (r x d, whose inputs have R)
 *       and another 2^5 in P (h x r, whose inputs Q^T x have Q^T R Q); to W itself when the layer
 *       stays one.</li>
 * </ul>
 * Sizes are always the bytes of the encoded form. The plan is parsed once into typed {@link Stage}s
 * ({@link StageParser}); {@link StageChain} runs them, each once on the previous stage's output.
 */
public final class StagePlan implements Serializable {
  private static final long serialVersionUID = 1L;

  private final List<Stage> stages;

  private StagePlan(List<Stage> stages) {
    this.stages = List.copyOf(stages);
  }

  public static StagePlan none() {
    return new StagePlan(List.of());
  }

  /** Parses {@code a -> b(1) -> c} (or a list of stage strings); errors name the stage and what is allowed. */
  public static StagePlan parse(List<String> items) {
    return new StagePlan(StageParser.parse(items));
  }

  public static StagePlan parse(String plan) {
    return parse(List.of(plan));
  }

  /** The typed stages, in order. */
  public List<Stage> stages() {
    return stages;
  }

  public boolean isEmpty() {
    return stages.isEmpty();
  }

  /** Whether a stage needs the layer's input statistics R. */
  public boolean needsStatistics() {
    return stages.stream().anyMatch(Stage::needsStatistics);
  }

  /** The plan of the first n stages. */
  public StagePlan prefix(int n) {
    return new StagePlan(stages.subList(0, n));
  }

  /** Whether the plan starts with a low-rank stage (svd, svd_aware). */
  public boolean isLowRank() {
    return !stages.isEmpty() && stages.get(0) instanceof Stage.Svd;
  }

  /** The plan's weight-sharing stage (kmeans, kmeans_aware), or null. */
  public Stage.KMeans kmeans() {
    for (Stage s : stages) {
      if (s instanceof Stage.KMeans k) {
        return k;
      }
    }
    return null;
  }

  /**
   * Encodes a weight matrix (h x d). {@code r} is the d x d autocorrelation of the layer's inputs
   * (without the bias), needed by the data-aware stages (null otherwise).
   */
  public EncodedTensor encode(DenseMatrix w, DenseMatrix r) {
    return encodeWithSpectrum(w, r).tensor;
  }

  /** An encoded weight and, when the plan starts with a low-rank stage, the spectrum its rank was chosen on. */
  public static final class Encoded {
    public final EncodedTensor tensor;
    /** Singular values of W (svd) or of W L with R = L L^T (svd_aware); null without a low-rank stage. */
    public final Spectrum spectrum;
    /** The rank chosen (0 without a low-rank stage), kept whether or not the layer was factored. */
    public final int rank;
    /**
     * After a low-rank stage, what the later stages were applied to: Q^T (singular values in) and P
     * for a split layer, P Q^T for one kept whole; empty without later stages or a low-rank stage.
     */
    public final List<DenseMatrix> coded;

    Encoded(EncodedTensor tensor, Spectrum spectrum, int rank) {
      this(tensor, spectrum, rank, List.of());
    }

    Encoded(EncodedTensor tensor, Spectrum spectrum, int rank, List<DenseMatrix> coded) {
      this.tensor = tensor;
      this.spectrum = spectrum;
      this.rank = rank;
      this.coded = coded;
    }
  }

  /** Like {@link #encode}, with the spectrum of a low-rank stage: the last stage of {@link StageChain#run}. */
  public Encoded encodeWithSpectrum(DenseMatrix w, DenseMatrix r) {
    List<Encoded> chain = StageChain.run(this, w, r);
    return chain.isEmpty() ? new Encoded(RawFloat32Tensor.of(w), null, 0) : chain.get(chain.size() - 1);
  }

  @Override
  public String toString() {
    return stages.isEmpty() ? "none" : String.join(" -> ", stages.stream().map(Stage::text).toList());
  }
}
