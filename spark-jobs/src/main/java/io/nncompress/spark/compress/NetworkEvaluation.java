package io.nncompress.spark.compress;

import io.nncompress.compress.Evaluation;
import io.nncompress.compress.LayerChain;
import io.nncompress.compress.LnrCompressor;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Conv2dLayer;
import io.nncompress.model.Layer;
import io.nncompress.model.LayerType;
import io.nncompress.model.Network;
import io.nncompress.progress.Phase;
import io.nncompress.progress.Progress;
import io.nncompress.spark.autocorr.BadInputException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

/**
 * A network the engine runs, after LNR and after each stage: its weights replaced by what the
 * encoded layers decode to, and one distributed pass comparing it with the original on held-out data.
 */
final class NetworkEvaluation {
  private final SparkSession spark;
  private final int batchSize;

  NetworkEvaluation(SparkSession spark, int batchSize) {
    this.spark = spark;
    this.batchSize = batchSize;
  }

  /** One distributed pass comparing the two networks on held-out data. */
  public Evaluation evaluate(Network original, Network compressed, List<int[]> keptOutputs, InputData data) {
    return evaluate(original, compressed, keptOutputs, data, true);
  }

  /**
   * Like {@link #evaluate(Network, Network, List, InputData)}; without {@code layerErrors} only the
   * predictions are compared (accuracy, agreement), without the joint statistics of every layer's
   * inputs that the per-layer errors need (most of a pass's work).
   */
  public Evaluation evaluate(Network original, Network compressed, List<int[]> keptOutputs, InputData data,
      boolean layerErrors) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    jsc.setJobGroup("nncompress-compress", "nncompress compress: evaluation over " + data.dataset, false);
    Broadcast<NetworkBytes> a = jsc.broadcast(NetworkBytes.of(original));
    Broadcast<NetworkBytes> b = jsc.broadcast(NetworkBytes.of(compressed));
    int batch = batchSize;
    Phase phase = Progress.phase("evaluation").message("over " + data.dataset).start();
    try {
      Evaluation.Partial p = data.rows().mapPartitions(it -> {
        Evaluation.Probe probe = new Evaluation.Probe(a.value().build(), b.value().build(), layerErrors);
        data.forEachBatch(it, batch, probe::add);
        return Collections.singletonList(probe.finish()).iterator();
      }).treeReduce(Evaluation.Partial::merge, 2);
      if (p.samples() == 0) {
        throw new BadInputException("Dataset " + data.dataset + ": the dataset has no rows");
      }
      return Evaluation.of(original, compressed, keptOutputs, p);
    } catch (BadInputException e) {
      throw e;
    } catch (Exception e) {
      BadInputException bad = BadInputException.find(e);
      throw bad != null ? new BadInputException(bad.getMessage(), e)
          : io.nncompress.spark.autocorr.ParquetInputs.wrapReadFailure(data.dataset, e);
    } finally {
      a.destroy();
      b.destroy();
      jsc.clearJobGroup();
      phase.close();
    }
  }

  /**
   * The network with each weighted layer's weight replaced by what its encoded form decodes to. A
   * low-rank form (P Q^T, stored as factors only when r (h + d) &lt; h d) becomes two layers, NAME.0
   * (Q^T) and NAME.1 (P and the bias): see {@link io.nncompress.model.FactoredLayers}.
   */
  static Network withWeights(Network net, LayerChain chain, List<io.nncompress.codec.EncodedTensor> enc) {
    Map<String, io.nncompress.format.safetensors.Tensor> tensors = new LinkedHashMap<>(net.tensors());
    Map<String, DenseMatrix[]> factors = new LinkedHashMap<>();
    for (int k = 0; k < chain.size(); k++) {
      Layer l = chain.layer(k);
      if (enc.get(k) instanceof DistributedLayers.Encoded) {
        // decoded where it is read (the evaluation's tasks), streamed when written: never whole here
        tensors.put(l.spec().weight, ((DistributedLayers.Encoded) enc.get(k)).tensor());
        continue;
      }
      if (enc.get(k) instanceof io.nncompress.codec.lowrank.LowRankEncoded f
          && io.nncompress.codec.lowrank.LowRankEncoded.savesWeights(f.rows(), f.cols(), f.rank())) {
        factors.put(l.name(), new DenseMatrix[] {f.first(), f.second()});
        continue;
      }
      DenseMatrix w = enc.get(k).decode();
      int[] shape = CompressedModelStore.shapeOf(l);
      long[] ls = new long[shape.length];
      for (int i = 0; i < shape.length; i++) {
        ls[i] = shape[i];
      }
      tensors.put(l.spec().weight, io.nncompress.format.safetensors.Tensor.f32(w.toRowMajor(), ls));
    }
    Network decoded = Network.build(net.spec(), new io.nncompress.format.safetensors.SafetensorsFile(tensors),
        net.name());
    return factors.isEmpty() ? decoded : io.nncompress.model.FactoredLayers.split(decoded, factors);
  }


  /** Kept output units of each weighted layer of the original network. */
  public static List<int[]> keptOutputs(LnrCompressor.Result r) {
    List<int[]> out = new ArrayList<>();
    LayerChain chain = LayerChain.of(r.original);
    for (int k = 0; k < chain.size(); k++) {
      if (k + 1 < chain.size()) {
        out.add(r.keptGroups.get(k + 1));
      } else {
        int[] all = new int[chain.outputUnits(k)];
        for (int i = 0; i < all.length; i++) {
          all[i] = i;
        }
        out.add(all);
      }
    }
    return out;
  }


  /** Weights and biases of the weighted (dense, conv2d) layers. */
  public static long params(Network net) {
    long s = 0;
    for (Layer l : net.layers()) {
      if (l.type() == LayerType.DENSE || l.type() == LayerType.CONV2D) {
        DenseMatrix w = LayerChain.weight(l);
        double[] b = LayerChain.bias(l);
        s += (long) w.rows * w.cols + (b == null ? 0 : b.length);
      }
    }
    return s;
  }

  /**
   * The weights and biases of {@link #params} that are not zero: a pruned weight is a removed
   * parameter (stored sparse, Deep Compression's count).
   */
  public static long nonzeroParams(Network net) {
    long s = 0;
    for (Layer l : net.layers()) {
      if (l.type() == LayerType.DENSE || l.type() == LayerType.CONV2D) {
        for (double v : LayerChain.weight(l).data) {
          s += v != 0 ? 1 : 0;
        }
        double[] b = LayerChain.bias(l);
        for (int i = 0; b != null && i < b.length; i++) {
          s += b[i] != 0 ? 1 : 0;
        }
      }
    }
    return s;
  }

  /**
   * Multiply-adds of one forward pass of one sample through the weighted layers; a low-rank layer
   * as two layers costs r (d + h) (dense), r (I k k + O) per output position (conv).
   */
  public static long macs(Network net) {
    long s = 0;
    for (Layer l : net.layers()) {
      if (l.type() == LayerType.DENSE) {
        s += (long) l.inputShape().size() * l.outputShape().size();
      } else if (l.type() == LayerType.CONV2D) {
        Conv2dLayer c = (Conv2dLayer) l;
        s += (long) c.weight().rows * c.weight().cols * c.geometry().positions();
      }
    }
    return s;
  }
}
