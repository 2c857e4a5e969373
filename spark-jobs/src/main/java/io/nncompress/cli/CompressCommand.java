package io.nncompress.cli;

import io.nncompress.compress.ChainingStrategy;
import io.nncompress.format.safetensors.SafetensorsReader;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.compress.CompressionConfig;
import io.nncompress.spark.compress.CompressionJob;
import io.nncompress.spark.compress.LayerMapCompression;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code nncompress compress}: the network compression job. */
@Command(name = "compress", mixinStandardHelpOptions = true,
    description = "Compresses a network (safetensors + architecture spec) with Linear Neural Reconstruction from "
        + "the statistics of Parquet calibration data, evaluates it on held-out data and writes the compressed "
        + "layers (Parquet), the compressed model (safetensors + spec) and metrics.json atomically.")
final class CompressCommand implements Callable<Integer> {
  @ParentCommand
  Main main;

  @Option(names = {"-c", "--config"}, required = true,
      description = "the job's YAML config (see conf/): a local path or a Hadoop path (file://, hdfs://, s3a://)")
  String config;

  @Option(names = "--strategy", description = "override lnr.strategy: parallel, top-down or bottom-up")
  String strategy;

  @Option(names = {"-o", "--output"}, description = "override the config's output directory")
  String output;

  @Option(names = "--statistics", paramLabel = "PATH",
      description = "override the config's data.statistics (with model.layers): the output of nncompress autocorr, "
          + "e.g. the run of the same date in a scheduler")
  String statistics;

  @Option(names = "--overwrite", description = "replace an existing output (only once the new one is complete)")
  boolean overwrite;

  @Option(names = "--validate-only", description = "check the config, the model and the datasets' schemas, then stop")
  boolean validateOnly;

  @Override
  public Integer call() {
    ChainingStrategy s = null;
    if (strategy != null) { // checked before the config is read, like any other option
      try {
        s = ChainingStrategy.parse(strategy);
      } catch (IllegalArgumentException e) {
        throw new BadInputException("option --strategy: " + e.getMessage());
      }
    }
    CompressionConfig c = CompressionConfig.read(config, io.nncompress.spark.io.ModelFiles.configuration(main.conf));
    if (s != null) {
      c.strategy = s;
      if (!c.activations.isEmpty() && s == ChainingStrategy.TOP_DOWN) {
        throw new BadInputException("option --strategy: top-down needs the forward pass; with data.activations in "
            + config + " use parallel or bottom-up");
      }
    }
    if (output != null) {
      c.output = output;
    }
    if (statistics != null) {
      if (c.layerMap == null) {
        throw new BadInputException("option --statistics: stored statistics go with a layer map (model.layers), "
            + "and " + config + " has model.spec");
      }
      c.statistics = statistics;
    }
    if (c.layerMap != null && s != null && s != ChainingStrategy.PARALLEL) {
      throw new BadInputException("option --strategy: a layer map (model.layers in " + config + ") is solved layer by "
          + "layer from its stored statistics, the parallel strategy; cannot be: " + s.id);
    }
    SparkSession spark = SparkRuntime.session("nncompress compress", main.master, main.conf);
    if (c.layerMap != null) { // a model nncompress does not run: its layers from stored statistics
      LayerMapCompression mapped = new LayerMapCompression(spark, c);
      if (validateOnly) {
        mapped.validate(overwrite);
        MemoryCheck.compress(spark, c);
        System.out.println("valid: " + config);
        return 0;
      }
      MemoryCheck.compress(spark, c);
      CompressionTables.printLayerMap(mapped.run(overwrite));
      System.out.println("Wrote " + c.output);
      return 0;
    }
    CompressionJob job = new CompressionJob(spark, c);
    if (validateOnly) {
      job.validate(overwrite);
      MemoryCheck.compress(spark, c);
      try { // every weight, also those a run leaves on file and reads only when needed
        SafetensorsReader.checkFinite(c.weights);
      } catch (IOException e) {
        throw new BadInputException("Model " + c.weights + ": " + e.getMessage(), e);
      }
      System.out.println("valid: " + config);
      return 0;
    }
    MemoryCheck.compress(spark, c);
    CompressionJob.Outcome o = job.run(overwrite);
    CompressionTables.print(List.of(o));
    System.out.println("Wrote " + c.output);
    return 0;
  }
}
