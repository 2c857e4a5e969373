package io.nncompress.train;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Network;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The fine-tuning loss of one sample with logits z (student), t (teacher) and label y:
 * <pre>
 *   L = alpha * CE(y, softmax(z)) + (1 - alpha) * T^2 * KL(softmax(t / T) || softmax(z / T))
 *   dL/dz = alpha * (softmax(z) - onehot(y)) + (1 - alpha) * T * (softmax(z / T) - softmax(t / T))
 * </pre>
 * (Hinton et al. 2015: the T^2 keeps the soft term's gradients at the hard term's scale). Without a
 * teacher alpha is 1 (cross entropy alone); without labels alpha is 0 (distillation alone).
 */
public final class DistillationLoss implements Serializable {
  private static final long serialVersionUID = 1L;
  public final double temperature;
  public final double alpha;

  /** Cross entropy alone (no teacher). */
  public static final DistillationLoss CROSS_ENTROPY = new DistillationLoss(1.0, 1.0);

  public DistillationLoss(double temperature, double alpha) {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be a positive number, cannot be: " + temperature);
    }
    if (!(alpha >= 0 && alpha <= 1)) {
      throw new IllegalArgumentException("alpha must be in [0, 1], cannot be: " + alpha);
    }
    this.temperature = temperature;
    this.alpha = alpha;
  }

  /**
   * The summed loss of the samples (columns) of {@code z}, times {@code scale}; writes scale * dL/dz
   * into {@code dz}. {@code labels} or {@code teacher} may be null (see the class comment).
   */
  public double lossAndGradient(DenseMatrix z, int[] labels, DenseMatrix teacher, double scale, DenseMatrix dz) {
    if (labels == null && teacher == null) {
      throw new IllegalArgumentException("fine-tuning needs labels or a teacher (distill), has neither");
    }
    double a = teacher == null ? 1.0 : labels == null ? 0.0 : alpha;
    double t = temperature;
    int c = z.rows;
    double[] p = new double[c];
    double[] ps = new double[c];
    double[] pt = new double[c];
    double loss = 0;
    for (int s = 0; s < z.cols; s++) {
      int off = s * c;
      double l = 0;
      java.util.Arrays.fill(dz.data, off, off + c, 0.0);
      if (a > 0) {
        double lse = softmax(z.data, off, c, 1.0, p);
        int y = labels[s];
        if (y < 0 || y >= c) {
          throw new IllegalArgumentException("label of sample " + s + " must be in 0.." + (c - 1) + ", cannot be: "
              + y);
        }
        l += a * (lse - z.data[off + y]);
        for (int i = 0; i < c; i++) {
          dz.data[off + i] += a * (p[i] - (i == y ? 1.0 : 0.0));
        }
      }
      if (a < 1) {
        double lss = softmax(z.data, off, c, t, ps);
        double lst = softmax(teacher.data, off, c, t, pt);
        double kl = 0;
        for (int i = 0; i < c; i++) {
          if (pt[i] > 0) {
            // log pt - log ps = (t_i / T - lst) - (z_i / T - lss)
            kl += pt[i] * ((teacher.data[off + i] / t - lst) - (z.data[off + i] / t - lss));
          }
          dz.data[off + i] += (1 - a) * t * (ps[i] - pt[i]);
        }
        l += (1 - a) * t * t * kl;
      }
      for (int i = 0; i < c; i++) {
        dz.data[off + i] *= scale;
      }
      loss += l;
    }
    return loss * scale;
  }

  // softmax(v / T) of one column into out; returns log sum exp(v / T)
  private static double softmax(double[] v, int off, int c, double t, double[] out) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < c; i++) {
      max = Math.max(max, v[off + i] / t);
    }
    double sum = 0;
    for (int i = 0; i < c; i++) {
      out[i] = Math.exp(v[off + i] / t - max);
      sum += out[i];
    }
    for (int i = 0; i < c; i++) {
      out[i] /= sum;
    }
    return max + Math.log(sum);
  }

  /**
   * One gradient pass of a batch (original inputs, one sample per column): adds the constrained
   * gradient of {@code scale} times the summed loss into {@code gradient} (flat, as {@link
   * ConstrainedNetwork#values()}) and returns scale times the summed loss. {@code teacher} (may be
   * null) is run on the same inputs.
   */
  public double addGradient(ConstrainedNetwork student, Network teacher, DenseMatrix x, int[] labels, double scale,
      Backprop.Gradients work, double[] gradient) {
    Network net = student.network();
    List<DenseMatrix> inputs = new ArrayList<>();
    DenseMatrix z = net.forward(x, (k, layer, in) -> inputs.add(in));
    DenseMatrix tz = teacher == null || (alpha == 1.0 && labels != null) ? null : teacher.forward(x);
    DenseMatrix dz = new DenseMatrix(z.rows, z.cols);
    double loss = lossAndGradient(z, labels, tz, scale, dz);
    DenseMatrix d = dz;
    for (int k = net.layers().size() - 1; k >= 0; k--) {
      d = Backprop.backward(net.layer(k), inputs.get(k), d, work, k, k > 0);
    }
    student.addGradient(work, gradient);
    return loss;
  }
}
