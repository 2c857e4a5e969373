package io.nncompress.model;

import io.nncompress.linalg.DenseMatrix;

/**
 * Max or average pooling per channel over kh x kw windows (no padding, PyTorch's floor mode):
 * Hout = floor((H - kh) / strideH) + 1, likewise for W.
 */
public final class PoolLayer extends Layer {
  private final int kh;
  private final int kw;
  private final int sh;
  private final int sw;

  public PoolLayer(LayerSpec spec, FeatureShape in) {
    super(spec, in, outShape(spec, in));
    this.kh = spec.kernel[0];
    this.kw = spec.kernel[1];
    this.sh = spec.stride[0];
    this.sw = spec.stride[1];
  }

  private static FeatureShape outShape(LayerSpec spec, FeatureShape in) {
    if (!in.spatial) {
      throw new ModelSpecException(spec.type.id + " layer '" + spec.name + "' needs a C x H x W input, its input is flat: "
          + in);
    }
    if (spec.kernel[0] > in.height || spec.kernel[1] > in.width) {
      throw new ModelSpecException(spec.type.id + " layer '" + spec.name + "': kernel " + spec.kernel[0] + "x"
          + spec.kernel[1] + " is larger than its input " + in);
    }
    return FeatureShape.map(in.channels, (in.height - spec.kernel[0]) / spec.stride[0] + 1,
        (in.width - spec.kernel[1]) / spec.stride[1] + 1);
  }

  public boolean isMax() {
    return spec.type == LayerType.MAXPOOL;
  }

  public int kernelH() {
    return kh;
  }

  public int kernelW() {
    return kw;
  }

  public int strideH() {
    return sh;
  }

  public int strideW() {
    return sw;
  }

  /**
   * Index, within one input sample, of the window element pooled into output element (c, u, v) for max pooling:
   * the first largest, or the first NaN.
   */
  public int argmax(double[] x, int base, int c, int u, int v) {
    int first = c * in.height * in.width + u * sh * in.width + v * sw;
    int row = first;
    int best = first;
    double m = x[base + first];
    // without branches (on real maps the comparison goes either way: a branch is mispredicted often, 3x slower
    // measured): the index through a conditional move, the running max through Math.max, which keeps a NaN
    if (kh == 2 && kw == 2) { // the common 2x2 window written out
      int below = first + in.width;
      double e = x[base + first + 1];
      best = e > m ? first + 1 : best;
      m = Math.max(m, e);
      e = x[base + below];
      best = e > m ? below : best;
      m = Math.max(m, e);
      e = x[base + below + 1];
      best = e > m ? below + 1 : best;
      m = Math.max(m, e);
      return m == m ? best : firstNaN(x, base, first);
    }
    for (int i = 0; i < kh; i++, row += in.width) {
      for (int j = i == 0 ? 1 : 0; j < kw; j++) {
        double e = x[base + row + j];
        best = e > m ? row + j : best;
        m = Math.max(m, e);
      }
    }
    return m == m ? best : firstNaN(x, base, first);
  }

  private int firstNaN(double[] x, int base, int row) {
    for (int i = 0; i < kh; i++, row += in.width) {
      for (int j = 0; j < kw; j++) {
        if (Double.isNaN(x[base + row + j])) {
          return row + j;
        }
      }
    }
    throw new IllegalStateException("no NaN in the window");
  }

  @Override
  public DenseMatrix forward(DenseMatrix x) {
    checkInput(x);
    DenseMatrix y = new DenseMatrix(out.size(), x.cols);
    boolean max = isMax();
    double inv = 1.0 / (kh * kw);
    for (int s = 0; s < x.cols; s++) {
      int xb = s * x.rows;
      int yb = s * y.rows;
      int k = 0;
      for (int c = 0; c < out.channels; c++) {
        for (int u = 0; u < out.height; u++) {
          for (int v = 0; v < out.width; v++) {
            if (max) {
              y.data[yb + k++] = x.data[xb + argmax(x.data, xb, c, u, v)];
            } else {
              double sum = 0;
              for (int i = 0; i < kh; i++) {
                int row = xb + c * in.height * in.width + (u * sh + i) * in.width + v * sw;
                for (int j = 0; j < kw; j++) {
                  sum += x.data[row + j];
                }
              }
              y.data[yb + k++] = sum * inv; // mean over the window
            }
          }
        }
      }
    }
    return y;
  }
}
