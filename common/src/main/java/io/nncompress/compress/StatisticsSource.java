package io.nncompress.compress;

import io.nncompress.model.Network;
import io.nncompress.stats.AutocorrelationStats;

/**
 * Where the compressor gets its statistics: one pass over the calibration data per call. The
 * Spark job computes them on the cluster; {@link InMemoryStatistics} over a batch held in memory.
 */
public interface StatisticsSource {
  /** The bias-augmented input autocorrelations of the given layers of {@code net}. */
  AutocorrelationStats[] inputs(Network net, int[] layerIndices);

  /** The joint statistics of [z; z^; 1]: z the input of layer indexA[k] of a, z^ of indexB[k] of b. */
  AutocorrelationStats[] joint(Network a, int[] indexA, Network b, int[] indexB);
}
