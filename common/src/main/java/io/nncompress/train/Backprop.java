package io.nncompress.train;

import io.nncompress.linalg.ConvKernels;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.BatchNormLayer;
import io.nncompress.model.Conv2dLayer;
import io.nncompress.model.DenseLayer;
import io.nncompress.model.ElementwiseLayer;
import io.nncompress.model.Layer;
import io.nncompress.model.LayerType;
import io.nncompress.model.Network;
import io.nncompress.model.PoolLayer;
import java.util.ArrayList;
import java.util.List;

/**
 * Softmax cross-entropy loss of a {@link Network} and its gradient with respect to every dense and
 * conv2d weight and bias, by backpropagation. Batchnorm layers are treated as fixed (inference
 * mode): the gradient goes through them, their parameters are not trained.
 */
public final class Backprop {
  private Backprop() {}

  /** Gradients of the weights (dW, same shape as W) and biases (db) of each layer; null for layers without. */
  public static final class Gradients {
    public final DenseMatrix[] weight;
    public final double[][] bias;

    public Gradients(Network net) {
      int n = net.layers().size();
      weight = new DenseMatrix[n];
      bias = new double[n][];
      for (int k = 0; k < n; k++) {
        Layer l = net.layer(k);
        DenseMatrix w = weightOf(l);
        if (w != null) {
          weight[k] = new DenseMatrix(w.rows, w.cols);
          double[] b = biasOf(l);
          bias[k] = b == null ? null : new double[b.length];
        }
      }
    }
  }

  static DenseMatrix weightOf(Layer l) {
    return l instanceof DenseLayer ? ((DenseLayer) l).weight() : l instanceof Conv2dLayer ? ((Conv2dLayer) l).weight()
        : null;
  }

  static double[] biasOf(Layer l) {
    return l instanceof DenseLayer ? ((DenseLayer) l).bias() : l instanceof Conv2dLayer ? ((Conv2dLayer) l).bias()
        : null;
  }

