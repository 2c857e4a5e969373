package io.nncompress.spark.compress;

import io.nncompress.compress.Evaluation;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.model.Network;
import java.util.Map;

/**
 * The evaluation of the network the previous stage decoded to, for a stage that decodes to the very
 * same network (a lossless stage such as huffman after kmeans): the same spec and every weight equal
 * bit for bit, so a pass over the evaluation data would count the same. A network with a tensor not
 * held in memory (a large layer left on file or decoded in the tasks) is always evaluated.
 */
final class EvaluationReuse {
  private Network network;
  private Evaluation evaluation;
  private int passes;

  /** Starts from {@code net} evaluated as {@code e} (null: not evaluated). */
  EvaluationReuse(Network net, Evaluation e) {
    evaluated(net, e);
  }

  /** {@code net} was evaluated as {@code e}. */
  void evaluated(Network net, Evaluation e) {
    this.network = net;
    this.evaluation = e;
  }

  /**
   * The evaluation of the last network if {@code net} is the same network, else {@code evaluate}'s
   * (a pass over the data), which is then the last.
   */
  Evaluation evaluate(Network net, java.util.function.Supplier<Evaluation> evaluate) {
    Evaluation e = of(net);
    if (e == null) {
      e = evaluate.get();
      passes++;
      evaluated(net, e);
    }
    return e;
  }

  /** Passes over the data {@link #evaluate} made. */
  int passes() {
    return passes;
  }

  /** The evaluation of the last network if {@code net} is the same network, else null. */
  Evaluation of(Network net) {
    if (evaluation == null || !same(network, net)) {
      return null;
    }
    return evaluation;
  }

  static boolean same(Network a, Network b) {
    if (a == null || b == null || !a.spec().toYaml().equals(b.spec().toYaml())) {
      return false;
    }
    Map<String, Tensor> ta = a.tensors();
    Map<String, Tensor> tb = b.tensors();
    if (!ta.keySet().equals(tb.keySet())) {
      return false;
    }
    for (Map.Entry<String, Tensor> e : ta.entrySet()) {
      Tensor x = e.getValue();
      Tensor y = tb.get(e.getKey());
      if (x.isDeferred() || y.isDeferred() || !x.equals(y)) {
        return false;
      }
    }
    return true;
  }
}
