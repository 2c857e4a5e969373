package io.nncompress.linalg;

/**
 * Convolution forward and backward one sample at a time over "shifted" patches: the transpose of
 * {@link ConvGeometry#extractPatches}'s patch matrix, positions x (C*kh*kw) column-major, whose column
 * k = (c, i, j) is the part of channel c that kernel element (i, j) reads, row by row: a stride-1
 * row of it is a contiguous run of the input row, copied with System.arraycopy rather than element by
 * element (a plain loop measured slower on these 8-24 value runs). A sample's output, O x positions row-major ((o, u, v), the layer's layout), is then exactly
 * the positions x O column-major product Pt W^T: one dgemm per sample straight into the output, and
 * the output gradient needs no reordering either. A sample's products (O*C*kh*kw*positions
 * multiply-adds, e.g. 205k for a 8->16 5x5 conv on 12x12) stay below the size at which OpenBLAS wakes
 * its threads (MNK 262,144), so concurrent Spark tasks do not oversubscribe the cores, and the patch
 * buffer of one sample stays in cache.
 */
public final class ConvKernels {
  private ConvKernels() {}

  /**
   * Writes the shifted patches of one map (input[inOff ...], C x H x W row-major) into
   * pt[ptOff + q + k*ld] for position q and patch element k = (c*kh + i)*kw + j (padding reads 0).
   */
  public static void shiftedPatches(ConvGeometry g, double[] input, int inOff, double[] pt, int ptOff, int ld) {
    int hw = g.height * g.width;
    int k = 0;
    for (int c = 0; c < g.channels; c++) {
      int cOff = inOff + c * hw;
      for (int i = 0; i < g.kernelH; i++) {
        for (int j = 0; j < g.kernelW; j++, k++) {
          int x0 = j * g.dilationW - g.padW; // input column read at v = 0
          int vlo = firstInside(x0, g.strideW);
          int vhi = endInside(x0, g.strideW, g.width, g.outW);
          int col = ptOff + k * ld;
          for (int u = 0; u < g.outH; u++) {
            int dst = col + u * g.outW;
            int y = u * g.strideH - g.padH + i * g.dilationH;
            if (y < 0 || y >= g.height || vlo >= vhi) {
              java.util.Arrays.fill(pt, dst, dst + g.outW, 0.0);
              continue;
            }
            if (vlo > 0) {
              java.util.Arrays.fill(pt, dst, dst + vlo, 0.0);
            }
            if (vhi < g.outW) {
              java.util.Arrays.fill(pt, dst + vhi, dst + g.outW, 0.0);
            }
            int src = cOff + y * g.width + x0;
            if (g.strideW == 1) {
              System.arraycopy(input, src + vlo, pt, dst + vlo, vhi - vlo);
            } else {
              for (int v = vlo; v < vhi; v++) {
                pt[dst + v] = input[src + v * g.strideW];
              }
            }
          }
        }
      }
    }
  }

  /** The adjoint of {@link #shiftedPatches}: dx[inOff ...] += each value of dpt added back where it was read from. */
  public static void accumulateShifted(ConvGeometry g, double[] dpt, int off, int ld, double[] dx, int inOff) {
    int hw = g.height * g.width;
    int k = 0;
    for (int c = 0; c < g.channels; c++) {
      int cOff = inOff + c * hw;
      for (int i = 0; i < g.kernelH; i++) {
        for (int j = 0; j < g.kernelW; j++, k++) {
          int x0 = j * g.dilationW - g.padW;
          int vlo = firstInside(x0, g.strideW);
          int vhi = endInside(x0, g.strideW, g.width, g.outW);
          int col = off + k * ld;
          for (int u = 0; u < g.outH; u++) {
            int y = u * g.strideH - g.padH + i * g.dilationH;
            if (y < 0 || y >= g.height) {
              continue;
            }
            int src = col + u * g.outW;
            int dst = cOff + y * g.width + x0;
            if (g.strideW == 1) { // a loop the JIT vectorizes
              for (int v = vlo; v < vhi; v++) {
                dx[dst + v] += dpt[src + v];
              }
            } else {
              for (int v = vlo; v < vhi; v++) {
                dx[dst + v * g.strideW] += dpt[src + v];
              }
            }
          }
        }
      }
    }
  }

