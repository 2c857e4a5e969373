package io.nncompress.codec.lowrank;

/**
 * Chooses the rank r of a low-rank factorization from its {@link Spectrum}. The rules:
 * <ul>
 *   <li>{@link #fixed(int)}: r as given, in 1..min(h, d);</li>
 *   <li>{@link #energy(double)}: the smallest r whose kept energy sum_{i<r} s_i^2 / sum s_i^2 is at
 *       least the fraction (of W's singular values for SVD, of W L's for the activation-aware one);</li>
 *   <li>{@link #maxBytes(long)}: the largest r whose factored encoded form
 *       ({@link LowRankTensor#factoredBytes(int, int, int)} = 16 + 4 r (h + d)) fits the budget;</li>
 *   <li>{@link #bitsPerWeight(double)}: the largest r whose factored form fits b/8 bytes per weight of
 *       the h x d matrix (16 + 4 r (h + d) &lt;= b h d / 8), at least 1: the same budget on every
 *       layer whatever its shape, comparable with b-bit quantization;</li>
 *   <li>{@link #maxRelativeError(double)}: the smallest r whose relative error
 *       {@link Spectrum#relativeError(int)} (data-aware, error / tr(W R W^T), when R is known) is at
 *       most the bound.</li>
 * </ul>
 * Every rule returns a rank in 1..{@link Spectrum#maxRank()}.
 */
@FunctionalInterface
public interface RankSelector {
  int select(Spectrum spectrum);

  static RankSelector fixed(int rank) {
    if (rank < 1) {
      throw new IllegalArgumentException("rank must be at least 1, cannot be: " + rank);
    }
    return s -> {
      int max = Math.min(s.rows, s.cols);
      if (rank > max) {
        throw new IllegalArgumentException(
            "rank must be in 1..min(h, d) = 1.." + max + " for a " + s.rows + "x" + s.cols + " matrix, cannot be: " + rank);
      }
      return Math.min(rank, s.maxRank());
    };
  }

  static RankSelector energy(double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("energy fraction must be in (0, 1], cannot be: " + fraction);
    }
    return s -> {
      for (int r = 1; r < s.maxRank(); r++) {
        if (s.energy(r) >= fraction) {
          return r;
        }
      }
      return s.maxRank();
    };
  }

  static RankSelector maxBytes(long targetBytes) {
    if (targetBytes < 1) {
      throw new IllegalArgumentException("target bytes must be at least 1, cannot be: " + targetBytes);
    }
    return s -> {
      long one = LowRankTensor.factoredBytes(s.rows, s.cols, 1);
      if (one > targetBytes) {
        throw new IllegalArgumentException("target bytes " + targetBytes + " is below the " + one
            + " bytes of a rank-1 factorization of a " + s.rows + "x" + s.cols + " matrix");
      }
      // 16 + 4 r (h + d) <= target  <=>  r <= (target - 16) / (4 (h + d))
      long r = (targetBytes - LowRankTensor.HEADER_BYTES) / (4L * (s.rows + s.cols));
      return (int) Math.min(r, s.maxRank());
    };
  }

  static RankSelector bitsPerWeight(double bits) {
    if (!(bits > 0 && bits <= 64)) {
      throw new IllegalArgumentException("bits per weight must be in (0, 64], cannot be: " + bits);
    }
    return s -> {
      double budget = bits * s.rows * (double) s.cols / 8;
      // 16 + 4 r (h + d) <= budget; rank 1 when even that does not fit (a layer is never dropped)
      long r = (long) Math.floor((budget - LowRankTensor.HEADER_BYTES) / (4.0 * (s.rows + s.cols)));
      return (int) Math.max(1, Math.min(r, s.maxRank()));
    };
  }

  static RankSelector maxRelativeError(double bound) {
    if (!(bound >= 0 && bound <= 1)) {
      throw new IllegalArgumentException("relative error bound must be in [0, 1], cannot be: " + bound);
    }
    return s -> {
      for (int r = 1; r < s.maxRank(); r++) {
        if (s.relativeError(r) <= bound) {
          return r;
        }
      }
      return s.maxRank();
    };
  }
}
