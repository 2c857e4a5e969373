package io.nncompress.cli;

import io.nncompress.compress.ChainingStrategy;
import io.nncompress.spark.compress.CompressionConfig;
import io.nncompress.spark.compress.CompressionJob;
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

  @Option(names = "--overwrite", description = "replace an existing output (only once the new one is complete)")
  boolean overwrite;

  @Option(names = "--validate-only", description = "check the config, the model and the datasets' schemas, then stop")
  boolean validateOnly;

  @Override
  public Integer call() {
    CompressionConfig c = CompressionConfig.read(config, io.nncompress.spark.io.ModelFiles.configuration(main.conf));
    if (strategy != null) {
      c.strategy = ChainingStrategy.parse(strategy);
    }
    if (output != null) {
      c.output = output;
    }
    SparkSession spark = SparkRuntime.session("nncompress compress", main.master, main.conf);
    CompressionJob job = new CompressionJob(spark, c);
    if (validateOnly) {
      job.validate(overwrite);
      System.out.println("valid: " + config);
      return 0;
    }
    CompressionJob.Outcome o = job.run(overwrite);
    CompressionTables.print(List.of(o));
    System.out.println("Wrote " + c.output);
    return 0;
  }
}
