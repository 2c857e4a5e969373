package io.nncompress.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.lnr.LambdaSearch;
import io.nncompress.model.ArchitectureSpec;
import io.nncompress.model.DenseLayer;
import io.nncompress.model.Layer;
import io.nncompress.model.Network;
import io.nncompress.train.Architectures;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LnrCompressorTest {

  /** A random 12-10-8-3 relu MLP. */
  static Network mlp(long seed) {
    String yaml = "name: mlp\ninput: [12]\nlayers:\n"
        + "  - {name: fc1, type: dense, units: 10}\n  - {type: relu}\n"
        + "  - {name: fc2, type: dense, units: 8}\n  - {type: relu}\n"
        + "  - {name: fc3, type: dense, units: 3}\n";
    ArchitectureSpec spec = ArchitectureSpec.parse("mlp.yaml", yaml);
    Random rnd = new Random(seed);
    java.util.Map<String, io.nncompress.format.safetensors.Tensor> t = new java.util.LinkedHashMap<>();
    int[][] shapes = {{10, 12}, {8, 10}, {3, 8}};
    for (int k = 0; k < 3; k++) {
      double[] w = new double[shapes[k][0] * shapes[k][1]];
      for (int i = 0; i < w.length; i++) {
        w[i] = rnd.nextGaussian() / Math.sqrt(shapes[k][1]);
      }
      double[] b = new double[shapes[k][0]];
      for (int i = 0; i < b.length; i++) {
        b[i] = 0.1 * rnd.nextGaussian();
      }
      t.put("fc" + (k + 1) + ".weight", io.nncompress.format.safetensors.Tensor.f32(w, shapes[k][0], shapes[k][1]));
      t.put("fc" + (k + 1) + ".bias", io.nncompress.format.safetensors.Tensor.f32(b, shapes[k][0]));
    }
    return Network.build(spec, new io.nncompress.format.safetensors.SafetensorsFile(t), "mlp");
  }

  /** Correlated inputs: 12 features from 5 latent factors plus noise; one sample per column. */
  static DenseMatrix data(int n, long seed) {
    Random rnd = new Random(seed);
    double[][] a = new double[12][5];
    for (double[] row : a) {
      for (int j = 0; j < 5; j++) {
        row[j] = rnd.nextGaussian();
      }
    }
    DenseMatrix x = new DenseMatrix(12, n);
    for (int s = 0; s < n; s++) {
      double[] z = new double[5];
      for (int j = 0; j < 5; j++) {
        z[j] = rnd.nextGaussian();
      }
      for (int i = 0; i < 12; i++) {
        double v = 0.05 * rnd.nextGaussian() + 0.3;
        for (int j = 0; j < 5; j++) {
          v += a[i][j] * z[j];
        }
        x.set(i, s, v);
      }
    }
    return x;
  }

  @Test
  void removingNeuronsWithoutReconstructionEqualsTheMaskedNetwork() {
    Network net = mlp(1);
    DenseMatrix x = data(50, 2);
    List<int[]> kept = List.of(new int[] {0, 2, 3, 7, 11}, new int[] {1, 4, 5, 9}, new int[] {0, 2, 6, 7});
    Network small = LnrCompressor.removeNeurons(net, kept);
    // masked original: zero the columns of dropped inputs in every layer, same shapes
    List<Layer> layers = new ArrayList<>(net.layers());
    int w = 0;
    for (int i = 0; i < layers.size(); i++) {
      if (layers.get(i) instanceof DenseLayer) {
        DenseLayer d = (DenseLayer) layers.get(i);
        DenseMatrix m = d.weight().copy();
        java.util.Set<Integer> keep = new java.util.HashSet<>();
        for (int j : kept.get(w)) {
          keep.add(j);
        }
        for (int j = 0; j < m.cols; j++) {
          if (!keep.contains(j)) {
            for (int r = 0; r < m.rows; r++) {
              m.set(r, j, 0);
            }
          }
        }
        layers.set(i, new DenseLayer(d.spec(), m, d.bias()));
        w++;
      }
    }
    Network masked = net.with(null, layers);
    assertArrayEquals(new int[] {0, 2, 3, 7, 11}, small.inputSelect());
    assertEquals(4, ((DenseLayer) small.layer(0)).weight().rows);
    assertEquals(0.0, small.forward(x).maxAbsDiff(masked.forward(x)), 1e-12);
  }

  @Test
  void everyStrategyKeepsTheRequestedNeuronsAndStaysClose() {
    Network net = mlp(3);
    DenseMatrix x = data(2000, 4);
    InMemoryStatistics stats = new InMemoryStatistics(x, 256);
    DenseMatrix y = net.forward(x);
    for (ChainingStrategy s : ChainingStrategy.values()) {
      LnrCompressor.Result r = new LnrCompressor(s, name -> LambdaSearch.Target.keepCount(
          name.equals("fc1") ? 8 : name.equals("fc2") ? 7 : 6), GroupLassoSolver.defaults().tolerance(1e-9))
          .compress(net, stats);
      assertEquals(8, r.keptGroups.get(0).length, s.id);
      assertEquals(7, r.keptGroups.get(1).length, s.id);
      assertEquals(6, r.keptGroups.get(2).length, s.id);
      assertEquals(8, r.compressed.inputSelect().length);
      assertEquals(7, r.layers.get(0).outputsAfter);
      assertEquals(6, r.layers.get(1).outputsAfter);
      assertEquals(3, r.layers.get(2).outputsAfter);
      double rel = r.compressed.forward(x).minus(y).frobeniusNorm() / y.frobeniusNorm();
      assertTrue(rel < 0.3, s.id + ": relative output error " + rel);
      for (LayerReport l : r.layers) {
        assertTrue(l.paramsAfter < l.paramsBefore, l.layer);
        assertTrue(l.relativeErrorDebiased <= l.relativeErrorLasso + 1e-12, l.layer);
      }
    }
  }

  /** The layers each pass of a statistics source was asked for ("i:1,3" inputs, "j:3" joint). */
  static final class RecordingStatistics implements StatisticsSource {
    final InMemoryStatistics inner;
    final java.util.List<String> passes = new java.util.ArrayList<>();

    RecordingStatistics(InMemoryStatistics inner) {
      this.inner = inner;
    }

    @Override
    public io.nncompress.stats.AutocorrelationStats[] inputs(Network net, int[] layerIndices) {
      passes.add("i:" + java.util.Arrays.toString(layerIndices));
      return inner.inputs(net, layerIndices);
    }

    @Override
    public io.nncompress.stats.AutocorrelationStats[] joint(Network a, int[] indexA, Network b, int[] indexB) {
      passes.add("j:" + java.util.Arrays.toString(indexA));
      return inner.joint(a, indexA, b, indexB);
    }
  }

  // a plan of stages alone (every layer kept whole) spent a whole statistics pass for nothing
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(ChainingStrategy.class)
  void layersKeptWholeAreNotPassedOverAndTheOthersGetTheSameResult(ChainingStrategy s) {
    Network net = mlp(3);
    DenseMatrix x = data(1000, 4);
    RecordingStatistics none = new RecordingStatistics(new InMemoryStatistics(x, 256));
    LnrCompressor.Result whole = new LnrCompressor(s, name -> null, GroupLassoSolver.defaults()).compress(net, none);
    assertEquals(java.util.List.of(), none.passes, s.id);
    assertEquals(0.0, whole.compressed.forward(x).maxAbsDiff(net.forward(x)), 1e-12, s.id);

    // fc2 alone has a target: only its statistics are computed (network index 2: fc1, relu, fc2, ...)
    java.util.function.Function<String, LambdaSearch.Target> fc2 =
        name -> name.equals("fc2") ? LambdaSearch.Target.keepCount(7) : null;
    RecordingStatistics one = new RecordingStatistics(new InMemoryStatistics(x, 256));
    LnrCompressor.Result r = new LnrCompressor(s, fc2, GroupLassoSolver.defaults().tolerance(1e-9))
        .compress(net, one);
    assertEquals(java.util.List.of((s == ChainingStrategy.TOP_DOWN ? "j:" : "i:") + "[2]"), one.passes, s.id);
    // the same as when every layer's statistics are there (a source that always computes all of them)
    StatisticsSource all = new StatisticsSource() {
      final InMemoryStatistics in = new InMemoryStatistics(x, 256);

      @Override
      public io.nncompress.stats.AutocorrelationStats[] inputs(Network n, int[] idx) {
        io.nncompress.stats.AutocorrelationStats[] every = in.inputs(n, new int[] {0, 2, 4});
        return java.util.Arrays.stream(idx).mapToObj(i -> every[i / 2])
            .toArray(io.nncompress.stats.AutocorrelationStats[]::new);
      }

      @Override
      public io.nncompress.stats.AutocorrelationStats[] joint(Network a, int[] ia, Network b, int[] ib) {
        return in.joint(a, ia, b, ib);
      }
    };
    LnrCompressor.Result ref = new LnrCompressor(s, fc2, GroupLassoSolver.defaults().tolerance(1e-9))
        .compress(net, all);
    assertArrayEquals(ref.keptGroups.get(1), r.keptGroups.get(1), s.id);
    assertEquals(7, r.keptGroups.get(1).length, s.id);
    assertEquals(0.0, r.compressed.forward(x).maxAbsDiff(ref.compressed.forward(x)), 1e-12, s.id);
  }

  /** mlp(seed) with fc2's weight all zero (its output is its bias). */
  static Network mlpWithZeroFc2(long seed) {
    Network net = mlp(seed);
    java.util.Map<String, io.nncompress.format.safetensors.Tensor> t = new java.util.LinkedHashMap<>(net.tensors());
    t.put("fc2.weight", io.nncompress.format.safetensors.Tensor.f32(new double[8 * 10], 8, 10));
    return Network.build(net.spec(), new io.nncompress.format.safetensors.SafetensorsFile(t), "mlp");
  }

  // issue 17, item 1: an all-zero weight (lambda_max = 0) used to hang the lambda search
  @Test
  void allZeroLayerIsKeptWholeAndFlaggedInEveryStrategy() {
    Network net = mlpWithZeroFc2(7);
    DenseMatrix x = data(400, 8);
    DenseMatrix y = net.forward(x);
    for (ChainingStrategy s : ChainingStrategy.values()) {
      // the timeout only guards against the hang; the assertions are on the result
      LnrCompressor.Result r = assertTimeoutPreemptively(java.time.Duration.ofSeconds(120),
          () -> new LnrCompressor(s, name -> LambdaSearch.Target.keepFraction(0.5), GroupLassoSolver.defaults())
              .compress(net, new InMemoryStatistics(x, 100)));
      LayerReport fc2 = r.layers.get(1);
      assertEquals(10, fc2.inputsAfter, s.id + ": kept whole");
      assertFalse(fc2.targetReached, s.id);
      assertEquals(0.0, fc2.lambdaMax, 0.0);
      assertEquals(0.0, ((DenseLayer) r.compressed.layer(2)).weight().frobeniusNorm(), 0.0, s.id);
      // fc3 reads a constant: the network's output is unchanged by whatever fc1 keeps
      assertEquals(0.0, r.compressed.forward(x).maxAbsDiff(y), 1e-9, s.id);
    }
  }

  @Test
  void aTargetKeepingNoInputKeepsOneAndIsFlagged() {
    Network net = mlp(9);
    DenseMatrix x = data(400, 10);
    LnrCompressor.Result r = new LnrCompressor(ChainingStrategy.PARALLEL,
        name -> name.equals("fc3") ? LambdaSearch.Target.keepCount(0) : null, GroupLassoSolver.defaults())
        .compress(net, new InMemoryStatistics(x, 100));
    assertEquals(1, r.keptGroups.get(2).length);
    assertFalse(r.layers.get(2).targetReached);
    assertEquals(1, r.layers.get(1).outputsAfter);
  }

  // issue 17, item 4: a layer whose target top-down cannot meet is flagged, and its refit stays bounded
  @Test
  void topDownUnreachableTargetIsFlaggedPerLayer() {
    Network net = mlp(1);
    DenseMatrix x = data(300, 2);
    LnrCompressor.Result r = new LnrCompressor(ChainingStrategy.TOP_DOWN, name -> name.equals("fc1")
        ? LambdaSearch.Target.keepCount(5) : LambdaSearch.Target.maxRelativeError(1e-12), GroupLassoSolver.defaults())
        .compress(net, new InMemoryStatistics(x, 50));
    assertTrue(r.layers.get(0).targetReached);
    for (int k = 1; k < 3; k++) {
      LayerReport l = r.layers.get(k);
      assertFalse(l.targetReached, l.layer);
      assertEquals(l.inputsBefore, l.inputsAfter, l.layer + ": lambda = 0 keeps every input");
      assertTrue(l.relativeErrorDebiased > 1e-12 && l.relativeErrorDebiased < 1e-2, l.layer + " "
          + l.relativeErrorDebiased);
      double[] w = ((DenseLayer) r.compressed.layer(2 * k)).weight().data;
      double max = 0;
      for (double v : w) {
        max = Math.max(max, Math.abs(v));
      }
      assertTrue(max < 2, l.layer + ": largest weight " + max);
    }
  }

  @Test
  void topDownSecondLayerIsTheLeastSquaresFitToTheOriginalOutputFromCompressedInputs() {
    Network net = mlp(5);
    DenseMatrix x = data(800, 6);
    LnrCompressor.Result r = new LnrCompressor(ChainingStrategy.TOP_DOWN, name -> name.equals("fc2")
        ? LambdaSearch.Target.keepCount(6) : name.equals("fc1") ? LambdaSearch.Target.keepCount(9) : null,
        GroupLassoSolver.defaults().tolerance(1e-10)).compress(net, new InMemoryStatistics(x, 100));
    // rebuild by hand: z^ = input of fc2 in the network whose fc1 is the reconstruction (all rows)
    int[] s1 = r.keptGroups.get(0);
    int[] s2 = r.keptGroups.get(1);
    assertEquals(6, s2.length);
    DenseLayer fc1 = (DenseLayer) r.compressed.layer(0);
    DenseLayer fc2 = (DenseLayer) r.compressed.layer(2);
    // Z^ for the kept inputs of fc2: relu(fc1 rows s2 applied to x[s1])
    DenseMatrix xs = x.selectRows(s1);
    DenseMatrix zh = fc1.forward(xs);
    for (int k = 0; k < zh.data.length; k++) {
      zh.data[k] = Math.max(0, zh.data[k]);
    }
    // original Y = W2 z2 + b2
    DenseLayer o2 = (DenseLayer) net.layer(2);
    DenseMatrix z2 = ((DenseLayer) net.layer(0)).forward(x);
    for (int k = 0; k < z2.data.length; k++) {
      z2.data[k] = Math.max(0, z2.data[k]);
    }
    DenseMatrix y = o2.forward(z2);
    // least squares over samples: [M b] = Y X~^T (X~ X~^T)^-1 with X~ = [zh; 1], via normal equations
    int p = zh.rows + 1;
    DenseMatrix xt = new DenseMatrix(p, zh.cols);
    for (int s = 0; s < zh.cols; s++) {
      for (int i = 0; i < zh.rows; i++) {
        xt.set(i, s, zh.get(i, s));
      }
      xt.set(zh.rows, s, 1.0);
    }
    DenseMatrix g = new DenseMatrix(p, p);
    DenseMatrix.gemm(1.0, xt, false, xt, true, 0.0, g);
    DenseMatrix c = new DenseMatrix(y.rows, p);
    DenseMatrix.gemm(1.0, y, false, xt, true, 0.0, c);
    DenseMatrix want = c.times(inverse(g));
    for (int i = 0; i < y.rows; i++) {
      for (int j = 0; j < zh.rows; j++) {
        assertEquals(want.get(i, j), fc2.weight().get(i, j), 1e-6 * (1 + Math.abs(want.get(i, j))));
      }
      assertEquals(want.get(i, zh.rows), fc2.bias()[i], 1e-6 * (1 + Math.abs(want.get(i, zh.rows))));
    }
  }

  /** Gauss-Jordan inverse with partial pivoting (small, well-conditioned test matrices). */
  static DenseMatrix inverse(DenseMatrix a) {
    int n = a.rows;
    double[][] m = new double[n][2 * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        m[i][j] = a.get(i, j);
      }
      m[i][n + i] = 1;
    }
    for (int c = 0; c < n; c++) {
      int piv = c;
      for (int r = c + 1; r < n; r++) {
        if (Math.abs(m[r][c]) > Math.abs(m[piv][c])) {
          piv = r;
        }
      }
      double[] t = m[c];
      m[c] = m[piv];
      m[piv] = t;
      double d = m[c][c];
      for (int j = 0; j < 2 * n; j++) {
        m[c][j] /= d;
      }
      for (int r = 0; r < n; r++) {
        if (r != c) {
          double f = m[r][c];
          for (int j = 0; j < 2 * n; j++) {
            m[r][j] -= f * m[c][j];
          }
        }
      }
    }
    DenseMatrix inv = new DenseMatrix(n, n);
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        inv.set(i, j, m[i][n + j]);
      }
    }
    return inv;
  }

  @Test
  void lenetShapesChain() {
    LayerChain c = LayerChain.of(Architectures.lenet300100(1));
    assertEquals(3, c.size());
    assertEquals(784, c.groupCount(0));
    assertEquals(300, c.groupCount(1));
    assertEquals(100, c.outputUnits(1));
    LayerChain conv = LayerChain.of(Architectures.convnet(1));
    assertEquals(3, conv.size());
    assertEquals(8, conv.groupCount(1)); // conv2 reads conv1's 8 channels
    assertEquals(16, conv.groupCount(2)); // the dense layer reads conv2's 16 channels through flatten
    assertEquals(2, conv.groupOfColumn(2)[2 * 16]); // 4x4 maps: features 32..47 are channel 2
  }

  /** n random 1x28x28 images in [0, 1) (one per column). */
  static DenseMatrix images(int n, long seed) {
    Random rnd = new Random(seed);
    DenseMatrix x = new DenseMatrix(784, n);
    for (int k = 0; k < x.data.length; k++) {
      x.data[k] = rnd.nextDouble();
    }
    return x;
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.EnumSource(ChainingStrategy.class)
  void convnetCompressesChannels(ChainingStrategy s) {
    Network net = Architectures.convnet(7);
    DenseMatrix x = images(200, 8);
    InMemoryStatistics stats = new InMemoryStatistics(x, 100);
    DenseMatrix y = net.forward(x);
    {
      LnrCompressor.Result r = new LnrCompressor(s, name -> name.equals("conv2") ? LambdaSearch.Target.keepCount(6)
          : name.equals("fc1") ? LambdaSearch.Target.keepCount(12) : null, GroupLassoSolver.defaults().tolerance(1e-4))
          .compress(net, stats);
      assertEquals(1, r.keptGroups.get(0).length, s.id); // conv1 reads the input channel: kept whole
      assertEquals(6, r.keptGroups.get(1).length, s.id);
      assertEquals(12, r.keptGroups.get(2).length, s.id);
      io.nncompress.model.Conv2dLayer c1 = (io.nncompress.model.Conv2dLayer) r.compressed.layer(0);
      io.nncompress.model.Conv2dLayer c2 = (io.nncompress.model.Conv2dLayer) r.compressed.layer(3);
      DenseLayer fc = (DenseLayer) r.compressed.layer(7);
      assertEquals(6, c1.weight().rows, s.id); // conv1 keeps the 6 channels conv2 reads
      assertEquals(25, c1.weight().cols, s.id);
      assertEquals(12, c2.weight().rows, s.id); // conv2 keeps the 12 channels fc reads
      assertEquals(6 * 25, c2.weight().cols, s.id);
      assertEquals(10, fc.weight().rows, s.id);
      assertEquals(12 * 16, fc.weight().cols, s.id);
      // the kept conv1 filters are the original ones (conv1 is not reconstructed)
      DenseMatrix w1 = ((io.nncompress.model.Conv2dLayer) net.layer(0)).weight();
      for (int i = 0; i < 6; i++) {
        for (int j = 0; j < 25; j++) {
          assertEquals(w1.get(r.keptGroups.get(1)[i], j), c1.weight().get(i, j), 1e-6, s.id);
        }
      }
      DenseMatrix out = r.compressed.forward(x);
      assertEquals(10, out.rows);
      assertEquals(200, out.cols);
      double rel = out.minus(y).frobeniusNorm() / y.frobeniusNorm();
      assertTrue(rel < 0.5, s.id + ": relative output error " + rel);
      for (LayerReport l : r.layers.subList(1, 3)) {
        assertTrue(l.paramsAfter < l.paramsBefore, l.layer);
        assertTrue(l.relativeErrorDebiased <= l.relativeErrorLasso + 1e-9, l.layer);
      }
    }
  }

  @Test
  void removingChannelsWithoutReconstructionEqualsTheMaskedConvnet() {
    Network net = Architectures.convnet(3);
    DenseMatrix x = images(20, 4);
    List<int[]> kept = List.of(new int[] {0}, new int[] {0, 2, 3, 5, 7}, new int[] {1, 2, 4, 8, 9, 10, 13, 15});
    Network small = LnrCompressor.removeNeurons(net, kept);
    // masked original: zero the columns of dropped channels (conv: 25 columns per channel, dense: 16)
    List<Layer> layers = new ArrayList<>(net.layers());
    int[] weighted = {0, 3, 7};
    int[] perChannel = {25, 25, 16};
    for (int w = 0; w < 3; w++) {
      Layer l = layers.get(weighted[w]);
      java.util.Set<Integer> keep = new java.util.HashSet<>();
      for (int c : kept.get(w)) {
        keep.add(c);
      }
      DenseMatrix m = l instanceof DenseLayer ? ((DenseLayer) l).weight().copy()
          : ((io.nncompress.model.Conv2dLayer) l).weight().copy();
      for (int j = 0; j < m.cols; j++) {
        if (!keep.contains(j / perChannel[w])) {
          for (int i = 0; i < m.rows; i++) {
            m.set(i, j, 0);
          }
        }
      }
      if (l instanceof DenseLayer) {
        layers.set(weighted[w], new DenseLayer(l.spec(), m, ((DenseLayer) l).bias()));
      } else {
        io.nncompress.model.Conv2dLayer c = (io.nncompress.model.Conv2dLayer) l;
        layers.set(weighted[w], new io.nncompress.model.Conv2dLayer(l.spec(), l.inputShape(), 5, 5, m, c.bias()));
      }
    }
    Network masked = net.with(null, layers);
    assertEquals(5, ((io.nncompress.model.Conv2dLayer) small.layer(0)).weight().rows);
    assertEquals(8, ((io.nncompress.model.Conv2dLayer) small.layer(3)).weight().rows);
    assertEquals(5 * 25, ((io.nncompress.model.Conv2dLayer) small.layer(3)).weight().cols);
    assertEquals(8 * 16, ((DenseLayer) small.layer(7)).weight().cols);
    DenseMatrix want = masked.forward(x);
    assertTrue(want.frobeniusNorm() > 0);
    assertEquals(0.0, small.forward(x).maxAbsDiff(want), 1e-9);
  }
}
