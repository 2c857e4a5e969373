package io.nncompress.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.lnr.LambdaSearch;
import io.nncompress.model.DenseLayer;
import io.nncompress.model.Network;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvaluationTest {

  @Test
  void layerErrorsAndAccuracyMatchADirectComputation() {
    Network net = LnrCompressorTest.mlp(7);
    DenseMatrix x = LnrCompressorTest.data(600, 8);
    LnrCompressor.Result r = new LnrCompressor(ChainingStrategy.BOTTOM_UP, n -> LambdaSearch.Target.keepCount(
        n.equals("fc1") ? 7 : 5), GroupLassoSolver.defaults()).compress(net, new InMemoryStatistics(x, 128));
    int[] labels = new int[x.cols];
    for (int s = 0; s < labels.length; s++) {
      labels[s] = s % 3;
    }
    Evaluation.Probe probe = new Evaluation.Probe(r.original, r.compressed);
    probe.add(x.selectColumns(range(0, 250)), java.util.Arrays.copyOfRange(labels, 0, 250));
    probe.add(x.selectColumns(range(250, 600)), java.util.Arrays.copyOfRange(labels, 250, 600));
    List<int[]> keptOut = List.of(r.keptGroups.get(1), r.keptGroups.get(2), range(0, 3));
    Evaluation e = Evaluation.of(r.original, r.compressed, keptOut, probe.finish());

    // direct: per layer, sum over samples of ||W[rows] z + b[rows] - (M zh + bh)||^2 / ||W[rows] z + b[rows]||^2
    int[] idxO = {0, 2, 4};
    int[] idxC = {0, 2, 4};
    DenseMatrix xs = x.selectRows(r.compressed.inputSelect());
    for (int k = 0; k < 3; k++) {
      DenseMatrix z = inputOf(r.original, idxO[k], x);
      DenseMatrix zh = inputOf(r.compressed, idxC[k], xs);
      DenseLayer lo = (DenseLayer) r.original.layer(idxO[k]);
      DenseLayer lc = (DenseLayer) r.compressed.layer(idxC[k]);
      DenseMatrix y = lo.forward(z).selectRows(keptOut.get(k));
      DenseMatrix yh = lc.forward(zh);
      double num = y.minus(yh).frobeniusNorm();
      double den = y.frobeniusNorm();
      assertEquals(num * num / (den * den), e.layerRelativeError[k], 1e-9, "layer " + k);
    }
    int[] po = Network.argmaxColumns(r.original.forward(x));
    int[] pc = Network.argmaxColumns(r.compressed.forward(x));
    int co = 0;
    int cc = 0;
    int ag = 0;
    for (int s = 0; s < po.length; s++) {
      co += po[s] == labels[s] ? 1 : 0;
      cc += pc[s] == labels[s] ? 1 : 0;
      ag += po[s] == pc[s] ? 1 : 0;
    }
    assertEquals(co / 600.0, e.accuracyOriginal, 0.0);
    assertEquals(cc / 600.0, e.accuracyCompressed, 0.0);
    assertEquals(ag / 600.0, e.agreement, 0.0);

    // predictions only (a stage's record): the same counts, two partials merged, no layer errors
    Evaluation.Probe p1 = new Evaluation.Probe(r.original, r.compressed, false);
    p1.add(x.selectColumns(range(0, 250)), java.util.Arrays.copyOfRange(labels, 0, 250));
    Evaluation.Probe p2 = new Evaluation.Probe(r.original, r.compressed, false);
    p2.add(x.selectColumns(range(250, 600)), java.util.Arrays.copyOfRange(labels, 250, 600));
    Evaluation o = Evaluation.of(r.original, r.compressed, keptOut, p1.finish().merge(p2.finish()));
    assertEquals(600, o.samples);
    assertEquals(co / 600.0, o.accuracyOriginal, 0.0);
    assertEquals(cc / 600.0, o.accuracyCompressed, 0.0);
    assertEquals(ag / 600.0, o.agreement, 0.0);
    for (double err : o.layerRelativeError) {
      assertTrue(Double.isNaN(err));
    }
  }

  /** A compressed layer held as two low-rank factors is evaluated as their product. */
  @Test
  void factoredLayersAreComparedThroughTheirProduct() {
    Network net = LnrCompressorTest.mlp(9);
    DenseMatrix x = LnrCompressorTest.data(400, 10);
    io.nncompress.codec.lowrank.LowRankFactors f = io.nncompress.codec.lowrank.TruncatedSvd.factor(
        ((DenseLayer) net.layer(2)).weight(), 3);
    List<io.nncompress.model.Layer> layers = new java.util.ArrayList<>(net.layers());
    layers.set(2, new DenseLayer(net.layer(2).spec(), f.product(), ((DenseLayer) net.layer(2)).bias()));
    Network product = net.with(null, layers);
    Network split = io.nncompress.model.FactoredLayers.split(product, java.util.Map.of("fc2",
        new DenseMatrix[] {f.q.transpose(), f.p}));
    List<int[]> keptOut = List.of(range(0, 10), range(0, 8), range(0, 3));
    Evaluation[] e = new Evaluation[2];
    Network[] nets = {product, split};
    for (int t = 0; t < 2; t++) {
      Evaluation.Probe probe = new Evaluation.Probe(net, nets[t]);
      probe.add(x, null);
      e[t] = Evaluation.of(net, nets[t], keptOut, probe.finish());
    }
    assertEquals(0.0, e[0].layerRelativeError[0], 1e-12);
    assertTrue(e[0].layerRelativeError[1] > 1e-3, "rank 3 of 8 loses something");
    for (int k = 0; k < 3; k++) {
      assertEquals(e[0].layerRelativeError[k], e[1].layerRelativeError[k], 1e-9, "layer " + k);
    }
    assertEquals(e[0].agreement, e[1].agreement, 0.0);
  }

  static int[] range(int from, int to) {
    int[] r = new int[to - from];
    for (int i = 0; i < r.length; i++) {
      r[i] = from + i;
    }
    return r;
  }

  static DenseMatrix inputOf(Network net, int index, DenseMatrix selected) {
    return net.forwardRange(0, index, selected, null);
  }
}
