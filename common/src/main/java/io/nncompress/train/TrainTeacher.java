package io.nncompress.train;

import io.nncompress.data.LabeledImages;
import io.nncompress.linalg.Blas;
import io.nncompress.model.Network;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Trains a teacher network on Fashion-MNIST and writes it as {@code <out>/<model>.safetensors}
 * (F32, PyTorch tensor layout) plus {@code <out>/<model>.yaml} (architecture spec).
 *
 * <pre>
 * mvn -q -o -pl common exec:java -Dexec.mainClass=io.nncompress.train.TrainTeacher \
 *     -Dexec.classpathScope=compile -Dexec.args="lenet300100 8 42 /tmp/teacher"
 * args: model (lenet300100 | convnet), epochs, seed, output dir [, Fashion-MNIST dir, batch size, learning rate]
 * </pre>
 */
public final class TrainTeacher {
  private TrainTeacher() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println("usage: TrainTeacher <lenet300100|convnet> <epochs> <seed> <output dir>"
          + " [fashion-mnist dir (default " + LabeledImages.FASHION_MNIST_DIR + ")] [batch size (64)]"
          + " [learning rate (1e-3 for lenet300100, 3e-3 for convnet)]");
      System.exit(2);
    }
    String model = args[0];
    int epochs = Integer.parseInt(args[1]);
    long seed = Long.parseLong(args[2]);
    Path out = Path.of(args[3]);
    Path dataDir = args.length > 4 ? Path.of(args[4]) : LabeledImages.FASHION_MNIST_DIR;
    int batch = args.length > 5 ? Integer.parseInt(args[5]) : 64;
    // the demo's teachers were trained with these defaults (conf/demo/)
    double lr = args.length > 6 ? Double.parseDouble(args[6]) : model.equals(Architectures.CONVNET) ? 3e-3 : 1e-3;

    System.out.println("BLAS: " + Blas.describe());
    long t0 = System.nanoTime();
    LabeledImages train = LabeledImages.fashionMnist(dataDir, true);
    LabeledImages test = LabeledImages.fashionMnist(dataDir, false);
    System.out.printf("data: %d train, %d test images (%.1f s)%n", train.size(), test.size(),
        (System.nanoTime() - t0) / 1e9);
    Network net = Architectures.create(model, seed);
    long t1 = System.nanoTime();
    new Trainer(epochs, batch, lr, seed).train(net, train, (e, loss, sec) ->
        System.out.printf("epoch %d: loss %.4f, test accuracy %.4f, %.1f s%n", e, loss, Trainer.accuracy(net, test), sec));
    double trainSeconds = (System.nanoTime() - t1) / 1e9;
    double acc = Trainer.accuracy(net, test);
    System.out.printf("%s: test accuracy %.4f after %d epochs, training %.1f s (including per-epoch evaluation)%n",
        model, acc, epochs, trainSeconds);
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("model", model);
    meta.put("dataset", "fashion-mnist");
    meta.put("epochs", String.valueOf(epochs));
    meta.put("seed", String.valueOf(seed));
    meta.put("test_accuracy", String.format("%.4f", acc));
    Path weights = out.resolve(model + ".safetensors");
    Path spec = out.resolve(model + ".yaml");
    net.save(weights, spec, meta);
    double reread = Trainer.accuracy(Network.load(spec, weights), test);
    System.out.printf("wrote %s and %s (test accuracy after the float32 round trip: %.4f)%n", weights, spec, reread);
  }
}
