package io.nncompress.train;

import io.nncompress.data.LabeledImages;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Network;
import java.util.Random;

/**
 * Mini-batch training with Adam and softmax cross-entropy, in place on the network's dense and
 * conv2d parameters. The learning rate follows a cosine schedule over all steps,
 * lr_t = lr * (1 + cos(pi * t / T)) / 2, so the last epochs settle instead of oscillating.
 *
 * <p>Reproducible: the same seed gives the same initial weights and sample order, and all loops
 * outside BLAS run in a fixed order. Bitwise equality of the trained weights then depends on the
 * BLAS: measured on Debian's OpenBLAS, one LeNet-300-100 epoch gave byte-identical safetensors
 * files in separate runs and with OPENBLAS_NUM_THREADS=1 and 2 (OpenBLAS splits dgemm over rows and
 * columns, not over the summed dimension). Another BLAS (e.g. the pure-Java one, or OpenBLAS built
 * for another CPU) gives slightly different weights.
 */
public final class Trainer {
  /** Called after each epoch. */
  public interface EpochListener {
    void epoch(int epoch, double meanLoss, double seconds);
  }

  private final int epochs;
  private final int batchSize;
  private final double learningRate;
  private final long seed;

  public Trainer(int epochs, int batchSize, double learningRate, long seed) {
    if (epochs < 0) {
      throw new IllegalArgumentException("epochs must be >= 0, cannot be: " + epochs);
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be >= 1, cannot be: " + batchSize);
    }
    this.epochs = epochs;
    this.batchSize = batchSize;
    this.learningRate = learningRate;
    this.seed = seed;
  }

  /** Trains {@code net} in place on {@code data}; returns the mean loss of the last epoch. */
  public double train(Network net, LabeledImages data, EpochListener listener) {
    Random r = new Random(seed);
    Adam adam = new Adam(net, learningRate);
    Backprop.Gradients g = new Backprop.Gradients(net);
    int n = data.size();
    int[] order = new int[n];
    for (int k = 0; k < n; k++) {
      order[k] = k;
    }
    double last = Double.NaN;
    long steps = (long) epochs * ((n + batchSize - 1) / batchSize);
    long t = 0;
    for (int e = 1; e <= epochs; e++) {
      long t0 = System.nanoTime();
      // Fisher-Yates shuffle from the seeded generator
      for (int k = n - 1; k > 0; k--) {
        int j = r.nextInt(k + 1);
        int tmp = order[k];
        order[k] = order[j];
        order[j] = tmp;
      }
      double sum = 0;
      int batches = 0;
      for (int from = 0; from < n; from += batchSize) {
        int[] idx = java.util.Arrays.copyOfRange(order, from, Math.min(n, from + batchSize));
        DenseMatrix x = data.batch(idx);
        sum += Backprop.lossAndGradients(net, x, data.labels(idx), g);
        adam.learningRate(learningRate * 0.5 * (1 + Math.cos(Math.PI * t++ / steps)));
        adam.step(g);
        batches++;
      }
      last = sum / batches;
      if (listener != null) {
        listener.epoch(e, last, (System.nanoTime() - t0) / 1e9);
      }
    }
    return last;
  }

  /** Test accuracy in batches of 1000 samples. */
  public static double accuracy(Network net, LabeledImages data) {
    int ok = 0;
    for (int from = 0; from < data.size(); from += 1000) {
      int to = Math.min(data.size(), from + 1000);
      int[] p = net.predict(data.batch(from, to));
      for (int k = 0; k < p.length; k++) {
        ok += p[k] == data.label(from + k) ? 1 : 0;
      }
    }
    return (double) ok / data.size();
  }
}
