package io.nncompress.cli;

import io.nncompress.spark.ingest.LayerShards;
import io.nncompress.spark.ingest.ShardIngest;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code nncompress ingest}: .npy / safetensors activation shards to Parquet, one dataset per layer. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
    description = {"Turns activation shards (.npy or safetensors files of 2-D float32/float64/float16 rows, as "
        + "deploy/pytorch/nncompress_dump.py writes them) into one Parquet dataset per layer, OUTPUT/<layer>, with "
        + "one binary column of float32 little-endian rows: what autocorr reads fastest.",
        "INPUT holds one folder per layer, or is one layer's folder of shards. The output is written atomically."})
final class IngestCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Option(names = {"-i", "--input"}, required = true, description = "folder of layer folders, or of one layer's shards")
  String input;

  @Option(names = {"-o", "--output"}, required = true, description = "output directory (one dataset per layer)")
  String output;

  @Option(names = "--column", description = "the Parquet column of each dataset (default: ${DEFAULT-VALUE})")
  String column = new ShardIngest.Options().column;

  @Option(names = "--overwrite", description = "replace an existing output (only once the new one is complete)")
  boolean overwrite;

  @Option(names = "--validate-only",
      description = "check the output and every shard's header (format, dtype, 2-D, length, one d per layer) "
          + "without reading the values; print the layers and 'valid' and exit 0, or exit 2 naming the file")
  boolean validateOnly;

  @Override
  public Integer call() {
    ShardIngest.Options o = new ShardIngest.Options();
    o.column = column;
    SparkSession spark = SparkRuntime.session("nncompress ingest", main.master, main.conf);
    ShardIngest ingest = new ShardIngest(spark, o);
    long t0 = System.nanoTime();
    List<LayerShards> layers = validateOnly ? ingest.validate(input, output, overwrite)
        : ingest.run(input, output, overwrite);
    double secs = (System.nanoTime() - t0) / 1e9;
    print(layers, output, column);
    if (validateOnly) {
      System.out.println("valid");
      return 0;
    }
    long rows = 0;
    long bytes = 0;
    for (LayerShards l : layers) {
      rows += l.rows();
      bytes += l.float32Bytes();
    }
    System.out.printf("Wrote %s in %.1f s: %d rows, %.1f MB of float32 (%.0f rows/s, %.1f MB/s)%n", output, secs,
        rows, bytes / 1e6, rows / secs, bytes / 1e6 / secs);
    return 0;
  }

  static void print(List<LayerShards> layers, String output, String column) {
    System.out.printf("%-24s %12s %7s %7s  %s%n", "layer", "rows", "d", "shards", "dtype");
    for (LayerShards l : layers) {
      System.out.printf("%-24s %12d %7d %7d  %s%n", l.name, l.rows(), l.d(), l.files, l.dtypes());
    }
    System.out.println("autocorr layers (nncompress autocorr --output STATS ...):");
    String base = output.endsWith("/") ? output.substring(0, output.length() - 1) : output;
    for (LayerShards l : layers) {
      System.out.println("  --layer " + l.autocorrLayer(base + "/" + l.name, column));
      String note = l.convNote();
      if (note != null) {
        System.out.println("    (a Conv2d, written as a dense layer: " + note + ")");
      }
    }
  }
}
