package io.nncompress.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.format.safetensors.SafetensorsReader;
import io.nncompress.format.safetensors.SafetensorsWriter;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.GroupLassoSolver;
import io.nncompress.lnr.LambdaSearch;
import io.nncompress.model.DenseLayer;
import io.nncompress.model.ModelSpecException;
import io.nncompress.model.Network;
import io.nncompress.stats.AutocorrelationStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dense weights left on file: read only when a forward pass needs them, never by LNR of a layer kept whole. */
class DeferredWeightsTest {
  @TempDir
  Path dir;
  final List<String> reads = new ArrayList<>();

  @AfterEach
  void noListener() {
    SafetensorsReader.onTensorRead(null);
  }

  Network saved(Network net) throws Exception {
    net.save(dir.resolve("mlp.safetensors"), dir.resolve("mlp.yaml"), Map.of());
    SafetensorsReader.onTensorRead((file, tensor) -> reads.add(tensor));
    return Network.load(dir.resolve("mlp.yaml"), dir.resolve("mlp.safetensors"), Set.of("fc2.weight"));
  }

  @Test
  void aDeferredWeightIsReadOnlyWhenAForwardPassNeedsIt() throws Exception {
    Network eager = LnrCompressorTest.mlp(5);
    Network net = saved(eager);
    assertFalse(reads.contains("fc2.weight"), "loading read " + reads);
    assertTrue(reads.contains("fc1.weight") && reads.contains("fc2.bias"), reads.toString());
    reads.clear();
    // shapes, spec, chain, digest and the safetensors bytes need no read... but the bytes do stream it
    DenseLayer fc2 = (DenseLayer) net.layer(2);
    assertEquals(8, fc2.weightRows());
    assertEquals(10, fc2.weightCols());
    LayerChain chain = LayerChain.of(net);
    assertEquals(10, chain.groupCount(1));
    assertFalse(LayerChain.weightHeld(fc2));
    byte[] d1 = net.digest();
    assertEquals(List.of(), reads);
    assertArrayEquals(d1, net.digest());
    // the file's bytes, streamed from the deferred tensor, are the eager network's (float32 of the same values)
    byte[] bytes = SafetensorsWriter.toBytes(net.tensors(), Map.of());
    assertEquals(List.of("fc2.weight"), reads);
    assertFalse(LayerChain.weightHeld(fc2), "streaming keeps nothing");
    assertArrayEquals(Files.readAllBytes(dir.resolve("mlp.safetensors")), bytes);

    DenseMatrix x = LnrCompressorTest.data(50, 2);
    reads.clear();
    assertEquals(0.0, eager.forward(x).maxAbsDiff(net.forward(x)), 1e-6);
    assertEquals(List.of("fc2.weight"), reads);
    assertTrue(LayerChain.weightHeld(fc2));
    net.forward(x);
    assertEquals(List.of("fc2.weight"), reads, "read once, then held");
  }

  /** LNR of a network whose layer kept whole is on file: the compressed layer is its kept rows, still on file. */
  @Test
  void lnrKeepsALayerKeptWholeOnFile() throws Exception {
    Network eager = LnrCompressorTest.mlp(6);
    Network net = saved(eager);
    reads.clear();
    DenseMatrix x = LnrCompressorTest.data(400, 3);
    InMemoryStatistics fromEager = new InMemoryStatistics(x, 100);
    // the statistics of the same network, computed from its eager copy (a cluster would read the file on its executors)
    StatisticsSource stats = new StatisticsSource() {
      @Override
      public AutocorrelationStats[] inputs(Network n, int[] idx) {
        return fromEager.inputs(eager, idx);
      }

      @Override
      public AutocorrelationStats[] joint(Network a, int[] ia, Network b, int[] ib) {
        throw new UnsupportedOperationException();
      }
    };
    java.util.function.Function<String, LambdaSearch.Target> targets = name -> name.equals("fc2") ? null
        : LambdaSearch.Target.keepCount(name.equals("fc1") ? 9 : 5);
    for (ChainingStrategy s : new ChainingStrategy[] {ChainingStrategy.PARALLEL, ChainingStrategy.BOTTOM_UP}) {
      LnrCompressor.Result onFile = new LnrCompressor(s, targets, GroupLassoSolver.defaults().tolerance(1e-10))
          .compress(net, stats);
      assertEquals(List.of(), reads, s + ": LNR read the layer kept whole");
      LnrCompressor.Result inMemory = new LnrCompressor(s, targets, GroupLassoSolver.defaults().tolerance(1e-10))
          .compress(eager, fromEager);
      assertArrayEquals(inMemory.keptGroups.get(2), onFile.keptGroups.get(2));
      DenseLayer fc2 = (DenseLayer) onFile.compressed.layer(2);
      assertNotNull(fc2.deferredWeight(), "the compressed fc2 is still on file");
      assertFalse(LayerChain.weightHeld(fc2));
      assertEquals(5, fc2.weightRows()); // fc3 keeps 5 of its 8 inputs: fc2's kept rows
      assertEquals(onFile.layers.get(1).paramsAfter, inMemory.layers.get(1).paramsAfter);
      assertEquals(5L * 10 + 5, onFile.layers.get(1).paramsAfter);
      // the same compressed network, once read
      DenseMatrix a = inMemory.compressed.forward(x);
      DenseMatrix b = onFile.compressed.forward(x);
      assertTrue(a.maxAbsDiff(b) < 1e-5 * (1 + a.frobeniusNorm()), s + ": " + a.maxAbsDiff(b));
      assertEquals(List.of("fc2.weight"), reads, "the forward pass reads the kept rows");
      reads.clear();
    }
  }

  @Test
  void onlyDenseWeightsCanBeLeftOnFileAndAChangedFileIsNoticed() throws Exception {
    Network net = saved(LnrCompressorTest.mlp(7));
    ModelSpecException e = assertThrows(ModelSpecException.class, () -> Network.load(dir.resolve("mlp.yaml"),
        dir.resolve("mlp.safetensors"), Set.of("fc2.bias")));
    assertTrue(e.getMessage().contains("fc2.bias") && e.getMessage().contains("fc1.weight"), e.getMessage());
    // the file is rewritten with other content: reading the deferred rows fails naming the file and tensor
    Network other = LnrCompressorTest.mlp(8);
    Thread.sleep(20);
    other.save(dir.resolve("mlp.safetensors"), dir.resolve("other.yaml"), Map.of("note", "another file"));
    Tensor w = ((DenseLayer) net.layer(2)).deferredWeight();
    Exception x = assertThrows(Exception.class, w::values);
    assertTrue(x.getMessage().contains("fc2.weight") && x.getMessage().contains("changed"), x.getMessage());
  }
}
