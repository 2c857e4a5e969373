package io.nncompress.train;

import io.nncompress.linalg.ConvGeometry;

/** The adjoint of {@link ConvGeometry#extractPatches}: adds each patch value back onto the map position it was read from. */
final class Col2Im {
  private Col2Im() {}

  /** dx[inOff + ...] += the patches at patches[off + p*stride ...] scattered back (padding positions dropped). */
  static void accumulate(ConvGeometry g, double[] patches, int off, int stride, double[] dx, int inOff) {
    int hw = g.height * g.width;
    for (int u = 0; u < g.outH; u++) {
      for (int v = 0; v < g.outW; v++) {
        int base = off + (u * g.outW + v) * stride;
        int k = 0;
        for (int c = 0; c < g.channels; c++) {
          int cOff = inOff + c * hw;
          for (int i = 0; i < g.kernelH; i++) {
            int y = u * g.strideH - g.padH + i * g.dilationH;
            boolean rowIn = y >= 0 && y < g.height;
            for (int j = 0; j < g.kernelW; j++) {
              int x = v * g.strideW - g.padW + j * g.dilationW;
              if (rowIn && x >= 0 && x < g.width) {
                dx[cOff + y * g.width + x] += patches[base + k];
              }
              k++;
            }
          }
        }
      }
    }
  }
}
