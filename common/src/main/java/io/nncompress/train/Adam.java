package io.nncompress.train;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Network;

/**
 * Adam (Kingma and Ba, 2015) over the dense and conv2d weights and biases of a network, updated in
 * place: m = b1 m + (1-b1) g, v = b2 v + (1-b2) g^2, p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps).
 */
public final class Adam {
  private double lr;
  private final double beta1 = 0.9;
  private final double beta2 = 0.999;
  private final double eps = 1e-8;
  private final double[][] params;
  private final double[][] m;
  private final double[][] v;
  private int t;

  public Adam(Network net, double learningRate) {
    this(paramsOf(net), learningRate);
  }

  /**
   * Adam over arbitrary parameter arrays (null entries are skipped), updated in place by
   * {@link #step(double[][])} with gradients of the same shapes (e.g. the shared centroids of
   * {@link ConstrainedNetwork}).
   */
  public Adam(double[][] params, double learningRate) {
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learningRate must be positive, cannot be: " + learningRate);
    }
    this.lr = learningRate;
    this.params = params;
    m = new double[params.length][];
    v = new double[params.length][];
    for (int k = 0; k < params.length; k++) {
      if (params[k] != null) {
        m[k] = new double[params[k].length];
        v[k] = new double[params[k].length];
      }
    }
  }

  /** Sets the learning rate of the next steps (a schedule). */
  public void learningRate(double learningRate) {
    if (!(learningRate >= 0)) {
      throw new IllegalArgumentException("learningRate must be >= 0, cannot be: " + learningRate);
    }
    this.lr = learningRate;
  }

  private static double[][] paramsOf(Network net) {
    int n = net.layers().size();
    double[][] params = new double[2 * n][];
    for (int k = 0; k < n; k++) {
      DenseMatrix w = Backprop.weightOf(net.layer(k));
      params[2 * k] = w == null ? null : w.data;
      params[2 * k + 1] = Backprop.biasOf(net.layer(k));
    }
    return params;
  }

  /** One step along the gradients (as computed by {@link Backprop#lossAndGradients}). */
  public void step(Backprop.Gradients g) {
    double[][] grads = new double[params.length][];
    for (int k = 0; k < params.length; k++) {
      grads[k] = params[k] == null ? null : k % 2 == 0 ? g.weight[k / 2].data : g.bias[k / 2];
    }
    step(grads);
  }

  /** The number of steps taken (what {@link #restore} sets back). */
  public int steps() {
    return t;
  }

  /** The first and second moments, for a checkpoint (the live arrays). */
  public double[][][] moments() {
    return new double[][][] {m, v};
  }

  /** Restores the state of a checkpoint: the step count and the moments (copied in). */
  public void restore(int steps, double[][] firstMoments, double[][] secondMoments) {
    this.t = steps;
    for (int k = 0; k < params.length; k++) {
      if (params[k] != null) {
        System.arraycopy(firstMoments[k], 0, m[k], 0, m[k].length);
        System.arraycopy(secondMoments[k], 0, v[k], 0, v[k].length);
      }
    }
  }

  /** One step along gradients of the same shapes as the parameters (null where the parameter is null). */
  public void step(double[][] gradients) {
    t++;
    double c1 = 1 - Math.pow(beta1, t);
    double c2 = 1 - Math.pow(beta2, t);
    for (int k = 0; k < params.length; k++) {
      double[] p = params[k];
      if (p == null) {
        continue;
      }
      double[] grad = gradients[k];
      double[] mk = m[k];
      double[] vk = v[k];
      for (int i = 0; i < p.length; i++) {
        mk[i] = beta1 * mk[i] + (1 - beta1) * grad[i];
        vk[i] = beta2 * vk[i] + (1 - beta2) * grad[i] * grad[i];
        p[i] -= lr * (mk[i] / c1) / (Math.sqrt(vk[i] / c2) + eps);
      }
    }
  }
}
