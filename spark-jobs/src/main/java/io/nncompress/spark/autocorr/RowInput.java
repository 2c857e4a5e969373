package io.nncompress.spark.autocorr;

import io.nncompress.stats.AutocorrelationAccumulator;
import io.nncompress.stats.NonFiniteValueException;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;

/**
 * {@link AutocorrelationJob}'s reading through Spark's internal rows (the path that names the file
 * and row of a bad value): the whole-mode task, and the error it raises.
 */
final class RowInput {
  private RowInput() {}

  /** Names the dataset, column, file and row of a bad value. */
  static BadInputException badRow(String dataset, LayerInput l, InternalRow row, int metadataOrdinal,
      RuntimeException e) {
    StringBuilder sb = new StringBuilder("Dataset ").append(dataset).append(", column ").append(l.column())
        .append(" (layer ").append(l.name()).append(")");
    if (metadataOrdinal >= 0) {
      sb.append(", file ").append(row.getUTF8String(metadataOrdinal)).append(", row ")
          .append(row.getLong(metadataOrdinal + 1));
    }
    String msg = e instanceof NonFiniteValueException
        ? "value " + ((NonFiniteValueException) e).value() + " at index " + ((NonFiniteValueException) e).feature()
            + " is not finite (NaN or infinity)"
        : e.getMessage();
    return new BadInputException(sb.append(": ").append(msg).toString(), e);
  }

  /** A task's work in the whole mode: all layers of the dataset over one partition. */
  static final class AccumulateWhole
      implements org.apache.spark.api.java.function.FlatMapFunction<Iterator<InternalRow>,
          AutocorrelationAccumulator[]> {
    private static final long serialVersionUID = 1L;
    private final String dataset;
    private final List<LayerInput> layers;
    private final List<ColumnEncoding> encodings;
    private final int[] ordinals;
    private final int metadataOrdinal;
    private final AutocorrelationJob.Options options;

    AccumulateWhole(String dataset, List<LayerInput> layers, List<ColumnEncoding> encodings, int[] ordinals,
        int metadataOrdinal, AutocorrelationJob.Options options) {
      this.dataset = dataset;
      this.layers = layers;
      this.encodings = encodings;
      this.ordinals = ordinals;
      this.metadataOrdinal = metadataOrdinal;
      this.options = options;
    }

    @Override
    public Iterator<AutocorrelationAccumulator[]> call(Iterator<InternalRow> it) {
      int n = layers.size();
      AutocorrelationAccumulator[] acc = new AutocorrelationAccumulator[n];
      ColumnEncoding.RowReader[] readers = new ColumnEncoding.RowReader[n];
      for (int k = 0; k < n; k++) {
        acc[k] = AutocorrelationJob.newAccumulator(layers.get(k), options);
        readers[k] = encodings.get(k).reader(ordinals[k], acc[k].inputSize());
      }
      while (it.hasNext()) {
        InternalRow row = it.next();
        for (int k = 0; k < n; k++) {
          try {
            readers[k].addTo(row, acc[k]);
          } catch (ColumnEncoding.BadValueException | NonFiniteValueException e) {
            throw badRow(dataset, layers.get(k), row, metadataOrdinal, e);
          }
        }
      }
      for (AutocorrelationAccumulator a : acc) {
        a.finish();
      }
      return Collections.singletonList(acc).iterator();
    }
  }
}
