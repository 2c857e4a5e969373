package io.nncompress.cli;

import io.nncompress.data.LabeledImages;
import io.nncompress.spark.bench.FinetuneBenchmark;
import io.nncompress.spark.finetune.FinetuneSettings;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code nncompress bench finetune}: data-parallel fine-tuning on Spark vs one in-memory thread. */
@Command(name = "finetune", mixinStandardHelpOptions = true, description = "Epochs of data-parallel fine-tuning "
    + "(synchronous Adam: an epoch is one Spark job whose tasks exchange values and gradients with the driver at "
    + "each step; one Spark job per step with --conf spark.nncompress.finetune.exchange=false) of the demo's "
    + "LeNet-300-100 over the 60,000 Fashion-MNIST training images, beside a single-threaded in-memory loop over "
    + "the same batches: samples/s and ms per step.")
final class FinetuneBenchCommand implements Callable<Integer> {
  @ParentCommand
  BenchCommand bench;

  @Option(names = "--fashion-mnist", description = "the Fashion-MNIST files (default: ${DEFAULT-VALUE})")
  Path fashionMnist = LabeledImages.FASHION_MNIST_DIR;

  @Option(names = "--model", description = "the spec of the network (default: conf/demo/lenet300100.yaml; its "
      + "weights: the .safetensors beside it)")
  Path model;

  @Option(names = "--epochs", description = "(default: ${DEFAULT-VALUE})")
  int epochs = 1;

  @Option(names = "--batch-size", description = "(default: ${DEFAULT-VALUE})")
  int batchSize = 256;

  @Option(names = "--learning-rate", description = "(default: ${DEFAULT-VALUE})")
  double learningRate = 1e-4;

  @Option(names = "--partitions", description = "(default: ${DEFAULT-VALUE})")
  int partitions = 2;

  @Override
  public Integer call() throws Exception {
    if (epochs < 1 || batchSize < 1 || partitions < 1 || !(learningRate > 0)) {
      throw new io.nncompress.spark.autocorr.BadInputException("options --epochs, --batch-size, --partitions and "
          + "--learning-rate must be positive");
    }
    Path spec = model != null ? model : DemoCommand.home().resolve("conf/demo/lenet300100.yaml");
    Path weights = spec.resolveSibling(spec.getFileName().toString().replaceAll("\\.ya?ml$", "") + ".safetensors");
    FinetuneSettings s = new FinetuneSettings();
    s.epochs = epochs;
    s.batchSize = batchSize;
    s.learningRate = learningRate;
    new FinetuneBenchmark(SparkRuntime.session("nncompress bench finetune", bench.main.master, bench.main.conf), spec,
        weights, fashionMnist, s, partitions).run(System.out);
    return 0;
  }
}
