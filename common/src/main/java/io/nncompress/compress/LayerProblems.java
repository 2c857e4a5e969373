package io.nncompress.compress;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.GroupLassoProblem;
import io.nncompress.model.Layer;
import io.nncompress.stats.AutocorrelationStats;

/**
 * The group lasso problem of one weighted layer, from its statistics: the layer's augmented weight
 * W~ = [W b] against R (Y = W~ X~), or top-down's cross problem against the joint statistic of the
 * original and the compressed upstream inputs; channels grouped by their columns.
 */
final class LayerProblems {
  private LayerProblems() {}

  static int[] range(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) {
      r[i] = i;
    }
    return r;
  }

  /** W~ restricted to the given output rows: h' x (d + 1), bias last (zeros without a bias). */
  static DenseMatrix augmented(Layer l, int[] rows) {
    DenseMatrix w = LayerChain.weight(l);
    double[] b = LayerChain.bias(l);
    DenseMatrix wt = new DenseMatrix(rows.length, w.cols + 1);
    for (int j = 0; j < w.cols; j++) {
      for (int i = 0; i < rows.length; i++) {
        wt.set(i, j, w.get(rows[i], j));
      }
    }
    if (b != null) {
      for (int i = 0; i < rows.length; i++) {
        wt.set(i, w.cols, b[rows[i]]);
      }
    }
    return wt;
  }

  // Y = W~[rows] X~, X = the layer's input: C = W~ R
  static GroupLassoProblem layerProblem(LayerChain chain, int k, int[] rows, AutocorrelationStats r) {
    DenseMatrix wt = augmented(chain.layer(k), rows);
    return groups(chain, k, GroupLassoProblem.forAugmentedWeights(wt, r.autocorrelation(), wt.cols - 1));
  }

  // top-down: Y = W~ z~ (original input), X = z^~ (compressed upstream); from the joint statistic of [z; z^; 1]
  static GroupLassoProblem crossProblem(LayerChain chain, int k, AutocorrelationStats joint) {
    Layer l = chain.layer(k);
    DenseMatrix wt = augmented(l, range(chain.outputUnits(k)));
    int d = wt.cols - 1;
    DenseMatrix rj = joint.autocorrelation();
    int[] zIdx = new int[d + 1];
    int[] hIdx = new int[d + 1];
    for (int i = 0; i < d; i++) {
      zIdx[i] = i;
      hIdx[i] = d + i;
    }
    zIdx[d] = 2 * d;
    hIdx[d] = 2 * d;
    DenseMatrix rzh = new DenseMatrix(d + 1, d + 1); // E[z~ z^~^T]
    for (int b = 0; b <= d; b++) {
      for (int a = 0; a <= d; a++) {
        rzh.set(a, b, rj.get(zIdx[a], hIdx[b]));
      }
    }
    DenseMatrix rzz = rj.selectSymmetric(zIdx);
    DenseMatrix rhh = rj.selectSymmetric(hIdx);
    DenseMatrix c = wt.times(rzh);
    DenseMatrix wr = wt.times(rzz);
    double yy = 0;
    for (int q = 0; q < wr.data.length; q++) {
      yy += wr.data[q] * wt.data[q];
    }
    return groups(chain, k, GroupLassoProblem.general(c, rhh, Math.max(0, yy), d));
  }

  private static GroupLassoProblem groups(LayerChain chain, int k, GroupLassoProblem p) {
    int[] g = chain.groupOfColumn(k);
    boolean singletons = chain.groupCount(k) == g.length;
    // channels (conv input, dense after flatten): one Frobenius-norm group per channel's columns
    return singletons ? p : p.withColumnGroups(g);
  }
}