  /**
   * The mean softmax cross-entropy over the batch, -1/n sum_s log softmax(z_s)[y_s]; writes its
   * gradient into {@code g} (overwritten).
   *
   * @param x inputs, one sample per column (already reduced to the network's input_select)
   * @param labels the class of each sample, an output index
   */
  public static double lossAndGradients(Network net, DenseMatrix x, int[] labels, Gradients g) {
    List<DenseMatrix> inputs = new ArrayList<>();
    DenseMatrix z = net.forwardSelected(x, (k, layer, in) -> inputs.add(in));
    int n = x.cols;
    int classes = z.rows;
    // dL/dz = (softmax(z) - onehot(y)) / n
    DenseMatrix dz = new DenseMatrix(classes, n);
    double loss = 0;
    for (int s = 0; s < n; s++) {
      int off = s * classes;
      double max = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < classes; i++) {
        max = Math.max(max, z.data[off + i]);
      }
      double sum = 0;
      for (int i = 0; i < classes; i++) {
        double e = Math.exp(z.data[off + i] - max);
        dz.data[off + i] = e;
        sum += e;
      }
      int y = labels[s];
      if (y < 0 || y >= classes) {
        throw new IllegalArgumentException("label of sample " + s + " must be in 0.." + (classes - 1) + ", cannot be: " + y);
      }
      // log softmax_y = z_y - max - log(sum)
      loss -= z.data[off + y] - max - Math.log(sum);
      for (int i = 0; i < classes; i++) {
        dz.data[off + i] = (dz.data[off + i] / sum - (i == y ? 1.0 : 0.0)) / n;
      }
    }
    DenseMatrix d = dz;
    for (int k = net.layers().size() - 1; k >= 0; k--) {
      d = backward(net.layer(k), inputs.get(k), d, g, k, k > 0);
    }
    return loss / n;
  }

  /** dL/d(input) of one layer from dL/d(output); accumulates the parameter gradients into g. */
  static DenseMatrix backward(Layer l, DenseMatrix x, DenseMatrix dy, Gradients g, int k, boolean needInput) {
    if (l instanceof DenseLayer) {
      DenseLayer dl = (DenseLayer) l;
      // dW = dY X^T, db = dY 1, dX = W^T dY
      DenseMatrix.gemm(1.0, dy, false, x, true, 0.0, g.weight[k]);
      if (g.bias[k] != null) {
        rowSums(dy, g.bias[k]);
      }
      if (!needInput) {
        return null;
      }
      DenseMatrix dx = new DenseMatrix(x.rows, x.cols);
      DenseMatrix.gemm(1.0, dl.weight(), true, dy, false, 0.0, dx);
      return dx;
    }
    if (l instanceof Conv2dLayer) {
      return convBackward((Conv2dLayer) l, x, dy, g, k, needInput);
    }
    if (l instanceof PoolLayer) {
      return poolBackward((PoolLayer) l, x, dy);
    }
    if (l instanceof BatchNormLayer) {
      double[] scale = ((BatchNormLayer) l).scale();
      int per = l.inputShape().height * l.inputShape().width;
      DenseMatrix dx = new DenseMatrix(dy.rows, dy.cols);
      for (int e = 0; e < dy.data.length; e++) {
        dx.data[e] = dy.data[e] * scale[(e % dy.rows) / per]; // dy/dx = scale of the channel
      }
      return dx;
    }
    ElementwiseLayer el = (ElementwiseLayer) l;
    switch (el.type()) {
      case FLATTEN:
      case IDENTITY:
        return dy;
      default: {
        DenseMatrix dx = new DenseMatrix(dy.rows, dy.cols);
        if (el.type() == LayerType.RELU) {
          reluBackward(x.data, dy.data, dx.data);
          return dx;
        }
        for (int e = 0; e < dy.data.length; e++) {
          double xv = x.data[e];
          double deriv;
          if (el.type() == LayerType.TANH) {
            double t = Math.tanh(xv);
            deriv = 1 - t * t; // tanh' = 1 - tanh^2
          } else {
            double s = 1.0 / (1.0 + Math.exp(-xv));
            deriv = s * (1 - s); // sigmoid' = s (1 - s)
          }
          dx.data[e] = dy.data[e] * deriv;
        }
        return dx;
      }
    }
  }

  /**
   * dx = dy * relu'(x), relu' = 1 for x > 0, else 0 (NaN included). The step without a branch per value (a
   * branch on the sign is mispredicted half the time): min(1, max(x, 0) * 2^1200) is 1 for any x > 0 (2^-1074
   * the smallest), 0 for x <= 0, NaN for a NaN x; a NaN anywhere in dx redoes it with the branch.
   */
  static void reluBackward(double[] x, double[] dy, double[] dx) {
    for (int e = 0; e < dx.length; e++) {
      dx[e] = dy[e] * Math.min(1.0, Math.max(x[e], 0.0) * 0x1p600 * 0x1p600);
    }
    if (Double.isNaN(ElementwiseLayer.sum(dx))) {
      for (int e = 0; e < dx.length; e++) {
        dx[e] = dy[e] * (x[e] > 0 ? 1.0 : 0.0);
      }
    }
  }

  private static void rowSums(DenseMatrix m, double[] out) {
    java.util.Arrays.fill(out, 0.0);
    for (int j = 0; j < m.cols; j++) {
      for (int i = 0; i < m.rows; i++) {
        out[i] += m.data[i + j * m.rows];
      }
    }
  }

  private static DenseMatrix convBackward(Conv2dLayer c, DenseMatrix x, DenseMatrix dy, Gradients g, int k,
      boolean needInput) {
    // Y = W P + b  =>  dW = dY P^T, db = dY 1, dP = W^T dY scattered back onto the map (col2im)
    DenseMatrix dx = needInput ? new DenseMatrix(x.rows, x.cols) : null;
    ConvKernels.backward(c.geometry(), c.weight(), x, dy, g.weight[k], g.bias[k], dx);
    return dx;
  }

  private static DenseMatrix poolBackward(PoolLayer pl, DenseMatrix x, DenseMatrix dy) {
    DenseMatrix dx = new DenseMatrix(x.rows, x.cols);
    var in = pl.inputShape();
    var out = pl.outputShape();
    double inv = 1.0 / (pl.kernelH() * pl.kernelW());
    for (int s = 0; s < x.cols; s++) {
      int xb = s * x.rows;
      int yb = s * dy.rows;
      int e = 0;
      for (int c = 0; c < out.channels; c++) {
        for (int u = 0; u < out.height; u++) {
          for (int v = 0; v < out.width; v++) {
            double d = dy.data[yb + e++];
            if (pl.isMax()) {
              dx.data[xb + pl.argmax(x.data, xb, c, u, v)] += d; // the gradient goes to the max only
            } else {
              for (int i = 0; i < pl.kernelH(); i++) {
                int row = xb + c * in.height * in.width + (u * pl.strideH() + i) * in.width + v * pl.strideW();
                for (int j = 0; j < pl.kernelW(); j++) {
                  dx.data[row + j] += d * inv;
                }
              }
            }
          }
        }
      }
    }
    return dx;
  }
}
