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
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learningRate must be positive, cannot be: " + learningRate);
    }
    this.lr = learningRate;
    int n = net.layers().size();
    params = new double[2 * n][];
    for (int k = 0; k < n; k++) {
      DenseMatrix w = Backprop.weightOf(net.layer(k));
      params[2 * k] = w == null ? null : w.data;
      params[2 * k + 1] = Backprop.biasOf(net.layer(k));
    }
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

  /** One step along the gradients (as computed by {@link Backprop#lossAndGradients}). */
  public void step(Backprop.Gradients g) {
    t++;
    double c1 = 1 - Math.pow(beta1, t);
    double c2 = 1 - Math.pow(beta2, t);
    for (int k = 0; k < params.length; k++) {
      double[] p = params[k];
      if (p == null) {
        continue;
      }
      double[] grad = k % 2 == 0 ? g.weight[k / 2].data : g.bias[k / 2];
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
