package io.nncompress.spark.compress;

import io.nncompress.codec.CompressedSafetensors;
import io.nncompress.codec.lowrank.LowRankEncoded;
import io.nncompress.compress.LayerMap;
import io.nncompress.model.ArchitectureSpec;
import io.nncompress.model.FactoredLayers;
import io.nncompress.model.LayerSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The layers of {@code model/compressed.safetensors} ({@link CompressedSafetensors}) from the stored
 * layers, named as in {@code model/model.safetensors}: by the spec of a network (a low-rank layer
 * the spec lists as NAME.0 and NAME.1 as its two factors, as {@link CompressedModelStore#load} reads
 * it), or by the entries of a layer map (one weight per layer, low rank as its product).
 */
final class CompressedForm {
  private CompressedForm() {}

  static List<CompressedSafetensors.Layer> of(List<CompressedModelStore.StoredLayer> layers, ArchitectureSpec spec) {
    Map<String, LayerSpec> byName = new LinkedHashMap<>();
    for (LayerSpec s : spec.layers) {
      byName.put(s.name, s);
    }
    List<CompressedSafetensors.Layer> out = new ArrayList<>();
    for (CompressedModelStore.StoredLayer l : layers) {
      LayerSpec s = byName.get(l.layer);
      LayerSpec s0 = byName.get(FactoredLayers.firstName(l.layer));
      LayerSpec s1 = byName.get(FactoredLayers.secondName(l.layer));
      CompressedSafetensors.Layer c;
      if (s == null && s0 != null && s1 != null && l.weight instanceof LowRankEncoded) {
        int r = ((LowRankEncoded) l.weight).rank();
        boolean conv = l.shape.length == 4;
        long[] first = conv ? new long[] {r, l.shape[1], l.shape[2], l.shape[3]} : new long[] {r, l.shape[1]};
        long[] second = conv ? new long[] {l.shape[0], r, 1, 1} : new long[] {l.shape[0], r};
        c = CompressedSafetensors.Layer.factors(l.layer, l.weight, s0.weight, first, s1.weight, second);
        s = s1; // the bias goes with the second factor
      } else if (s == null) {
        throw new IllegalStateException("Layer " + l.layer + " is not in the compressed spec");
      } else {
        c = CompressedSafetensors.Layer.dense(l.layer, l.weight, s.weight, longs(l.shape));
      }
      out.add(c.bias(s.bias, l.bias).kept(l.keptInputs, l.keptOutputs));
    }
    return out;
  }

  static List<CompressedSafetensors.Layer> of(List<CompressedModelStore.StoredLayer> layers, LayerMap map) {
    Map<String, LayerMap.Entry> byName = new LinkedHashMap<>();
    for (LayerMap.Entry e : map.entries) {
      byName.put(e.name, e);
    }
    List<CompressedSafetensors.Layer> out = new ArrayList<>();
    for (CompressedModelStore.StoredLayer l : layers) {
      LayerMap.Entry e = byName.get(l.layer);
      if (e == null) {
        throw new IllegalStateException("Layer " + l.layer + " is not in the layer map");
      }
      CompressedSafetensors.Layer c = CompressedSafetensors.Layer.dense(l.layer, l.weight, e.weight, longs(l.shape))
          .bias(e.bias, l.bias).kept(l.keptInputs, l.keptOutputs);
      long columns = 1;
      for (int k = 1; k < l.shape.length; k++) {
        columns *= l.shape[k];
      }
      // a layer without couples keeps its shape: its encoded weight holds the kept inputs' columns
      out.add(l.weight.cols() == columns ? c : c.columnsOfKeptInputs());
    }
    return out;
  }

  private static long[] longs(int[] a) {
    long[] s = new long[a.length];
    for (int i = 0; i < a.length; i++) {
      s[i] = a[i];
    }
    return s;
  }
}
