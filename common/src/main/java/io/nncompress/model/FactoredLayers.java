package io.nncompress.model;

import io.nncompress.linalg.DenseMatrix;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A low-rank layer as two layers, the form nncompress writes to a compressed model. A dense or
 * conv2d layer NAME whose weight W (dense h x d; conv O x (I*kh*kw)) is the rank-r product P Q^T
 * becomes:
 * <ol>
 *   <li>{@code NAME.0}, the bottleneck, weight Q^T and no bias: dense d -> r, or conv2d kh x kw with r
 *       output channels and NAME's stride, padding and dilation (weight r x I x kh x kw);</li>
 *   <li>{@code NAME.1}, weight P and NAME's bias: dense r -> h, or conv2d 1 x 1 (stride 1, no
 *       padding) with O output channels (weight O x r x 1 x 1).</li>
 * </ol>
 * Whatever followed NAME (its activation, pooling, ...) follows NAME.1. The names are PyTorch's for
 * {@code nn.Sequential(first, second)} put where NAME was: the state_dict keys are
 * {@code NAME.0.weight}, {@code NAME.1.weight} and {@code NAME.1.bias}. Both maps are linear, so
 * NAME.1(NAME.0(x)) = P (Q^T x) + b = (P Q^T) x + b; for a conv, at every output position.
 */
public final class FactoredLayers {
  private FactoredLayers() {}

  /** The name of the first (bottleneck) layer of a factored layer: {@code NAME.0}. */
  public static String firstName(String layer) {
    return layer + ".0";
  }

  /** The name of the second layer of a factored layer: {@code NAME.1}. */
  public static String secondName(String layer) {
    return layer + ".1";
  }

  /**
   * The network with each named dense/conv2d layer replaced by its two factors.
   *
   * @param factors layer name to {first (Q^T, r x d), second (P, h x r)}, d and h the layer's
   */
  public static Network split(Network net, Map<String, DenseMatrix[]> factors) {
    Set<String> names = new HashSet<>();
    for (Layer l : net.layers()) {
      names.add(l.name());
    }
    Map<String, DenseMatrix[]> left = new LinkedHashMap<>(factors);
    List<Layer> out = new ArrayList<>();
    for (Layer l : net.layers()) {
      DenseMatrix[] f = left.remove(l.name());
      if (f == null) {
        out.add(l);
        continue;
      }
      for (String n : new String[] {firstName(l.name()), secondName(l.name())}) {
        if (names.contains(n)) {
          throw new IllegalArgumentException("Layer " + l.name() + " cannot be split into " + firstName(l.name())
              + " and " + secondName(l.name()) + ": network '" + net.name() + "' already has a layer " + n);
        }
      }
      out.addAll(split(l, f[0], f[1]));
    }
    if (!left.isEmpty()) {
      throw new IllegalArgumentException("network '" + net.name() + "' has no layer " + left.keySet());
    }
    return net.with(net.inputSelect(), out);
  }

  /** The two layers of {@code l} (dense or conv2d) factored as second * first. */
  public static List<Layer> split(Layer l, DenseMatrix first, DenseMatrix second) {
    if (l.type() != LayerType.DENSE && l.type() != LayerType.CONV2D) {
      throw new IllegalArgumentException("Only dense and conv2d layers can be factored, cannot be: " + l);
    }
    boolean dense = l instanceof DenseLayer;
    DenseMatrix w = dense ? ((DenseLayer) l).weight() : ((Conv2dLayer) l).weight();
    double[] bias = dense ? ((DenseLayer) l).bias() : ((Conv2dLayer) l).bias();
    if (first.cols != w.cols || second.rows != w.rows || first.rows != second.cols) {
      throw new IllegalArgumentException("Layer " + l.name() + " (weight " + w.shape() + ") cannot be factored into "
          + second.shape() + " times " + first.shape());
    }
    String a = firstName(l.name());
    String b = secondName(l.name());
    if (dense) {
      DenseLayer l1 = new DenseLayer(LayerSpec.dense(a, false), first, null);
      return List.of(l1, new DenseLayer(LayerSpec.dense(b, bias != null), second, bias == null ? null : bias.clone()));
    }
    Conv2dLayer c = (Conv2dLayer) l;
    LayerSpec s = c.spec();
    Conv2dLayer l1 = new Conv2dLayer(LayerSpec.conv2d(a, false, s.stride, s.padding, s.dilation), c.inputShape(),
        c.geometry().kernelH, c.geometry().kernelW, first, null);
    Conv2dLayer l2 = new Conv2dLayer(LayerSpec.conv2d(b, bias != null, 1, 0, 1), l1.outputShape(), 1, 1, second,
        bias == null ? null : bias.clone());
    return List.of(l1, l2);
  }

  /**
   * Whether {@code a} then {@code b} are the two layers of the factored layer {@code name}: named
   * NAME.0 and NAME.1, of the same type, the first without bias, the second dense or a 1 x 1 conv
   * with stride 1 and no padding.
   */
  public static boolean isPair(Layer a, Layer b, String name) {
    if (!a.name().equals(firstName(name)) || !b.name().equals(secondName(name)) || a.type() != b.type()) {
      return false;
    }
    if (a instanceof DenseLayer && b instanceof DenseLayer) {
      return ((DenseLayer) a).bias() == null;
    }
    if (a instanceof Conv2dLayer && b instanceof Conv2dLayer) {
      Conv2dLayer c = (Conv2dLayer) b;
      return ((Conv2dLayer) a).bias() == null && c.geometry().kernelH == 1 && c.geometry().kernelW == 1
          && c.geometry().strideH == 1 && c.geometry().strideW == 1 && c.geometry().padH == 0 && c.geometry().padW == 0;
    }
    return false;
  }

  /** The pair as one layer named {@code name} whose weight is the product (see {@link #isPair}). */
  public static Layer merge(Layer a, Layer b, String name) {
    if (!isPair(a, b, name)) {
      throw new IllegalArgumentException(a + " and " + b + " are not the two layers of a factored layer " + name);
    }
    if (a instanceof DenseLayer) {
      DenseLayer d1 = (DenseLayer) a;
      DenseLayer d2 = (DenseLayer) b;
      return new DenseLayer(LayerSpec.dense(name, d2.bias() != null), d2.weight().times(d1.weight()), d2.bias());
    }
    Conv2dLayer c1 = (Conv2dLayer) a;
    Conv2dLayer c2 = (Conv2dLayer) b;
    LayerSpec s = c1.spec();
    return new Conv2dLayer(LayerSpec.conv2d(name, c2.bias() != null, s.stride, s.padding, s.dilation),
        c1.inputShape(), c1.geometry().kernelH, c1.geometry().kernelW, c2.weight().times(c1.weight()), c2.bias());
  }
}
