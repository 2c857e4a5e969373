package io.nncompress.spark.autocorr;

import io.nncompress.stats.AutocorrelationAccumulator;
import org.apache.spark.api.java.JavaRDD;

/**
 * How every statistics pass merges its tasks' partial sums (the autocorrelation job over stored
 * activations and the compression job's forward pass alike): up to {@link AutocorrelationJob.Options#plainReduceMax}
 * partitions straight to the driver, more through a tree of depth {@link AutocorrelationJob.Options#treeDepth}.
 */
public final class AccumulatorReduction {
  private AccumulatorReduction() {}

  /** The depth of the merge of this many partitions (1: by the driver). */
  public static int depth(int partitions, AutocorrelationJob.Options o) {
    return partitions <= o.plainReduceMax ? 1 : o.treeDepth;
  }

  /** One accumulator per layer, merged over every partition of {@code partials}. */
  public static AutocorrelationAccumulator[] reduce(JavaRDD<AutocorrelationAccumulator[]> partials,
      AutocorrelationJob.Options o) {
    return partials.treeReduce(AccumulatorReduction::mergeAll, depth(partials.getNumPartitions(), o));
  }

  static AutocorrelationAccumulator[] mergeAll(AutocorrelationAccumulator[] a, AutocorrelationAccumulator[] b) {
    for (int k = 0; k < a.length; k++) {
      a[k].merge(b[k]);
    }
    return a;
  }
}
