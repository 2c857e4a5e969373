package io.nncompress.cli;

import io.nncompress.spark.autocorr.AutocorrelationJob;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.autocorr.LayerInput;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code nncompress autocorr}: per-layer autocorrelation of Parquet activation datasets. */
@Command(name = "autocorr", mixinStandardHelpOptions = true,
    description = {"Computes each layer's autocorrelation R = E[x x^T] (bias-augmented), N, mean, min and max "
        + "from Parquet activation datasets, and writes them atomically to Parquet.",
        "Layers: --layer name=NAME,dataset=PATH,column=COL[,dim=D][,shape=CxHxW,kernel=K,stride=S,padding=P,"
        + "dilation=L] (repeatable), or --dataset PATH --columns a,b,c for dense layers named after their columns."})
final class AutocorrCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Option(names = "--layer", description = "a layer spec (repeatable), see above")
  List<String> layers = new ArrayList<>();

  @Option(names = "--dataset", description = "a Parquet dataset holding one column per layer")
  String dataset;

  @Option(names = "--columns", split = ",", description = "columns of --dataset, one dense layer each")
  List<String> columns = new ArrayList<>();

  @Option(names = {"-o", "--output"}, required = true, description = "output directory")
  String output;

  @Option(names = "--overwrite", description = "replace an existing output (only once the new one is complete)")
  boolean overwrite;

  @Option(names = "--no-bias", negatable = false, description = "do not append the constant 1 that carries the bias")
  boolean noBias;

  @Option(names = "--block-samples", description = "samples per BLAS call (default: ${DEFAULT-VALUE})")
  int blockSamples = new AutocorrelationJob.Options().blockSamples;

  @Option(names = "--tile-threshold", description = "tile layers with d+1 >= this (default: ${DEFAULT-VALUE})")
  int tileThreshold = new AutocorrelationJob.Options().tileThreshold;

  @Option(names = "--tile-size", description = "tile size in the tiled mode (default: ${DEFAULT-VALUE})")
  int tileSize = new AutocorrelationJob.Options().tileSize;

  @Option(names = "--max-tiles-per-task", description = "tiles one task holds at most (default: ${DEFAULT-VALUE})")
  int maxTilesPerTask = new AutocorrelationJob.Options().maxTilesPerTask;

  @Option(names = "--validate-only",
      description = "check the layer specs, the options, the output and every input's schema (dataset readable, "
          + "column present, supported encoding, length or conv shape matching the data) without running the job; "
          + "print 'valid' and exit 0, or exit 2 with an error naming the layer, dataset and column")
  boolean validateOnly;

  List<LayerInput> layerInputs() {
    List<LayerInput> out = new ArrayList<>();
    for (String spec : layers) {
      out.add(LayerInput.parse(spec));
    }
    if (!columns.isEmpty() && dataset == null) {
      throw new BadInputException("--columns needs --dataset");
    }
    for (String c : columns) {
      out.add(LayerInput.dense(c, dataset, c));
    }
    if (out.isEmpty()) {
      throw new BadInputException("No layers: give --layer SPEC or --dataset PATH --columns a,b");
    }
    return out;
  }

  AutocorrelationJob.Options options() {
    AutocorrelationJob.Options o = new AutocorrelationJob.Options();
    o.biasAugmented = !noBias;
    o.blockSamples = blockSamples;
    o.tileThreshold = tileThreshold;
    o.tileSize = tileSize;
    o.maxTilesPerTask = maxTilesPerTask;
    return o.validate();
  }

  @Override
  public Integer call() {
    List<LayerInput> inputs = layerInputs();
    AutocorrelationJob.Options o = options();
    SparkSession spark = SparkRuntime.session("nncompress autocorr", main.master, main.conf);
    if (validateOnly) {
      InputValidation.check(spark, inputs, output, overwrite, System.out);
      MemoryCheck.autocorr(spark, inputs, o);
      System.out.println("valid");
      return 0;
    }
    MemoryCheck.autocorr(spark, inputs, o);
    long t0 = System.nanoTime();
    List<AutocorrelationJob.LayerResult> res = new AutocorrelationJob(spark, o).run(inputs, output, overwrite);
    double secs = (System.nanoTime() - t0) / 1e9;
    Summary.print(res, secs, output);
    return 0;
  }
}
