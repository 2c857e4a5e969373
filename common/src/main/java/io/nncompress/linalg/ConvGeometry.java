package io.nncompress.linalg;

/**
 * The geometry of a 2-D convolution over a C x H x W feature map stored row-major (PyTorch's
 * (c, h, w) order), and the patch extraction (im2col) that turns it into a matrix product.
 *
 * <p>A patch is vec(X^(u,v)) of length C*kh*kw ordered (c, i, j), the order of a PyTorch conv
 * weight O x C x kh x kw flattened to O x (C*kh*kw). Positions outside the map (padding) read 0.
 * Output size: Hout = floor((H + 2*padH - dilH*(kh-1) - 1) / strideH) + 1, likewise for W.
 */
public final class ConvGeometry implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  public final int channels;
  public final int height;
  public final int width;
  public final int kernelH;
  public final int kernelW;
  public final int strideH;
  public final int strideW;
  public final int padH;
  public final int padW;
  public final int dilationH;
  public final int dilationW;
  public final int outH;
  public final int outW;

  public ConvGeometry(int channels, int height, int width, int kernel, int stride, int padding, int dilation) {
    this(channels, height, width, kernel, kernel, stride, stride, padding, padding, dilation, dilation);
  }

  public ConvGeometry(int channels, int height, int width, int kernelH, int kernelW, int strideH, int strideW,
      int padH, int padW, int dilationH, int dilationW) {
    require(channels > 0 && height > 0 && width > 0,
        "Feature map C x H x W must be positive, cannot be: " + channels + "x" + height + "x" + width);
    require(kernelH > 0 && kernelW > 0, "Kernel size must be at least 1, cannot be: " + kernelH + "x" + kernelW);
    require(strideH > 0 && strideW > 0, "Stride must be at least 1, cannot be: " + strideH + "x" + strideW);
    require(padH >= 0 && padW >= 0, "Padding must be non-negative, cannot be: " + padH + "x" + padW);
    require(dilationH > 0 && dilationW > 0, "Dilation must be at least 1, cannot be: " + dilationH + "x" + dilationW);
    this.channels = channels;
    this.height = height;
    this.width = width;
    this.kernelH = kernelH;
    this.kernelW = kernelW;
    this.strideH = strideH;
    this.strideW = strideW;
    this.padH = padH;
    this.padW = padW;
    this.dilationH = dilationH;
    this.dilationW = dilationW;
    this.outH = (height + 2 * padH - dilationH * (kernelH - 1) - 1) / strideH + 1;
    this.outW = (width + 2 * padW - dilationW * (kernelW - 1) - 1) / strideW + 1;
    require(outH > 0 && outW > 0, "Kernel " + kernelH + "x" + kernelW + " with dilation " + dilationH + "x" + dilationW
        + " does not fit a padded " + height + "x" + width + " map");
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Length of the input map, C*H*W. */
  public int inputSize() {
    return channels * height * width;
  }

  /** Length of one patch, C*kh*kw. */
  public int patchSize() {
    return channels * kernelH * kernelW;
  }

  /** Number of output positions, Hout*Wout. */
  public int positions() {
    return outH * outW;
  }

  /**
   * Writes the patches of one map: patch p = u*outW + v goes to out[outOff + p*outStride ...] with
   * patchSize() values. A stride larger than patchSize() leaves the extra slots untouched (for
   * example for a constant 1 that carries the bias).
   */
  public void extractPatches(double[] input, int inOff, double[] out, int outOff, int outStride) {
    int hw = height * width;
    for (int u = 0; u < outH; u++) {
      for (int v = 0; v < outW; v++) {
        int base = outOff + (u * outW + v) * outStride;
        int k = 0;
        for (int c = 0; c < channels; c++) {
          int cOff = inOff + c * hw;
          for (int i = 0; i < kernelH; i++) {
            int y = u * strideH - padH + i * dilationH; // input row read by kernel row i
            boolean rowIn = y >= 0 && y < height;
            for (int j = 0; j < kernelW; j++) {
              int x = v * strideW - padW + j * dilationW;
              out[base + k++] = rowIn && x >= 0 && x < width ? input[cOff + y * width + x] : 0.0;
            }
          }
        }
      }
    }
  }

  @Override
  public String toString() {
    return "conv(C=" + channels + ", H=" + height + ", W=" + width + ", k=" + kernelH + "x" + kernelW
        + ", stride=" + strideH + "x" + strideW + ", pad=" + padH + "x" + padW + ", dil=" + dilationH + "x" + dilationW
        + ") -> " + outH + "x" + outW;
  }
}
