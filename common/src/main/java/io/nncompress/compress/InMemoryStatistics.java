package io.nncompress.compress;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Network;
import io.nncompress.stats.AutocorrelationAccumulator;
import io.nncompress.stats.AutocorrelationStats;

/** Statistics over inputs held in memory (one sample per column), in batches. */
public final class InMemoryStatistics implements StatisticsSource {
  private final DenseMatrix data;
  private final int batch;

  public InMemoryStatistics(DenseMatrix data, int batch) {
    this.data = data;
    this.batch = batch;
  }

  @Override
  public AutocorrelationStats[] inputs(Network net, int[] layerIndices) {
    return run(LayerProbe.inputs(net, layerIndices, AutocorrelationAccumulator.DEFAULT_BLOCK_SAMPLES));
  }

  @Override
  public AutocorrelationStats[] joint(Network a, int[] indexA, Network b, int[] indexB) {
    return run(LayerProbe.joint(a, indexA, b, indexB, AutocorrelationAccumulator.DEFAULT_BLOCK_SAMPLES));
  }

  private AutocorrelationStats[] run(LayerProbe probe) {
    for (int from = 0; from < data.cols; from += batch) {
      int to = Math.min(data.cols, from + batch);
      DenseMatrix b = new DenseMatrix(data.rows, to - from);
      System.arraycopy(data.data, from * data.rows, b.data, 0, b.data.length);
      probe.add(b);
    }
    AutocorrelationAccumulator[] acc = probe.finish();
    AutocorrelationStats[] out = new AutocorrelationStats[acc.length];
    for (int k = 0; k < acc.length; k++) {
      out[k] = acc[k].toStats();
    }
    return out;
  }
}
