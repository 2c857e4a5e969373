package io.nncompress.codec;

import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.codec.prune.MagnitudePruner;
import io.nncompress.codec.prune.SparseGaps;
import io.nncompress.linalg.DenseMatrix;

/**
 * The Deep Compression stages chained on one layer: prune -> share weights (k-means) -> Huffman,
 * as a pure function of (layer weights, R diagonal, config). Each stage is optional:
 * <ul>
 *   <li>sparsity 0 and bits 0: {@link RawFloat32Tensor};</li>
 *   <li>sparsity &gt; 0 and bits 0: {@link SparseTensor} (float32 values + gaps);</li>
 *   <li>bits 1..8: {@link DeepCompressedTensor}, sparse when sparsity &gt; 0, Huffman when asked.</li>
 * </ul>
 * With {@link Config#dataAware} the pruning ranks weights by OBD saliency w_ij^2 R_jj and the
 * k-means weighs each squared error by R_jj; it needs the R diagonal.
 */
public final class DeepCompression {
  private DeepCompression() {}

  /** Immutable options; change them with the withers. */
  public static final class Config {
    /** Fraction of weights pruned, in [0, 1]; 0 = no pruning. Default 0. */
    public final double sparsity;
    /** Index bits of the shared weights, 1..8, or 0 for no weight sharing. Default 4. */
    public final int bits;
    /** Bits of a relative-index gap when pruned, 1..16. Default 5 (Deep Compression's FC layers). */
    public final int gapBits;
    /** Huffman code the indices and gaps. Default true. */
    public final boolean huffman;
    /** Use R_jj in pruning and clustering. Default false. */
    public final boolean dataAware;
    /** The k-means solver. Default exact. */
    public final WeightSharing.Solver solver;
    /** Seed of a random k-means initialisation. Default 0. */
    public final long seed;

    private Config(double sparsity, int bits, int gapBits, boolean huffman, boolean dataAware,
        WeightSharing.Solver solver, long seed) {
      MagnitudePruner.prunedCount(0, sparsity); // validates the sparsity
      if (bits != 0) {
        WeightSharing.checkBits(bits);
      }
      SparseGaps.checkGapBits(gapBits);
      if (solver == null) {
        throw new IllegalArgumentException("solver must not be null");
      }
      this.sparsity = sparsity;
      this.bits = bits;
      this.gapBits = gapBits;
      this.huffman = huffman;
      this.dataAware = dataAware;
      this.solver = solver;
      this.seed = seed;
    }

    public static Config defaults() {
      return new Config(0, 4, 5, true, false, WeightSharing.Solver.OPTIMAL, 0L);
    }

    public Config sparsity(double s) {
      return new Config(s, bits, gapBits, huffman, dataAware, solver, seed);
    }

    public Config bits(int b) {
      return new Config(sparsity, b, gapBits, huffman, dataAware, solver, seed);
    }

    public Config gapBits(int g) {
      return new Config(sparsity, bits, g, huffman, dataAware, solver, seed);
    }

    public Config huffman(boolean h) {
      return new Config(sparsity, bits, gapBits, h, dataAware, solver, seed);
    }

    public Config dataAware(boolean d) {
      return new Config(sparsity, bits, gapBits, huffman, d, solver, seed);
    }

    public Config solver(WeightSharing.Solver s) {
      return new Config(sparsity, bits, gapBits, huffman, dataAware, s, seed);
    }

    public Config seed(long s) {
      return new Config(sparsity, bits, gapBits, huffman, dataAware, solver, s);
    }
  }

  /**
   * Compresses one layer.
   *
   * @param rDiagOrNull R_jj per column of w (the input autocorrelation diagonal); required when dataAware
   */
  public static EncodedTensor compress(DenseMatrix w, double[] rDiagOrNull, Config config) {
    if (config.dataAware && rDiagOrNull == null) {
      throw new IllegalArgumentException("dataAware compression needs the R diagonal, rDiag is null");
    }
    boolean prune = config.sparsity > 0;
    DenseMatrix p = w;
    if (prune) {
      p = config.dataAware ? MagnitudePruner.pruneBySaliency(w, rDiagOrNull, config.sparsity)
          : MagnitudePruner.pruneToSparsity(w, config.sparsity);
    }
    if (config.bits == 0) {
      return prune ? SparseTensor.of(p, config.gapBits) : RawFloat32Tensor.of(p);
    }
    WeightSharing ws = WeightSharing.fit(p, config.bits, config.solver, config.dataAware ? rDiagOrNull : null, prune,
        config.seed);
    return config.huffman ? DeepCompressedTensor.huffmanIfSmaller(ws, prune, config.gapBits)
        : DeepCompressedTensor.of(ws, prune, config.gapBits, false);
  }
}