  // the first v >= 0 with x0 + v*stride >= 0
  private static int firstInside(int x0, int stride) {
    return x0 >= 0 ? 0 : (-x0 + stride - 1) / stride;
  }

  // one past the last v < outW with x0 + v*stride < width
  private static int endInside(int x0, int stride, int width, int outW) {
    if (x0 >= width) {
      return 0;
    }
    return Math.min(outW, (width - 1 - x0) / stride + 1);
  }

  /**
   * Y = W * patches(X) + b for samples [0, n) of x (one map per column, x.rows = C*H*W): y column s =
   * sample s's output O x positions row-major. W is O x (C*kh*kw); bias may be null.
   */
  public static void forward(ConvGeometry g, DenseMatrix w, double[] bias, DenseMatrix x, DenseMatrix y) {
    int o = w.rows;
    int np = g.positions();
    int ps = g.patchSize();
    double[] pt = new double[np * ps];
    for (int s = 0; s < x.cols; s++) {
      int yOff = s * y.rows;
      shiftedPatches(g, x.data, s * x.rows, pt, 0, np);
      double beta = 0.0;
      if (bias != null) {
        for (int c = 0; c < o; c++) {
          java.util.Arrays.fill(y.data, yOff + c * np, yOff + (c + 1) * np, bias[c]);
        }
        beta = 1.0;
      }
      // Y_s^T (np x O) = Pt (np x ps) W^T
      Blas.dgemm("N", "T", np, o, ps, 1.0, pt, 0, np, w.data, 0, o, beta, y.data, yOff, np);
    }
  }

  /**
   * The backward pass of {@link #forward} for samples [0, n): dW = sum_s dY_s P_s^T and db = sum_s dY_s 1
   * (overwritten; db may be null), and, when dx is not null, dX (overwritten) with dP_s = W^T dY_s
   * scattered back onto the map.
   */
  public static void backward(ConvGeometry g, DenseMatrix w, DenseMatrix x, DenseMatrix dy, DenseMatrix dw,
      double[] db, DenseMatrix dx) {
    int o = w.rows;
    int np = g.positions();
    int ps = g.patchSize();
    double[] pt = new double[np * ps];
    double[] dpt = dx == null ? null : new double[np * ps];
    java.util.Arrays.fill(dw.data, 0.0);
    if (db != null) {
      java.util.Arrays.fill(db, 0.0);
    }
    if (dx != null) {
      java.util.Arrays.fill(dx.data, 0.0);
    }
    for (int s = 0; s < x.cols; s++) {
      int dyOff = s * dy.rows;
      shiftedPatches(g, x.data, s * x.rows, pt, 0, np);
      // dW (O x ps) += dY_s (O x np) Pt (np x ps), dY_s = the np x O column-major block at dyOff, transposed
      Blas.dgemm("T", "N", o, ps, np, 1.0, dy.data, dyOff, np, pt, 0, np, 1.0, dw.data, 0, o);
      if (db != null) {
        for (int c = 0; c < o; c++) {
          double sum = 0;
          int base = dyOff + c * np;
          for (int q = 0; q < np; q++) {
            sum += dy.data[base + q];
          }
          db[c] += sum;
        }
      }
      if (dx != null) {
        // dPt (np x ps) = dY_s^T (np x O) W (O x ps)
        Blas.dgemm("N", "N", np, ps, o, 1.0, dy.data, dyOff, np, w.data, 0, o, 0.0, dpt, 0, np);
        accumulateShifted(g, dpt, 0, np, dx.data, s * x.rows);
      }
    }
  }
}
