package io.nncompress.model;

import io.nncompress.format.safetensors.SafetensorsFile;
import io.nncompress.format.safetensors.SafetensorsReader;
import io.nncompress.format.safetensors.SafetensorsWriter;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.linalg.DenseMatrix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A feed-forward network that runs batches with one sample per column (d x n, column-major, so a
 * sample is contiguous). Built from an {@link ArchitectureSpec} and its weights, every shape checked
 * first; or directly from layers (e.g. smaller ones after neurons were removed).
 *
 * <p>When the spec has {@code input_select}, {@link #forward} takes the ORIGINAL input (all
 * features) and keeps the selected rows before the first layer; {@link #forwardSelected} takes the
 * already reduced input.
 */
public final class Network {
  private final String name;
  private final FeatureShape input;
  private final int[] inputSelect;
  private final List<Layer> layers;

  /**
   * @param input the shape of one original input sample
   * @param inputSelect kept input features (increasing), or null for all
   * @param layers in order; each layer's input shape must be the previous one's output shape
   */
  public Network(String name, FeatureShape input, int[] inputSelect, List<Layer> layers) {
    this.name = name;
    this.input = input;
    this.inputSelect = inputSelect == null ? null : inputSelect.clone();
    this.layers = Collections.unmodifiableList(new ArrayList<>(layers));
    if (layers.isEmpty()) {
      throw new ModelSpecException("network '" + name + "' has no layers");
    }
    FeatureShape s = selectedShape(input, inputSelect);
    String prev = "the input";
    for (Layer l : layers) {
      if (!l.inputShape().equals(s)) {
        throw new ModelSpecException("network '" + name + "': " + l + " takes " + l.inputShape() + " but "
            + prev + " gives " + s);
      }
      s = l.outputShape();
      prev = "layer '" + l.name() + "'";
    }
  }

  private static FeatureShape selectedShape(FeatureShape input, int[] select) {
    return select == null ? input : FeatureShape.flat(select.length);
  }

  // ---------------------------------------------------------------- building from a spec

  /** Reads the spec (YAML) and the weights (safetensors), checks every shape, and builds the network. */
  public static Network load(Path spec, Path weights) throws IOException {
    ArchitectureSpec s = ArchitectureSpec.read(spec);
    validate(s, SafetensorsReader.shapes(weights), weights.toString()); // header only: fail before reading data
    return build(s, requireFinite(weights, SafetensorsReader.read(weights)), weights.toString());
  }

  /** The tensors read from {@code weights}, after checking every value is finite (the error names tensor and index). */
  private static SafetensorsFile requireFinite(Path weights, SafetensorsFile read) throws IOException {
    for (Map.Entry<String, Tensor> e : read.tensors().entrySet()) {
      if (e.getValue().isLoaded()) {
        SafetensorsReader.requireFinite(weights.toString(), e.getKey(), e.getValue().values(), 0);
      }
    }
    return read;
  }

  /**
   * Like {@link #load(Path, Path)}, but the dense weights named in {@code deferred} are left on
   * file ({@link SafetensorsReader#slice}): the network holds where they are, and reads them only
   * when they are needed (a forward pass, {@link DenseLayer#weight()}). Every shape is checked
   * first, from the header.
   */
  public static Network load(Path spec, Path weights, java.util.Set<String> deferred) throws IOException {
    ArchitectureSpec s = ArchitectureSpec.read(spec);
    validate(s, SafetensorsReader.shapes(weights), weights.toString());
    java.util.Set<String> denseWeights = new java.util.HashSet<>();
    for (LayerSpec l : s.layers) {
      if (l.type == LayerType.DENSE) {
        denseWeights.add(l.weight);
      }
    }
    for (String name : deferred) {
      if (!denseWeights.contains(name)) {
        throw new ModelSpecException("tensor '" + name + "' of " + weights + " can be left on file only as the "
            + "weight of a dense layer; the dense weights are " + new java.util.TreeSet<>(denseWeights));
      }
    }
    java.util.Set<String> eager = new java.util.HashSet<>(SafetensorsReader.shapes(weights).keySet());
    eager.removeAll(deferred);
    Map<String, Tensor> tensors = new TreeMap<>(requireFinite(weights, SafetensorsReader.read(weights, eager)).tensors());
    for (String name : deferred) {
      tensors.put(name, Tensor.deferred(SafetensorsReader.slice(weights, name)));
    }
    return build(s, new SafetensorsFile(tensors), weights.toString());
  }

  /**
   * Builds the network from its in-memory forms, the spec YAML and the safetensors bytes (see
   * {@link #toSafetensorsBytes}): both are plain serialisable values, e.g. for a Spark broadcast.
   */
  public static Network fromBytes(String specYaml, byte[] weights, String source) throws IOException {
    return fromBytes(specYaml, weights, Map.of(), source);
  }

  /** Like {@link #fromBytes(String, byte[], String)} with more tensors, e.g. deferred ones, beside the bytes. */
  public static Network fromBytes(String specYaml, byte[] weights, Map<String, Tensor> more, String source)
      throws IOException {
    Map<String, Tensor> tensors = new TreeMap<>(SafetensorsReader.read(weights, source).tensors());
    tensors.putAll(more);
    return build(ArchitectureSpec.parse(source + " (spec)", specYaml), new SafetensorsFile(tensors), source);
  }

  /** The bytes of the F32 safetensors file of this network. */
  public byte[] toSafetensorsBytes(Map<String, String> metadata) {
    return SafetensorsWriter.toBytes(tensors(), metadata);
  }

  /** Checks {@code spec} against the header of the weights file (no tensor data is read); see {@link #validate(ArchitectureSpec, Map, String)}. */
  public static void validate(ArchitectureSpec spec, Path weights) throws IOException {
    validate(spec, SafetensorsReader.shapes(weights), weights.toString());
  }

  /** Builds the network of {@code spec} over the tensors of {@code weights} (named {@code source} in errors). */
  public static Network build(ArchitectureSpec spec, SafetensorsFile weights, String source) {
    Map<String, long[]> shapes = new TreeMap<>();
    for (Map.Entry<String, Tensor> e : weights.tensors().entrySet()) {
      shapes.put(e.getKey(), e.getValue().shape());
    }
    validate(spec, shapes, source);
    List<Layer> layers = new ArrayList<>();
    FeatureShape s = selectedShape(spec.input, spec.inputSelect());
    for (LayerSpec l : spec.layers) {
      Layer layer;
      switch (l.type) {
        case DENSE: {
          Tensor w = weights.get(l.weight);
          double[] b = l.bias == null ? null : vector(weights, l.bias);
          layer = w.isDeferred() ? new DenseLayer(l, w, b) : new DenseLayer(l, w.toMatrix(), b);
          break;
        }
        case CONV2D: {
          Tensor w = weights.get(l.weight);
          layer = new Conv2dLayer(l, s, (int) w.dim(2), (int) w.dim(3), w.toMatrix(),
              l.bias == null ? null : vector(weights, l.bias));
          break;
        }
        case MAXPOOL:
        case AVGPOOL:
          layer = new PoolLayer(l, s);
          break;
        case BATCHNORM:
          layer = new BatchNormLayer(l, s, vector(weights, l.weight), vector(weights, l.bias),
              vector(weights, l.runningMean), vector(weights, l.runningVar));
          break;
        default:
          layer = new ElementwiseLayer(l, s);
          break;
      }
      layers.add(layer);
      s = layer.outputShape();
    }
    return new Network(spec.name, spec.input, spec.inputSelect(), layers);
  }

  private static double[] vector(SafetensorsFile weights, String name) {
    return weights.get(name).values().clone();
  }

  /**
   * Checks the spec against the tensor shapes of the weights file without building anything: every
   * tensor present, of the rank and size the layer and its input need, the shapes chaining from
   * layer to layer. Errors name the layer, the tensor and both shapes.
   */
  public static void validate(ArchitectureSpec spec, Map<String, long[]> shapes, String source) {
    FeatureShape s = selectedShape(spec.input, spec.inputSelect());
    String prev = "the input" + (spec.inputSelect() == null ? "" : " after input_select");
    for (int k = 0; k < spec.layers.size(); k++) {
      LayerSpec l = spec.layers.get(k);
      String where = "layer " + k + " '" + l.name + "' (" + l.type.id + ")";
      try {
        switch (l.type) {
          case DENSE: {
            if (s.spatial) {
              throw new ModelSpecException(where + " needs a flat input but " + prev + " gives a map " + s
                  + "; add a flatten layer");
            }
            long[] w = tensor(shapes, source, where, l.weight, 2, "[out, in]");
            if (w[1] != s.size()) {
              throw new ModelSpecException(where + ": weight '" + l.weight + "' has shape " + Arrays.toString(w)
                  + " ([out, in]) but " + prev + " gives " + s.size() + " features");
            }
            checkUnits(where, l, w);
            if (l.bias != null) {
              vectorOf(shapes, source, where, l.bias, w[0], "out");
            }
            s = FeatureShape.flat((int) w[0]);
            break;
          }
          case CONV2D: {
            if (!s.spatial) {
              throw new ModelSpecException(where + " needs a C x H x W input but " + prev + " gives a flat " + s);
            }
            long[] w = tensor(shapes, source, where, l.weight, 4, "[out_channels, in_channels, kh, kw]");
            if (w[1] != s.channels || w[0] < 1 || w[2] < 1 || w[3] < 1) {
              throw new ModelSpecException(where + ": weight '" + l.weight + "' has shape " + Arrays.toString(w)
                  + " ([out_channels, in_channels, kh, kw]) but " + prev + " gives " + s + " (" + s.channels
                  + " channels)");
            }
            checkUnits(where, l, w);
            if (l.bias != null) {
              vectorOf(shapes, source, where, l.bias, w[0], "out_channels");
            }
            io.nncompress.linalg.ConvGeometry g = new io.nncompress.linalg.ConvGeometry(s.channels, s.height, s.width,
                (int) w[2], (int) w[3], l.stride[0], l.stride[1], l.padding[0], l.padding[1], l.dilation[0],
                l.dilation[1]);
            s = FeatureShape.map((int) w[0], g.outH, g.outW);
            break;
          }
          case MAXPOOL:
          case AVGPOOL:
            s = new PoolLayer(l, s).outputShape();
            break;
          case BATCHNORM:
            for (String t : new String[] {l.weight, l.bias, l.runningMean, l.runningVar}) {
              vectorOf(shapes, source, where, t, s.channels, s.spatial ? "channels" : "features");
            }
            break;
          case FLATTEN:
            s = FeatureShape.flat(s.size());
            break;
          default:
            break;
        }
      } catch (ModelSpecException e) {
        throw e.getMessage().startsWith(where) ? e : new ModelSpecException(where + ": " + e.getMessage(), e);
      } catch (IllegalArgumentException e) {
        throw new ModelSpecException(where + ": " + e.getMessage(), e);
      }
      prev = "layer '" + l.name + "'";
    }
  }

  private static void checkUnits(String where, LayerSpec l, long[] w) {
    if (l.units > 0 && l.units != w[0]) {
      throw new ModelSpecException(where + ": the spec says " + (l.type == LayerType.DENSE ? "units" : "out_channels")
          + " = " + l.units + " but weight '" + l.weight + "' has shape " + Arrays.toString(w));
    }
  }

  private static long[] tensor(Map<String, long[]> shapes, String source, String where, String name, int rank,
      String layout) {
    long[] shape = shapes.get(name);
    if (shape == null) {
      throw new ModelSpecException(where + ": tensor '" + name + "' is missing from " + source + " (it has "
          + shapes.keySet() + ")");
    }
    if (shape.length != rank) {
      throw new ModelSpecException(where + ": tensor '" + name + "' must have " + rank + " dimensions " + layout
          + ", has shape " + Arrays.toString(shape));
    }
    return shape;
  }

  private static void vectorOf(Map<String, long[]> shapes, String source, String where, String name, long length,
      String what) {
    long[] v = tensor(shapes, source, where, name, 1, "[" + what + "]");
    if (v[0] != length) {
      throw new ModelSpecException(where + ": tensor '" + name + "' has shape " + Arrays.toString(v)
          + " but the layer has " + length + " " + what);
    }
  }

  // ---------------------------------------------------------------- running

  public String name() {
    return name;
  }

  public List<Layer> layers() {
    return layers;
  }

  public Layer layer(int index) {
    return layers.get(index);
  }

  /** The original input shape (before input_select). */
  public FeatureShape inputShape() {
    return input;
  }

  /** Kept input features, or null for all. */
  public int[] inputSelect() {
    return inputSelect == null ? null : inputSelect.clone();
  }

  public FeatureShape outputShape() {
    return layers.get(layers.size() - 1).outputShape();
  }

  /** The outputs of a batch of original inputs (input.size() x n). */
  public DenseMatrix forward(DenseMatrix x) {
    return forward(x, null);
  }

  /** The outputs of a batch of original inputs; {@code visitor} (may be null) sees every layer's input. */
  public DenseMatrix forward(DenseMatrix x, LayerInputVisitor visitor) {
    if (x.rows != input.size()) {
      throw new IllegalArgumentException("network '" + name + "' takes inputs of " + input.size() + " values ("
          + input + "), the batch is " + x.shape() + " (one sample per column)");
    }
    return forwardSelected(inputSelect == null ? x : x.selectRows(inputSelect), visitor);
  }

  /** Like {@link #forward(DenseMatrix, LayerInputVisitor)} for inputs already reduced to input_select. */
  public DenseMatrix forwardSelected(DenseMatrix x, LayerInputVisitor visitor) {
    return forwardRange(0, layers.size(), x, visitor);
  }

  /**
   * Runs layers [from, to) on {@code a}, the input batch of layer {@code from} (for example the
   * activations of a partly compressed network); returns the output of layer to-1 ({@code a} when
   * from == to). The visitor (may be null) sees the input of each layer run, with its index.
   */
  public DenseMatrix forwardRange(int from, int to, DenseMatrix a, LayerInputVisitor visitor) {
    if (from < 0 || to > layers.size() || from > to) {
      throw new IllegalArgumentException("layer range must be within 0.." + layers.size() + ", cannot be: [" + from
          + ", " + to + ")");
    }
    for (int k = from; k < to; k++) {
      if (visitor != null) {
        visitor.visit(k, layers.get(k), a);
      }
      a = layers.get(k).forward(a);
    }
    return a;
  }

  /** The index of the largest output of each sample (the predicted class). */
  public int[] predict(DenseMatrix x) {
    return argmaxColumns(forward(x));
  }

  /** The fraction of samples whose predicted class is the label. */
  public double accuracy(DenseMatrix x, int[] labels) {
    int[] p = predict(x);
    if (labels.length != p.length) {
      throw new IllegalArgumentException("labels has " + labels.length + " values, the batch " + p.length + " samples");
    }
    int ok = 0;
    for (int k = 0; k < p.length; k++) {
      ok += p[k] == labels[k] ? 1 : 0;
    }
    return p.length == 0 ? 0.0 : (double) ok / p.length;
  }

  public static int[] argmaxColumns(DenseMatrix y) {
    int[] p = new int[y.cols];
    for (int j = 0; j < y.cols; j++) {
      int best = 0;
      for (int i = 1; i < y.rows; i++) {
        if (y.data[i + j * y.rows] > y.data[best + j * y.rows]) {
          best = i;
        }
      }
      p[j] = best;
    }
    return p;
  }

  // ---------------------------------------------------------------- transforming and saving

  /** The equivalent network with every batchnorm folded into the dense/conv2d layer before it. */
  public Network foldBatchNorm() {
    return BatchNormFolding.fold(this);
  }

  /** The same network with other layers (shapes must chain) and input selection. */
  public Network with(int[] newInputSelect, List<Layer> newLayers) {
    return new Network(name, input, newInputSelect, newLayers);
  }

  /** The architecture spec of this network; layers state their sizes (units, out_channels). */
  public ArchitectureSpec spec() {
    List<LayerSpec> specs = new ArrayList<>();
    for (Layer l : layers) {
      LayerSpec s = l.spec();
      if (l.type().isWeighted()) {
        s = s.withUnits(l.type() == LayerType.DENSE ? l.outputShape().size() : l.outputShape().channels);
      }
      specs.add(s);
    }
    return new ArchitectureSpec(name, input, inputSelect, specs);
  }

  /**
   * A digest of the spec and every tensor: a deferred tensor that is not held counts by its
   * source's description (where it is, size and time of its file), not by its values, so digesting
   * reads nothing. Equal digests: the same network, as far as the description tells.
   */
  public byte[] digest() {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      md.update(spec().toYaml().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * 4096);
      for (Map.Entry<String, Tensor> e : tensors().entrySet()) {
        Tensor t = e.getValue();
        md.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        md.update(Arrays.toString(t.shape()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (t.isDeferred() && !t.isLoaded()) {
          md.update(("deferred " + t.source().describe()).getBytes(java.nio.charset.StandardCharsets.UTF_8));
          continue;
        }
        double[] v = t.values();
        for (int from = 0; from < v.length; from += 4096) {
          b.clear();
          for (int i = from; i < Math.min(v.length, from + 4096); i++) {
            b.putLong(Double.doubleToLongBits(v[i]));
          }
          md.update(b.array(), 0, b.position());
        }
      }
      return md.digest();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every tensor, F32, under its spec name. */
  public Map<String, Tensor> tensors() {
    Map<String, Tensor> t = new TreeMap<>();
    for (Layer l : layers) {
      l.tensors(t);
    }
    return t;
  }

  /** Writes the weights (F32 safetensors) and the spec (YAML), each atomically. */
  public void save(Path weights, Path spec, Map<String, String> metadata) throws IOException {
    SafetensorsWriter.write(weights, tensors(), metadata);
    spec().write(spec);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("network '" + name + "' input " + input);
    if (inputSelect != null) {
      sb.append(" (").append(inputSelect.length).append(" kept)");
    }
    for (Layer l : layers) {
      sb.append("\n  ").append(l);
    }
    return sb.toString();
  }
}
