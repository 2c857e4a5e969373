package io.nncompress.compress;

import io.nncompress.format.safetensors.SafetensorsFile;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.ArchitectureSpec;
import io.nncompress.model.Conv2dLayer;
import io.nncompress.model.DenseLayer;
import io.nncompress.model.Layer;
import io.nncompress.model.LayerSpec;
import io.nncompress.model.LayerType;
import io.nncompress.model.Network;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The last step of LNR: the compressed network, its layers' shapes reduced consistently (an input
 * group dropped by layer k+1 removes the matching output row and bias of layer k).
 */
final class NetworkAssembly {
  private NetworkAssembly() {}

  /** The compressed network and a report per weighted layer. */
  record Assembled(Network compressed, List<LayerReport> reports) {}

  /**
   * The network with the given input groups of each weighted layer removed and NO reconstruction:
   * the weights of the kept columns unchanged, output rows dropped where the next layer no longer
   * reads them. It computes exactly what the original computes with the dropped neurons masked.
   */
  static Network removeNeurons(Network original, List<int[]> keptGroups) {
    Network net = original.foldBatchNorm();
    LayerChain chain = LayerChain.of(net);
    int n = chain.size();
    if (keptGroups.size() != n) {
      throw new IllegalArgumentException("keptGroups must have one entry per weighted layer (" + n + "), cannot have: "
          + keptGroups.size());
    }
    DenseMatrix[] m = new DenseMatrix[n];
    int[][] outRows = new int[n][];
    int[][] kept = new int[n][];
    LayerReport[] reports = new LayerReport[n];
    for (int k = 0; k < n; k++) {
      outRows[k] = LayerProblems.range(chain.outputUnits(k));
      m[k] = LayerProblems.augmented(chain.layer(k), outRows[k]);
      kept[k] = keptGroups.get(k).clone();
      reports[k] = LayerReport.of(chain, k, kept[k], null, "null");
    }
    return assemble(net, chain, m, outRows, kept, reports).compressed();
  }

  // the network with weighted layer k's weights replaced by M (dropped columns are zero), same shapes
  static Network replace(Network current, LayerChain chain, int k, DenseMatrix mk) {
    List<Layer> layers = new ArrayList<>(current.layers());
    int idx = chain.networkIndex(k);
    Layer l = layers.get(idx);
    int d = mk.cols - 1;
    DenseMatrix w = new DenseMatrix(mk.rows, d);
    System.arraycopy(mk.data, 0, w.data, 0, w.data.length);
    double[] b = LayerChain.bias(l) == null ? null : mk.column(d);
    if (l instanceof DenseLayer) {
      layers.set(idx, new DenseLayer(l.spec(), w, b));
    } else {
      Conv2dLayer c = (Conv2dLayer) l;
      layers.set(idx, new Conv2dLayer(l.spec(), l.inputShape(), c.geometry().kernelH, c.geometry().kernelW, w, b));
    }
    return current.with(current.inputSelect(), layers);
  }

