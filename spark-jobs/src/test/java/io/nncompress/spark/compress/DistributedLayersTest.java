package io.nncompress.spark.compress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.codec.DeepCompressedTensor;
import io.nncompress.codec.TensorCodecs;
import io.nncompress.compress.StagePlan;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.ArchitectureSpec;
import io.nncompress.model.DenseLayer;
import io.nncompress.model.FeatureShape;
import io.nncompress.model.Network;
import io.nncompress.spark.SparkTestSession;
import io.nncompress.spark.autocorr.BadInputException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which weights the job leaves on file (from the spec, the header's shapes and the config alone), and what it writes for them. */
class DistributedLayersTest {
  static final ArchitectureSpec SPEC = ArchitectureSpec.parse("net.yaml", "name: net\ninput: [20]\nlayers:\n"
      + "  - {name: a, type: dense, units: 30}\n  - {type: relu}\n"
      + "  - {name: b, type: dense, units: 30}\n  - {name: bn, type: batchnorm}\n"
      + "  - {name: c, type: dense, units: 4}\n");
  static final Map<String, long[]> SHAPES = Map.of("a.weight", new long[] {30, 20}, "a.bias", new long[] {30},
      "b.weight", new long[] {30, 30}, "b.bias", new long[] {30}, "c.weight", new long[] {4, 30},
      "c.bias", new long[] {4}, "bn.weight", new long[] {30}, "bn.bias", new long[] {30},
      "bn.running_mean", new long[] {30}, "bn.running_var", new long[] {30});

  static CompressionConfig config(String stages) {
    return CompressionConfig.parse("t.yaml", "model: {spec: net.yaml, weights: net.safetensors}\n"
        + "data: {calibration: /d}\nlnr:\n  target: {keep_fraction: 0.5}\n  layers: {a: none, b: none, c: none}\n"
        + "stages:\n" + stages + "output: /o\n", Path.of("/tmp"));
  }

  @Test
  void largeLayersKeptWholeThatShareWeightsStayOnFile() {
    // a (600) and b (900) are above 500, c (120) is not; b is followed by a batchnorm (folding changes it)
    assertEquals(Set.of("a.weight"), DistributedLayers.onFile(config("  plan: kmeans(4) -> huffman\n"
        + "  distributed_above: 500\n"), SPEC, SHAPES));
    // everything above 100, c included; default threshold (50M): nothing
    assertEquals(Set.of("a.weight", "c.weight"), DistributedLayers.onFile(config("  plan: kmeans_aware(2)\n"
        + "  distributed_above: 100\n"), SPEC, SHAPES));
    assertEquals(Set.of(), DistributedLayers.onFile(config("  plan: kmeans(4)\n"), SPEC, SHAPES));
    // stages without weight sharing: not routed, kept in memory
    assertEquals(Set.of(), DistributedLayers.onFile(config("  plan: uniform(8)\n  distributed_above: 100\n"), SPEC,
        SHAPES));
    // a layer with an LNR target is computed on the driver: not left on file
    CompressionConfig c = config("  plan: kmeans(4)\n  distributed_above: 100\n");
    c.keptWhole.remove("a");
    assertEquals(Set.of("c.weight"), DistributedLayers.onFile(c, SPEC, SHAPES));
  }

  /**
   * The form written for a layer clustered on the executors: Huffman coded from the partitions'
   * streams where that is smaller (a 60 x 50 layer of Laplace weights: the bytes the local encoder
   * writes for the same codes), the fixed-width codes where the code tables cost more (4 x 5).
   */
  @Test
  void distributedLayersAreHuffmanCodedWhereThatIsSmaller() {
    java.util.Random rnd = new java.util.Random(5);
    DenseMatrix big = new DenseMatrix(60, 50);
    for (int k = 0; k < big.data.length; k++) {
      big.data[k] = Math.log(rnd.nextDouble()) * (rnd.nextBoolean() ? 1 : -1);
    }
    DenseMatrix small = new DenseMatrix(4, 60);
    for (int k = 0; k < small.data.length; k++) {
      small.data[k] = rnd.nextGaussian();
    }
    Network net = new Network("t", FeatureShape.flat(50), null, List.of(new DenseLayer("big", big, new double[60]),
        new DenseLayer("small", small, new double[4])));
    CompressionConfig c = CompressionConfig.parse("t.yaml", "model: {spec: net.yaml, weights: net.safetensors}\n"
        + "data: {calibration: /d}\nlnr:\n  target: none\nstages:\n  plan: kmeans(4) -> huffman\n"
        + "  distributed_above: 100\noutput: /o\n", Path.of("/tmp"));
    DistributedLayers d = new DistributedLayers(SparkTestSession.get(), c, net);
    assertEquals(Set.of("big", "small"), d.routed());
    StagePlan plan = StagePlan.parse("kmeans(4) -> huffman");
    for (int k = 0; k < 2; k++) {
      DeepCompressedTensor written = (DeepCompressedTensor) TensorCodecs.decode(DeepCompressedTensor.CODEC,
          d.encode(net.layer(k), plan, null).encode());
      byte[] coded = DeepCompressedTensor.of(written.shared(), false, 0, true).encode();
      byte[] fixed = DeepCompressedTensor.of(written.shared(), false, 0, false).encode();
      assertEquals(k == 0, written.isHuffman(), coded.length + " bytes Huffman coded, " + fixed.length + " fixed");
      assertArrayEquals(k == 0 ? coded : fixed, written.encode());
      assertEquals(Math.min(coded.length, fixed.length), written.encode().length);
    }
  }

  @Test
  void pruningALargeLayerIsAConfigError() {
    BadInputException e = assertThrows(BadInputException.class, () -> DistributedLayers.onFile(config(
        "  plan: kmeans(4)\n  layers: {b: prune(0.5) -> kmeans(4)}\n  distributed_above: 500\n"), SPEC, SHAPES));
    assertTrue(e.getMessage().contains("Config t.yaml, key stages.distributed_above: layer b has 900 weights")
        && e.getMessage().contains("stages.layers.b"), e.getMessage());
  }
}
