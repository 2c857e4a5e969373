package io.nncompress.cli;

import io.nncompress.compress.LayerReport;
import io.nncompress.compress.LayerMapCompressor;
import io.nncompress.spark.compress.CompressionJob;
import io.nncompress.spark.compress.LayerMapCompression;
import java.util.List;

/** The tables the compression commands print. */
final class CompressionTables {
  private CompressionTables() {}

  /**
   * One group of the codec comparison: bytes (and, with a budget, their share of it), how much
   * smaller than float32, accuracy and top-1 agreement with the original.
   */
  static void printCodecs(String title, long budget, long float32, List<CompressionJob.StageRecord> records,
      int width) {
    System.out.printf("%n%s%n", title);
    int w = Math.max(36, width);
    for (CompressionJob.StageRecord r : records) {
      w = Math.max(w, r.stage.length());
    }
    System.out.printf("%-" + w + "s %9s %7s %8s %9s %8s%n", "codec", "bytes", budget > 0 ? "budget" : "", "smaller",
        "accuracy", "agree");
    for (CompressionJob.StageRecord r : records) {
      System.out.printf("%-" + w + "s %9d %7s %7.1fx %8.2f%% %7.2f%%%n", r.stage, r.bytes,
          budget > 0 ? String.format("%.0f%%", 100.0 * r.bytes / budget) : "", (double) float32 / r.bytes,
          100 * r.accuracy, 100 * r.agreement);
    }
  }

  static void print(List<CompressionJob.Outcome> outcomes) {
    for (CompressionJob.Outcome o : outcomes) {
      System.out.printf("%nStrategy %s (%d passes over the data, %.1f s)%n", o.result.strategy.id, o.passes,
          o.seconds);
      System.out.printf("%-8s %-7s %11s %11s %17s %13s %13s%n", "layer", "type", "inputs", "outputs", "params",
          "rel.err(cal)", "rel.err(test)");
      for (LayerReport l : o.result.layers) {
        System.out.printf("%-8s %-7s %5d/%-5d %5d/%-5d %8d/%-8d %13.5f %13.5f%n", l.layer, l.type, l.inputsAfter,
            l.inputsBefore, l.outputsAfter, l.outputsBefore, l.paramsAfter, l.paramsBefore, l.relativeErrorDebiased,
            l.heldOutRelativeError);
      }
    }
    summary(outcomes);
    for (CompressionJob.Outcome o : outcomes) {
      if (o.stages.isEmpty()) {
        continue;
      }
      long base = o.stages.get(0).bytes;
      System.out.printf("%nStages (%s): real encoded bytes (smaller: vs float32), the Deep Compression paper's "
          + "rate formula, accuracy, bits per weight of each layer%n",
          o.result.strategy.id);
      StringBuilder head = new StringBuilder(String.format("%-22s %10s %8s %8s %9s %9s", "stage", "bytes", "smaller",
          "paper", "accuracy", "agree"));
      for (String l : o.stages.get(0).layerBytes.keySet()) {
        head.append(String.format(" %9s", l + " b/w"));
      }
      System.out.println(head);
      for (CompressionJob.StageRecord r : o.stages) {
        StringBuilder line = new StringBuilder(String.format("%-22s %10d %7.1fx %8s %8.2f%% %8.2f%%", r.stage,
            r.bytes, (double) base / r.bytes, Double.isNaN(r.paperRate) ? "-" : String.format("%.1fx", r.paperRate),
            100 * r.accuracy, 100 * r.agreement));
        for (String l : r.layerBytes.keySet()) {
          line.append(String.format(" %9.2f", 8.0 * r.layerBytes.get(l) / r.layerWeights.get(l)));
        }
        System.out.println(line);
      }
    }
  }

