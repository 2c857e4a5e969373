package io.nncompress.cli;

import io.nncompress.spark.autocorr.ColumnEncoding;
import io.nncompress.spark.data.ExampleActivations;
import io.nncompress.spark.io.AtomicOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code nncompress generate-example}: a generated activation dataset to try the jobs on. */
@Command(name = "generate-example", mixinStandardHelpOptions = true,
    description = "Writes a generated activation dataset (correlated vectors, one column per encoding) to Parquet, "
        + "atomically (an existing output is replaced only with --overwrite).")
final class GenerateExampleCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Option(names = {"-o", "--output"}, required = true, description = "output directory")
  String output;

  @Option(names = "--rows", description = "rows (default: ${DEFAULT-VALUE})")
  long rows = 20_000;

  @Option(names = "--dim", description = "vector length (default: ${DEFAULT-VALUE})")
  int dim = 256;

  @Option(names = "--encodings", split = ",",
      description = "column encodings among float_array, double_array, ml_vector, binary_float32_le "
          + "(default: binary_float32_le); column names are the encodings in lower case")
  List<String> encodings = new ArrayList<>(List.of("binary_float32_le"));

  @Option(names = "--partitions", description = "files written (default: ${DEFAULT-VALUE})")
  int partitions = 4;

  @Option(names = "--seed", description = "random seed (default: ${DEFAULT-VALUE})")
  long seed = 42;

  @Option(names = "--overwrite", description = "replace an existing output (only once the new one is complete)")
  boolean overwrite;

  private static void atLeastOne(String option, long value) {
    if (value < 1) {
      throw new io.nncompress.spark.autocorr.BadInputException(option + " must be at least 1, cannot be: " + value);
    }
  }

  static ColumnEncoding parseEncoding(String s) {
    try {
      return ColumnEncoding.valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new io.nncompress.spark.autocorr.BadInputException("--encodings: unknown encoding '" + s
          + "', allowed: float_array, double_array, ml_vector, binary_float32_le");
    }
  }

  @Override
  public Integer call() {
    atLeastOne("--rows", rows);
    atLeastOne("--dim", dim);
    atLeastOne("--partitions", partitions);
    List<ColumnEncoding> encs = new ArrayList<>();
    List<String> cols = new ArrayList<>();
    for (String e : encodings) {
      ColumnEncoding enc = parseEncoding(e);
      encs.add(enc);
      cols.add(enc.name().toLowerCase(Locale.ROOT));
    }
    SparkSession spark = SparkRuntime.session("nncompress generate-example", main.master, main.conf);
    try (io.nncompress.progress.Phase p = io.nncompress.progress.Progress.phase("write")
        .message(rows + " rows of dimension " + dim + " to " + output).start()) {
      // all or nothing, like the other commands' outputs: a failure leaves no _temporary behind
      AtomicOutput.commit(spark, output, overwrite,
          tmp -> ExampleActivations.write(spark, tmp, rows, dim, encs, cols, partitions, seed));
    }
    System.out.printf("Wrote %d rows of dimension %d, columns %s, to %s%n", rows, dim, cols, output);
    return 0;
  }
}