  /**
   * The compressed network from each weighted layer's reconstruction m[k] (rows outRows[k]; null:
   * kept whole with its weight on file) and kept input groups: output rows the next layer no longer
   * reads are dropped, and the first layer's dropped features leave the network's input selection.
   * {@code reports} (one per layer) get their outputs and parameters after.
   */
  static Assembled assemble(Network net, LayerChain chain, DenseMatrix[] m, int[][] outRows, int[][] kept,
      LayerReport[] reports) {
    int n = chain.size();
    Map<String, Tensor> tensors = new LinkedHashMap<>(net.tensors());
    ArchitectureSpec spec = net.spec();
    List<LayerSpec> specs = new ArrayList<>(spec.layers);
    List<LayerReport> out = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      Layer l = chain.layer(k);
      int[] rowsWanted = k == n - 1 ? LayerProblems.range(chain.outputUnits(k)) : kept[k + 1];
      int[] rowPos = positions(outRows[k], rowsWanted, l.name());
      int[] groupOf = chain.groupOfColumn(k);
      TreeSet<Integer> keptSet = new TreeSet<>();
      for (int g : kept[k]) {
        keptSet.add(g);
      }
      int[] cols = Arrays.stream(LayerProblems.range(groupOf.length)).filter(j -> keptSet.contains(groupOf[j])).toArray();
      Tensor onFile = m[k] == null ? LayerChain.deferredWeight(l) : null;
      if (m[k] == null && onFile == null) {
        m[k] = LayerProblems.augmented(l, outRows[k]); // kept whole on file by the run that wrote the checkpoint
      }
      DenseMatrix w = onFile != null ? null : new DenseMatrix(rowPos.length, cols.length);
      double[] b = LayerChain.bias(l) == null ? null : new double[rowPos.length];
      int[] fileRows = new int[rowPos.length];
      for (int i = 0; i < rowPos.length; i++) {
        fileRows[i] = outRows[k][rowPos[i]];
        if (onFile != null) {
          if (b != null) {
            b[i] = LayerChain.bias(l)[fileRows[i]];
          }
          continue;
        }
        for (int j = 0; j < cols.length; j++) {
          w.set(i, j, m[k].get(rowPos[i], cols[j]));
        }
        if (b != null) {
          b[i] = m[k].get(rowPos[i], m[k].cols - 1);
        }
      }
      LayerSpec s = l.spec().withUnits(rowPos.length);
      specs.set(chain.networkIndex(k), s);
      if (onFile != null) {
        if (cols.length != LayerChain.weightCols(l)) {
          throw new IllegalStateException("Layer " + l.name() + " kept whole has " + cols.length + " of "
              + LayerChain.weightCols(l) + " columns");
        }
        // kept whole: the same weight, its kept rows still on file
        tensors.put(s.weight, Tensor.deferred(onFile.source().selectRows(fileRows)));
      } else if (l.type() == LayerType.DENSE) {
        tensors.put(s.weight, Tensor.of(w));
      } else {
        Conv2dLayer c = (Conv2dLayer) l;
        tensors.put(s.weight, Tensor.f32(w.toRowMajor(), w.rows, kept[k].length, c.geometry().kernelH,
            c.geometry().kernelW));
      }
      if (b != null) {
        tensors.put(s.bias, Tensor.of(b));
      }
      LayerReport rep = reports[k];
      rep.outputsAfter = rowPos.length;
      rep.paramsAfter = (long) rowPos.length * cols.length + (b == null ? 0 : b.length);
      out.add(rep);
    }
    int[] inputSelect = net.inputSelect();
    int[] first = kept[0];
    boolean firstDropsFeatures = chain.groupCount(0) == LayerChain.weightCols(chain.layer(0))
        && first.length < chain.groupCount(0) && !net.inputShape().spatial;
    int[] newSelect = inputSelect;
    if (firstDropsFeatures) {
      newSelect = new int[first.length];
      for (int j = 0; j < first.length; j++) {
        newSelect[j] = inputSelect == null ? first[j] : inputSelect[first[j]];
      }
    }
    ArchitectureSpec newSpec = spec.with(newSelect, specs);
    Network compressed = Network.build(newSpec, new SafetensorsFile(tensors), "compressed " + net.name());
    return new Assembled(compressed, out);
  }

  // where each wanted output row sits among the rows M was solved for
  private static int[] positions(int[] solvedRows, int[] wanted, String layer) {
    Map<Integer, Integer> pos = new LinkedHashMap<>();
    for (int i = 0; i < solvedRows.length; i++) {
      pos.put(solvedRows[i], i);
    }
    int[] out = new int[wanted.length];
    for (int i = 0; i < wanted.length; i++) {
      Integer p = pos.get(wanted[i]);
      if (p == null) {
        throw new IllegalStateException("Layer " + layer + ": output " + wanted[i] + " was not reconstructed");
      }
      out[i] = p;
    }
    return out;
  }
}
