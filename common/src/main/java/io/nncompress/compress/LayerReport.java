package io.nncompress.compress;

import io.nncompress.lnr.LambdaSearch;
import java.util.List;

/** What LNR did to one weighted layer. */
public final class LayerReport implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  public final String layer;
  public final String type;
  /** Input groups (neurons or channels) before and after. */
  public final int inputsBefore;
  public final int inputsAfter;
  /** Output neurons or channels before and after (after: decided by the next layer). */
  public final int outputsBefore;
  public int outputsAfter;
  public final long paramsBefore;
  public long paramsAfter;
  public final double lambda;
  public final double lambdaMax;
  public final int iterations;
  public final String method;
  public final boolean targetReached;
  /** Relative reconstruction error E||Y - MX||^2 / E||Y||^2 on the calibration statistics. */
  public final double relativeErrorLasso;
  public final double relativeErrorDebiased;
  public final boolean debiasFallback;
  public final String target;
  public final List<LambdaSearch.PathPoint> path;
  /** Relative error on held-out data, end to end through the compressed network (NaN until evaluated). */
  public double heldOutRelativeError = Double.NaN;

  /** Weighted layer k of the chain with the given kept input groups; r null when it was not solved. */
  static LayerReport of(LayerChain chain, int k, int[] kept, LambdaSearch.Result r, String target) {
    io.nncompress.model.Layer l = chain.layer(k);
    long rows = LayerChain.weightRows(l);
    long before = rows * LayerChain.weightCols(l) + (LayerChain.bias(l) == null ? 0 : rows);
    return new LayerReport(l.name(), l.type().id, chain.groupCount(k), kept.length, chain.outputUnits(k), before, r,
        target);
  }

  LayerReport(String layer, String type, int inputsBefore, int inputsAfter, int outputsBefore, long paramsBefore,
      LambdaSearch.Result r, String target) {
    this.layer = layer;
    this.type = type;
    this.inputsBefore = inputsBefore;
    this.inputsAfter = inputsAfter;
    this.outputsBefore = outputsBefore;
    this.outputsAfter = outputsBefore;
    this.paramsBefore = paramsBefore;
    this.paramsAfter = paramsBefore;
    this.lambda = r == null ? 0 : r.lambda();
    this.lambdaMax = r == null ? 0 : r.lambdaMax;
    this.iterations = r == null ? 0 : r.totalIterations;
    this.method = r == null ? "none" : r.solution.method;
    this.targetReached = r == null || r.targetReached;
    this.relativeErrorLasso = r == null ? 0 : r.solution.relativeErrorLasso;
    this.relativeErrorDebiased = r == null ? 0 : r.solution.relativeErrorDebiased;
    this.debiasFallback = r != null && r.solution.debiasFallback;
    this.target = target;
    this.path = r == null ? List.of() : r.path;
  }
}
