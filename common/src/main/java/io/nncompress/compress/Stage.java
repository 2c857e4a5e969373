package io.nncompress.compress;

import io.nncompress.codec.lowrank.RankSelector;
import java.io.Serializable;

/**
 * One stage of a {@link StagePlan}, parsed once ({@link StageParser}): the kind and its typed
 * arguments. {@link #text()} is the stage as written in the plan (trimmed, lower case), the label of
 * outputs and error messages.
 */
public sealed interface Stage extends Serializable
    permits Stage.Prune, Stage.KMeans, Stage.Huffman, Stage.Uniform, Stage.Binary, Stage.Pq, Stage.Rq,
    Stage.Hashed, Stage.Svd {

  /** The stage as written in the plan. */
  String text();

  /** The stage's name in a plan: prune, prune_obd, kmeans, kmeans_aware, huffman, uniform, ... */
  String name();

  /** Whether the stage needs the layer's input statistics R. */
  default boolean needsStatistics() {
    return false;
  }

  /** prune(s) by magnitude, prune_obd(s) by the saliency w_ij^2 R_jj; s the fraction pruned. */
  record Prune(double sparsity, boolean obd, String text) implements Stage {
    @Override
    public String name() {
      return obd ? "prune_obd" : "prune";
    }

    @Override
    public boolean needsStatistics() {
      return obd;
    }
  }

  /** kmeans(b) weight sharing with 2^b values, kmeans_aware(b) weighted by R_jj. */
  record KMeans(int bits, boolean aware, String text) implements Stage {
    @Override
    public String name() {
      return aware ? "kmeans_aware" : "kmeans";
    }

    @Override
    public boolean needsStatistics() {
      return aware;
    }
  }

  /** Huffman coding of the shared-weight indices and the gaps. */
  record Huffman(String text) implements Stage {
    @Override
    public String name() {
      return "huffman";
    }
  }

  /** uniform(b) per tensor, uniform(b,row) per output row. */
  record Uniform(int bits, boolean perRow, String text) implements Stage {
    @Override
    public String name() {
      return "uniform";
    }
  }

  /** Sign and one scale per row. */
  record Binary(String text) implements Stage {
    @Override
    public String name() {
      return "binary";
    }
  }

  /** A size given as bytes=N (N encoded bytes) or bits=B (B bits per weight of the matrix). */
  record Budget(boolean bytes, double value) implements Serializable {
    /** The budget in bytes for a rows x cols matrix. */
    public double bytesFor(int rows, int cols) {
      return bytes ? value : value * rows * (double) cols / 8;
    }
  }

  /** pq(len,k): product quantization, k clusters, or the most that fit {@code budget} (non-null). */
  record Pq(int length, int clusters, Budget budget, String text) implements Stage {
    @Override
    public String name() {
      return "pq";
    }
  }

  /** rq(len,k,t): residual quantization in t stages, k clusters or the most that fit {@code budget}. */
  record Rq(int length, int clusters, Budget budget, int stages, String text) implements Stage {
    @Override
    public String name() {
      return "rq";
    }
  }

  /** hashed(K) / hashed_aware(K): K buckets, or the most that fit {@code budget} (non-null). */
  record Hashed(int buckets, Budget budget, boolean aware, String text) implements Stage {
    @Override
    public String name() {
      return aware ? "hashed_aware" : "hashed";
    }

    @Override
    public boolean needsStatistics() {
      return aware;
    }
  }

  /** The rank rule of a low-rank stage: energy=F, rank=R, error=E, bytes=N or bits=B. */
  record RankRule(String kind, double value) implements Serializable {
    /** The selector for a matrix of at most {@code maxRank} (rank=R is capped at it). */
    public RankSelector selector(int maxRank) {
      switch (kind) {
        case "energy":
          return RankSelector.energy(value);
        case "rank":
          return RankSelector.fixed((int) Math.min(value, maxRank));
        case "error":
          return RankSelector.maxRelativeError(value);
        case "bytes":
          return RankSelector.maxBytes((long) value);
        case "bits":
          return RankSelector.bitsPerWeight(value);
        default:
          throw new IllegalStateException(kind);
      }
    }
  }

  /** svd(rule) truncated SVD, svd_aware(rule) activation-aware low rank on R. */
  record Svd(RankRule rule, boolean aware, String text) implements Stage {
    @Override
    public String name() {
      return aware ? "svd_aware" : "svd";
    }

    @Override
    public boolean needsStatistics() {
      return aware;
    }
  }
}
