package io.nncompress.cli;

import io.nncompress.linalg.Blas;
import io.nncompress.spark.autocorr.AutocorrelationJob;
import java.util.List;

/** The table the autocorrelation commands print. */
final class Summary {
  private Summary() {}

  static void print(List<AutocorrelationJob.LayerResult> results, double seconds, String output) {
    System.out.printf("%-12s %-14s %6s %10s %10s %12s %12s%n", "layer", "encoding", "d", "rows", "samples",
        "trace(R)", "mean|x|");
    for (AutocorrelationJob.LayerResult r : results) {
      double trace = Double.NaN;
      if (r.stats != null) {
        trace = 0;
        for (int i = 0; i < r.augmentedDim(); i++) {
          trace += r.stats.autocorrelation().get(i, i);
        }
      }
      double meanAbs = 0;
      for (double m : r.mean) {
        meanAbs += Math.abs(m) / r.mean.length;
      }
      System.out.printf("%-12s %-14s %6d %10d %10d %12.4f %12.4f%n", r.input.name(), r.encoding.sqlName(), r.dim,
          r.rows, r.samples, trace, meanAbs);
    }
    System.out.printf("Wrote %s in %.1f s with %s%n", output, seconds, Blas.describe());
  }
}