  /**
   * One line per strategy. The bytes are those of the model written (its layers after the last
   * stage), and the accuracy beside them is that model's; the LNR-only and the original accuracy
   * follow. params: weights and biases of the compressed layers, a count, not bytes.
   */
  static void summary(List<CompressionJob.Outcome> outcomes) {
    boolean pruned = outcomes.stream().anyMatch(o -> o.modelNonzeroParams != null); // else no nonzero% column
    System.out.printf("%n%-10s %21s %8s" + (pruned ? " %9s" : "%s") + " %13s %10s %11s %10s %8s %8s %12s%n", "strategy",
        "params(after/before)", "params%", pruned ? "nonzero%" : "", "bytes.written", "vs.float32", "acc.written",
        "delta(pp)", "agree", "acc.lnr", "acc.original");
    for (CompressionJob.Outcome o : outcomes) {
      double before = o.evaluation == null ? Double.NaN : o.evaluation.accuracyOriginal;
      double lnr = o.evaluation == null ? Double.NaN : o.evaluation.accuracyCompressed;
      double after = o.accuracyAfter();
      String nonzero = !pruned ? "" : " " + String.format("%9s", o.modelNonzeroParams == null ? "-"
          : String.format("%.1f%%", 100.0 * o.modelNonzeroParams / o.paramsBefore()));
      System.out.printf("%-10s %21s %7.1f%%%s %13d %9.1fx %10.2f%% %+10.2f %7.2f%% %7.2f%% %11.2f%%%n",
          o.result.strategy.id, o.paramsAfter() + "/" + o.paramsBefore(), 100.0 * o.paramsAfter() / o.paramsBefore(),
          nonzero, o.bytesAfter, (double) o.bytesBefore / o.bytesAfter, 100 * after, 100 * (after - before),
          100 * o.agreementAfter(), 100 * lnr, 100 * before);
    }
    System.out.println("params: weights and biases after LNR" + (pruned ? "; nonzero%: those of the model written "
        + "that are not zero (a pruned weight is a removed parameter, stored sparse), of params before" : ""));
    System.out.println("bytes.written: encoded layers of the model written (vs.float32: times smaller than the "
        + "float32 layers); acc.written: that model's accuracy (delta against acc.original, agree: top-1 agreement "
        + "with the original); acc.lnr: after LNR alone, before any stage");
  }

  /** A layer-map run: per layer what LNR did (relative error on the stored statistics), then bytes per stage. */
  static void printLayerMap(LayerMapCompression.Outcome o) {
    int w = 8;
    for (LayerMapCompressor.Layer l : o.lnr.layers) {
      w = Math.max(w, l.entry.name.length());
    }
    System.out.printf("%nLayer map from stored statistics (parallel, %.1f s)%n", o.seconds);
    System.out.printf("%-" + w + "s %-7s %11s %11s %19s %13s%n", "layer", "type", "inputs", "outputs", "params",
        "rel.err(cal)");
    for (LayerMapCompressor.Layer m : o.lnr.layers) {
      LayerReport l = m.report;
      System.out.printf("%-" + w + "s %-7s %5d/%-5d %5d/%-5d %9d/%-9d %13.5f%n", l.layer, l.type, l.inputsAfter,
          l.inputsBefore, l.outputsAfter, l.outputsBefore, l.paramsAfter, l.paramsBefore, l.relativeErrorDebiased);
    }
    System.out.printf("%nparams %d/%d (%.1f%%), bytes of the mapped layers %d (float32 %d, %.1fx smaller)%n",
        o.paramsAfter(), o.paramsBefore(), 100.0 * o.paramsAfter() / o.paramsBefore(), o.bytesAfter(),
        4 * o.paramsBefore(), 4.0 * o.paramsBefore() / o.bytesAfter());
    if (!o.stages.isEmpty()) {
      long base = o.stages.get(0).bytes;
      System.out.printf("%n%-28s %10s %8s%n", "stage", "bytes", "smaller");
      for (CompressionJob.StageRecord r : o.stages) {
        System.out.printf("%-28s %10d %7.1fx%n", r.stage, r.bytes, (double) base / r.bytes);
      }
    }
  }
}
