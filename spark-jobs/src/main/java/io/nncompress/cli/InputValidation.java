package io.nncompress.cli;

import io.nncompress.linalg.ConvGeometry;
import io.nncompress.spark.autocorr.AutocorrelationJob;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.autocorr.ColumnEncoding;
import io.nncompress.spark.autocorr.LayerInput;
import io.nncompress.spark.autocorr.ParquetInputs;
import io.nncompress.spark.io.AtomicOutput;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code --validate-only}: checks a run's inputs without running it, so that a scheduler finds a
 * bad config in seconds instead of after hours. Every check is the job's own (LayerInput for the
 * specs, ParquetInputs for the datasets, AtomicOutput for the output), so a run that validates
 * fails on none of them; what is left to the run are bad values (NaN, a wrong length in a later row).
 */
public final class InputValidation {
  private InputValidation() {}

  /**
   * Checks: layer names unique; the output creatable and writable (absent, or {@code overwrite}) and
   * not an input dataset, inside one or containing one; every dataset readable as Parquet; every
   * layer's column present in a supported encoding; the length of the first non-null value equal to
   * the layer's dim, or to C*H*W of a conv layer's shape, and the same in every file of the dataset. Prints one
   * line per layer to {@code out}. Throws {@link BadInputException} naming the layer, the dataset and
   * the column of the first problem.
   */
  public static void check(SparkSession spark, List<LayerInput> layers, String output, boolean overwrite,
      PrintStream out) {
    Set<String> names = new HashSet<>();
    for (LayerInput l : layers) {
      if (!names.add(l.name())) {
        throw new BadInputException("Layer " + l.name() + " is given twice");
      }
    }
    AtomicOutput.checkWritable(spark, output, overwrite);
    AtomicOutput.checkNotInput(spark, output, AutocorrelationJob.inputsOf(layers));
    Map<String, Dataset<Row>> datasets = new LinkedHashMap<>();
    for (LayerInput l : layers) {
      Dataset<Row> df = datasets.computeIfAbsent(l.dataset(), ds -> ParquetInputs.read(spark, ds));
      ColumnEncoding enc = ParquetInputs.encodingOf(l.dataset(), df.schema(), l.column());
      int d = ParquetInputs.inferDim(l.dataset(), df, l.column(), enc);
      ParquetInputs.checkFileLengths(spark, l.dataset(), df, l.column(), enc);
      ConvGeometry g = l.conv();
      if (l.dim() != null && d != l.dim()) {
        String expected = g != null
            ? "shape " + g.channels + "x" + g.height + "x" + g.width + " = " + g.inputSize() + " values"
            : "dim " + l.dim();
        throw new BadInputException("Dataset " + l.dataset() + ", column " + l.column() + " (layer " + l.name()
            + "): its first value has " + d + " values, the layer expects " + expected);
      }
      out.printf("layer %s: dataset %s, column %s, %s, %s%n", l.name(), l.dataset(), l.column(), enc.sqlName(),
          g != null ? "conv " + g.channels + "x" + g.height + "x" + g.width + ", patch " + g.patchSize()
              : "dense d = " + d);
    }
  }
}
