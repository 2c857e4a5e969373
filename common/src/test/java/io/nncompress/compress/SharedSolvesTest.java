package io.nncompress.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.lnr.LambdaSearch;
import io.nncompress.model.Network;
import io.nncompress.stats.AutocorrelationStats;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Layers solved for one strategy are taken by another with the same problem; the results stay the same. */
class SharedSolvesTest {
  /** Keeps the input statistics of every layer of a network, as SparkStatistics does, and counts passes. */
  static final class KeptStatistics implements StatisticsSource {
    final InMemoryStatistics in;
    final Map<Integer, AutocorrelationStats> kept = new HashMap<>();
    String of;
    int passes;

    KeptStatistics(DenseMatrix x) {
      in = new InMemoryStatistics(x, 128);
    }

    @Override
    public AutocorrelationStats[] inputs(Network net, int[] layers) {
      String digest = java.util.HexFormat.of().formatHex(net.digest()); // as SparkStatistics: by content
      if (!digest.equals(of)) {
        kept.clear();
        of = digest;
      }
      int[] all = new int[] {0, 2, 4}; // the weighted layers of the 12-10-8-3 MLP
      if (!kept.keySet().containsAll(java.util.Arrays.stream(layers).boxed().toList())) {
        AutocorrelationStats[] s = in.inputs(net, all);
        passes++;
        for (int k = 0; k < all.length; k++) {
          kept.put(all[k], s[k]);
        }
      }
      return java.util.Arrays.stream(layers).mapToObj(kept::get).toArray(AutocorrelationStats[]::new);
    }

    @Override
    public AutocorrelationStats[] joint(Network a, int[] ia, Network b, int[] ib) {
      passes++;
      return in.joint(a, ia, b, ib);
    }
  }

  static LambdaSearch.Target target(String layer) {
    return LambdaSearch.Target.keepCount(layer.equals("fc1") ? 8 : layer.equals("fc2") ? 7 : 6);
  }

  static List<ChainingStrategy> ORDER = List.of(ChainingStrategy.PARALLEL, ChainingStrategy.TOP_DOWN,
      ChainingStrategy.BOTTOM_UP);

  @Test
  void topDownTakesParallelsFirstLayerAndBottomUpItsLastOneWithTheSameResults() {
    Network net = LnrCompressorTest.mlp(3);
    DenseMatrix x = LnrCompressorTest.data(2000, 4);
    GroupLassoSolver solver = GroupLassoSolver.defaults().tolerance(1e-9);
    // each strategy alone
    Map<ChainingStrategy, LnrCompressor.Result> alone = new EnumMap<>(ChainingStrategy.class);
    for (ChainingStrategy s : ORDER) {
      alone.put(s, new LnrCompressor(s, SharedSolvesTest::target, solver).compress(net, new KeptStatistics(x)));
    }
    // the three in a row, sharing solved layers
    SharedSolves shared = new SharedSolves();
    KeptStatistics stats = new KeptStatistics(x);
    Map<ChainingStrategy, LnrCompressor.Result> together = new EnumMap<>(ChainingStrategy.class);
    for (ChainingStrategy s : ORDER) {
      together.put(s, new LnrCompressor(s, SharedSolvesTest::target, solver).sharedSolves(shared).compress(net, stats));
    }
    assertEquals(2, shared.reused()); // top-down's fc1 (parallel's), bottom-up's fc3 (parallel's)
    assertEquals(3, stats.passes); // the inputs once, top-down's joint statistics of fc2 and fc3
    for (ChainingStrategy s : ORDER) {
      LnrCompressor.Result a = alone.get(s);
      LnrCompressor.Result b = together.get(s);
      assertEquals(a.compressed.tensors(), b.compressed.tensors(), s.id); // bit for bit
      for (int k = 0; k < 3; k++) {
        assertArrayEquals(a.keptGroups.get(k), b.keptGroups.get(k), s.id);
        LayerReport ra = a.layers.get(k);
        LayerReport rb = b.layers.get(k);
        assertEquals(ra.relativeErrorDebiased, rb.relativeErrorDebiased, 0.0, s.id + " " + ra.layer);
        assertEquals(ra.lambda, rb.lambda, 0.0, s.id + " " + ra.layer);
        assertEquals(ra.iterations, rb.iterations, s.id + " " + ra.layer);
        assertEquals(ra.paramsAfter, rb.paramsAfter, s.id + " " + ra.layer);
        assertEquals(ra.outputsAfter, rb.outputsAfter, s.id + " " + ra.layer);
      }
    }
    // each strategy has its own reports (the job fills in held-out errors per strategy)
    LayerReport p = together.get(ChainingStrategy.PARALLEL).layers.get(0);
    LayerReport t = together.get(ChainingStrategy.TOP_DOWN).layers.get(0);
    assertNotSame(p, t);
    p.heldOutRelativeError = 0.5;
    assertTrue(Double.isNaN(t.heldOutRelativeError));
  }

  @Test
  void anotherSolverOrTargetSolvesAgain() {
    Network net = LnrCompressorTest.mlp(3);
    KeptStatistics stats = new KeptStatistics(LnrCompressorTest.data(500, 4));
    SharedSolves shared = new SharedSolves();
    new LnrCompressor(ChainingStrategy.PARALLEL, SharedSolvesTest::target, GroupLassoSolver.defaults())
        .sharedSolves(shared).compress(net, stats);
    new LnrCompressor(ChainingStrategy.TOP_DOWN, SharedSolvesTest::target, GroupLassoSolver.defaults())
        .sharedSolves(shared).compress(net, stats);
    assertEquals(0, shared.reused()); // each compressor's own solver object: not known to be the same
    GroupLassoSolver solver = GroupLassoSolver.defaults();
    new LnrCompressor(ChainingStrategy.PARALLEL, SharedSolvesTest::target, solver).sharedSolves(shared)
        .compress(net, stats);
    new LnrCompressor(ChainingStrategy.TOP_DOWN, name -> LambdaSearch.Target.keepCount(5), solver)
        .sharedSolves(shared).compress(net, stats);
    assertEquals(0, shared.reused()); // fc1 keeps 5, not 8: another problem
  }
}
