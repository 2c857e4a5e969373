package io.nncompress.model;

import io.nncompress.linalg.DenseMatrix;
import java.util.ArrayList;
import java.util.List;

/**
 * Folds inference-mode batchnorm into the dense or conv2d layer right before it, so compression
 * sees one linear map: with s = gamma / sqrt(var + eps) and t = beta - mean * s per output
 * channel, BN(W x + b) = (diag(s) W) x + (s * b + t).
 */
public final class BatchNormFolding {
  private BatchNormFolding() {}

  public static Network fold(Network net) {
    List<Layer> out = new ArrayList<>();
    for (Layer l : net.layers()) {
      if (!(l instanceof BatchNormLayer)) {
        out.add(l);
        continue;
      }
      BatchNormLayer bn = (BatchNormLayer) l;
      Layer prev = out.isEmpty() ? null : out.get(out.size() - 1);
      if (!(prev instanceof DenseLayer) && !(prev instanceof Conv2dLayer)) {
        throw new ModelSpecException("batchnorm layer '" + bn.name() + "' cannot be folded: it must directly follow "
            + "a dense or conv2d layer, it follows " + (prev == null ? "the input" : prev.toString()));
      }
      double[] s = bn.scale();
      double[] t = bn.shift();
      boolean dense = prev instanceof DenseLayer;
      DenseMatrix w = dense ? ((DenseLayer) prev).weight() : ((Conv2dLayer) prev).weight();
      double[] b = dense ? ((DenseLayer) prev).bias() : ((Conv2dLayer) prev).bias();
      DenseMatrix wf = new DenseMatrix(w.rows, w.cols);
      double[] bf = new double[w.rows];
      for (int j = 0; j < w.cols; j++) {
        for (int i = 0; i < w.rows; i++) {
          wf.data[i + j * w.rows] = s[i] * w.data[i + j * w.rows]; // row i of W scaled by s_i
        }
      }
      for (int i = 0; i < w.rows; i++) {
        bf[i] = s[i] * (b == null ? 0.0 : b[i]) + t[i];
      }
      LayerSpec ps = prev.spec();
      LayerSpec folded = new LayerSpec(ps.name, ps.type, ps.weight, ps.bias == null ? ps.name + ".bias" : ps.bias,
          null, null, ps.stride, ps.padding, ps.dilation, null, 0, 0);
      Layer merged;
      if (dense) {
        merged = new DenseLayer(folded, wf, bf);
      } else {
        Conv2dLayer c = (Conv2dLayer) prev;
        merged = new Conv2dLayer(folded, c.inputShape(), c.geometry().kernelH, c.geometry().kernelW, wf, bf);
      }
      out.set(out.size() - 1, merged);
    }
    return net.with(net.inputSelect(), out);
  }
}
