package io.nncompress.bench;

import io.nncompress.compress.InMemoryStatistics;
import io.nncompress.data.LabeledImages;
import io.nncompress.lnr.GroupLassoProblem;
import io.nncompress.model.DenseLayer;
import io.nncompress.model.Layer;
import io.nncompress.model.Network;
import io.nncompress.stats.AutocorrelationStats;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The group-lasso problems of the demo's LeNet-300-100 (conf/demo, trained on Fashion-MNIST) as the
 * demo's PARALLEL strategy poses them: every dense layer's bias-augmented input autocorrelation over
 * the first n training images (Debian's dataset-fashion-mnist), W~ = [W b].
 */
final class DemoLayers {
  private DemoLayers() {
  }

  /** Layer name to problem (fc1: h 300, p 785; fc2: 100, 301; fc3: 10, 101), in network order. */
  static Map<String, GroupLassoProblem> load(Path home, Path fashionMnist, int images) throws IOException {
    Network net = Network.load(home.resolve("conf/demo/lenet300100.yaml"),
        home.resolve("conf/demo/lenet300100.safetensors"));
    LabeledImages train = LabeledImages.fashionMnist(fashionMnist, true);
    int n = Math.min(images, train.size());
    List<Integer> idx = new ArrayList<>();
    for (int k = 0; k < net.layers().size(); k++) {
      if (net.layer(k) instanceof DenseLayer) {
        idx.add(k);
      }
    }
    int[] layers = idx.stream().mapToInt(Integer::intValue).toArray();
    AutocorrelationStats[] stats = new InMemoryStatistics(train.batch(0, n), 1000).inputs(net, layers);
    Map<String, GroupLassoProblem> out = new LinkedHashMap<>();
    for (int a = 0; a < layers.length; a++) {
      Layer l = net.layer(layers[a]);
      DenseLayer dense = (DenseLayer) l;
      if (!stats[a].biasAugmented()) {
        throw new IllegalStateException("expected a bias-augmented autocorrelation for " + l.name());
      }
      out.put(l.name(), GroupLassoProblem.forLayer(dense.weight(), dense.bias(), stats[a].autocorrelation()));
    }
    return out;
  }
}
