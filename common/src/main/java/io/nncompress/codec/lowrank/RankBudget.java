package io.nncompress.codec.lowrank;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Ranks for several layers under one byte budget, through one relative-error bound: with
 * {@link RankSelector#maxRelativeError(double)} every layer takes the smallest rank whose relative
 * error is at most E, so small layers (an output layer, say) are not starved as they are under one
 * bits-per-weight rule for all. A layer of rank r costs {@link #layerBytes}: the factored form
 * 16 + 4 r (h + d) when it holds fewer weights, else dense float32, 12 + 4 h d. The total is
 * non-increasing in E; {@link #errorWithin} finds the smallest E that fits, which a plan then
 * states as {@code svd(error=E)} or {@code svd_aware(error=E)}.
 */
public final class RankBudget {
  private RankBudget() {}

  /** Bytes of a layer stored at rank r: factored when that holds fewer weights, else float32. */
  public static long layerBytes(Spectrum s, int rank) {
    if (LowRankEncoded.savesWeights(s.rows, s.cols, rank)) {
      return LowRankTensor.factoredBytes(s.rows, s.cols, rank);
    }
    return 12 + 4L * s.rows * s.cols; // the float32 codec's header and values
  }

  /** The total bytes of the layers at the ranks {@code svd(error=E)} picks. */
  public static long bytes(List<Spectrum> spectra, double error) {
    RankSelector sel = RankSelector.maxRelativeError(error);
    long b = 0;
    for (Spectrum s : spectra) {
      b += layerBytes(s, sel.select(s));
    }
    return b;
  }

  /**
   * The smallest relative-error bound E, rounded up to 4 significant digits, whose ranks fit the
   * layers in {@code budget} bytes; 1 (rank 1 everywhere) when not even that fits.
   */
  public static double errorWithin(List<Spectrum> spectra, long budget) {
    List<Double> candidates = new ArrayList<>();
    candidates.add(0.0);
    candidates.add(1.0);
    for (Spectrum s : spectra) {
      for (int r = 1; r < s.maxRank(); r++) {
        candidates.add(s.relativeError(r));
      }
    }
    Collections.sort(candidates);
    // bytes are non-increasing in E: the first candidate that fits
    int lo = 0;
    int hi = candidates.size() - 1;
    if (bytes(spectra, candidates.get(hi)) > budget) {
      return 1.0;
    }
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (bytes(spectra, candidates.get(mid)) <= budget) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    double e = candidates.get(lo);
    if (e <= 0) {
      return 0.0;
    }
    // a bound that prints short; rounding up keeps it within the budget (fewer bytes, not more)
    java.math.BigDecimal up = new java.math.BigDecimal(e).round(new java.math.MathContext(4,
        java.math.RoundingMode.CEILING));
    return Math.min(1.0, up.doubleValue());
  }
}
