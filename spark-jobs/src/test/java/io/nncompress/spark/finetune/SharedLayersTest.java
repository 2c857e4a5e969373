package io.nncompress.spark.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.codec.DeepCompressedTensor;
import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.DenseLayer;
import io.nncompress.model.Network;
import io.nncompress.train.ConstrainedNetwork;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedLayersTest {
  @Test
  void centroidFineTuningKeepsTheCodesAndReencodesWithTheTrainedCodebook() {
    Network net = DataParallelTrainerTest.mlp(21);
    DenseMatrix w1 = ((DenseLayer) net.layer(0)).weight();
    w1.data[3] = 0.0;
    WeightSharing ws = WeightSharing.fit(w1, 2, WeightSharing.Solver.OPTIMAL, null, true, 1);
    DeepCompressedTensor enc = DeepCompressedTensor.of(ws, true, 4, true);
    // the decoded network: fc1 as its shared form decodes, fc2 as it is (another codec: kept)
    System.arraycopy(enc.decode().data, 0, w1.data, 0, w1.data.length);
    double[] w2 = ((DenseLayer) net.layer(2)).weight().data.clone();
    double[] b1 = ((DenseLayer) net.layer(0)).bias().clone();
    SharedLayers shared = new SharedLayers(List.of("fc1", "fc2"), List.of(enc, new io.nncompress.codec.EncodedBytes(
        "float32", 3, 8, new byte[0])));
    assertTrue(shared.any());
    ConstrainedNetwork c = shared.constrain(net);
    assertEquals(4 + 8 + 24 + 3, c.size(), "4 centroids (fc1's weights) and the frozen values travel");
    try (TrainingData t = TrainingData.of(DataParallelTrainerTest.JSC, DataParallelTrainerTest.images(200, 9), 2)) {
      new DataParallelTrainer(DataParallelTrainerTest.SPARK, DataParallelTrainerTest.settings(3, 50, null))
          .train(c, null, t, null);
    }
    List<EncodedTensor> after = shared.reencode(c);
    DeepCompressedTensor tuned = (DeepCompressedTensor) after.get(0);
    assertArrayEquals(ws.codes(), tuned.shared().codes(), "the indices are unchanged");
    assertTrue(tuned.isHuffman() && tuned.isSparse());
    float[] cb = tuned.shared().codebook();
    assertTrue(!java.util.Arrays.equals(ws.codebook(), cb), "the centroids moved");
    // the re-encoded bytes decode to the trained weights (float32), the pruned weight stays 0
    DenseMatrix decoded = DeepCompressedTensor.fromBytes(tuned.encode()).decode();
    assertEquals(0.0, decoded.data[3], 0.0);
    for (int e = 0; e < decoded.data.length; e++) {
      assertEquals((float) w1.data[e], decoded.data[e], 0.0, "weight " + e);
    }
    assertArrayEquals(w2, ((DenseLayer) net.layer(2)).weight().data, 0.0, "another codec's layer is frozen");
    assertArrayEquals(b1, ((DenseLayer) net.layer(0)).bias(), 0.0, "biases are frozen");
  }
}
