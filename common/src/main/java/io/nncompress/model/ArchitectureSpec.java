package io.nncompress.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The architecture of a feed-forward network: the input shape and the layers in order. Weights
 * live in a safetensors file; {@link Network#build} joins the two and checks every shape.
 *
 * <p>YAML format (unknown keys are errors; example in {@code common/src/test/resources/model/small_convnet.yaml}):
 * <pre>
 * name: lenet5                    # optional
 * input: [1, 28, 28]              # [features] or [channels, height, width] of one sample
 * input_select: [0, 5, 7]         # optional: the input features kept (a flat input then has this length)
 * layers:
 *   - {name: conv1, type: conv2d, stride: 1, padding: 0, dilation: 1}   # weight O x I x kh x kw
 *   - {type: relu}
 *   - {type: maxpool, kernel: 2, stride: 2}                              # stride defaults to kernel
 *   - {type: flatten}
 *   - {name: fc1, type: dense, units: 10}                                # weight [out, in] (PyTorch)
 *   - {name: bn1, type: batchnorm, eps: 1.0e-5}                          # folded before compression
 * </pre>
 * Types: dense, conv2d, flatten, maxpool, avgpool, relu, tanh, sigmoid, identity, batchnorm.
 * dense/conv2d/batchnorm need a name; their tensors default to PyTorch's names
 * ({@code <name>.weight}, {@code <name>.bias}, {@code <name>.running_mean}, {@code <name>.running_var})
 * and can be renamed with the keys weight, bias, running_mean, running_var; {@code bias: none}
 * declares a layer without bias. stride, padding, dilation, kernel take n or [h, w];
 * units / out_channels, when given, are checked against the weights.
 */
public final class ArchitectureSpec {
  private static final Set<String> TOP_KEYS = Set.of("name", "input", "input_select", "layers");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
      .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  /** Writes every string quoted: for specs whose names the minimal quoting would turn into other types. */
  private static final ObjectMapper YAML_QUOTED = new ObjectMapper(new YAMLFactory()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .disable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  public final String name;
  public final FeatureShape input;
  /** Kept input features (indices into the flat input), or null when all are kept. */
  private final int[] inputSelect;
  public final List<LayerSpec> layers;

  public ArchitectureSpec(String name, FeatureShape input, int[] inputSelect, List<LayerSpec> layers) {
    this.name = name;
    this.input = input;
    this.inputSelect = inputSelect == null ? null : inputSelect.clone();
    this.layers = Collections.unmodifiableList(new ArrayList<>(layers));
    Set<String> names = new HashSet<>();
    for (LayerSpec l : layers) {
      if (!names.add(l.name)) {
        throw new ModelSpecException("architecture '" + name + "': layer name '" + l.name + "' is used twice");
      }
    }
    if (inputSelect != null) {
      for (int k = 0; k < inputSelect.length; k++) {
        if (inputSelect[k] < 0 || inputSelect[k] >= input.size() || (k > 0 && inputSelect[k] <= inputSelect[k - 1])) {
          throw new ModelSpecException("architecture '" + name + "': input_select must be increasing indices in 0.."
              + (input.size() - 1) + ", cannot have " + inputSelect[k] + " at position " + k);
        }
      }
    }
  }

  public int[] inputSelect() {
    return inputSelect == null ? null : inputSelect.clone();
  }

  /** The same spec with other layers (e.g. after batchnorm folding) or another input selection. */
  public ArchitectureSpec with(int[] newInputSelect, List<LayerSpec> newLayers) {
    return new ArchitectureSpec(name, input, newInputSelect, newLayers);
  }

  public static ArchitectureSpec read(Path file) throws IOException {
    String text;
    if (Files.isDirectory(file)) {
      throw new ModelSpecException("the architecture spec file " + file + " is a directory, not a YAML file");
    }
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new ModelSpecException("the architecture spec file " + file + " does not exist", e);
    } catch (IOException e) {
      throw new ModelSpecException("the architecture spec file " + file + " cannot be read: " + e, e);
    }
    return parse(file.toString(), text);
  }

  /** Parses YAML; {@code source} (a file name) prefixes every error message. */
  public static ArchitectureSpec parse(String source, String yaml) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (JsonProcessingException e) {
      throw new ModelSpecException(source + ": not valid YAML: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new ModelSpecException(source + ": an architecture spec must be a YAML mapping with keys " + TOP_KEYS);
    }
    checkKeys(source, root, TOP_KEYS);
    String name = root.has("name") ? text(source, root, "name") : "model";
    if (!root.has("input")) {
      throw new ModelSpecException(source + ": missing key 'input' ([features] or [channels, height, width])");
    }
    FeatureShape input;
    try {
      input = FeatureShape.of(ints(source, root, "input", -1));
    } catch (IllegalArgumentException e) {
      throw new ModelSpecException(source + ": key 'input': " + e.getMessage());
    }
    int[] select = root.has("input_select") ? ints(source, root, "input_select", -1) : null;
    JsonNode layersNode = root.get("layers");
    if (layersNode == null || !layersNode.isArray() || layersNode.size() == 0) {
      throw new ModelSpecException(source + ": key 'layers' must be a non-empty list of layers");
    }
    List<LayerSpec> layers = new ArrayList<>();
    for (int k = 0; k < layersNode.size(); k++) {
      layers.add(layer(source, k, layersNode.get(k)));
    }
    try {
      return new ArchitectureSpec(name, input, select, layers);
    } catch (ModelSpecException e) {
      throw new ModelSpecException(source + ": " + e.getMessage());
    }
  }

  private static LayerSpec layer(String source, int index, JsonNode node) {
    String where = source + ": layer " + index;
    if (!node.isObject()) {
      throw new ModelSpecException(where + " must be a mapping with at least 'type', found: " + node.getNodeType());
    }
    if (!node.has("type")) {
      throw new ModelSpecException(where + ": missing key 'type' (one of " + LayerType.ids() + ")");
    }
    String typeId = text(where, node, "type");
    LayerType type = LayerType.parse(typeId);
    if (type == null) {
      throw new ModelSpecException(where + ": unknown layer type '" + typeId + "', expected one of " + LayerType.ids());
    }
    String name;
    if (node.has("name")) {
      name = text(where, node, "name");
      where = source + ": layer " + index + " '" + name + "' (" + type.id + ")";
    } else if (type.hasTensors()) {
      throw new ModelSpecException(where + " (" + type.id + "): missing key 'name' (its tensors are named after it)");
    } else {
      name = type.id + index;
      where = source + ": layer " + index + " (" + type.id + ")";
    }
    Set<String> allowed = new HashSet<>(type.keys());
    allowed.add("name");
    allowed.add("type");
    checkKeys(where, node, allowed);
    switch (type) {
      case DENSE:
      case CONV2D: {
        String weight = node.has("weight") ? text(where, node, "weight") : name + ".weight";
        String bias = name + ".bias";
        if (node.has("bias")) {
          JsonNode b = node.get("bias");
          bias = b.isNull() || (b.isTextual() && b.textValue().equals("none")) ? null : text(where, node, "bias");
        }
        String unitsKey = type == LayerType.DENSE ? "units" : "out_channels";
        int units = node.has(unitsKey) ? positive(where, node, unitsKey, 1) : 0;
        if (type == LayerType.DENSE) {
          return new LayerSpec(name, type, weight, bias, null, null, null, null, null, null, 0, units);
        }
        return new LayerSpec(name, type, weight, bias, null, null, pairOr(where, node, "stride", 1, 1),
            pairOr(where, node, "padding", 0, 0), pairOr(where, node, "dilation", 1, 1), null, 0, units);
      }
      case MAXPOOL:
      case AVGPOOL: {
        if (!node.has("kernel")) {
          throw new ModelSpecException(where + ": missing key 'kernel'");
        }
        int[] kernel = pairOr(where, node, "kernel", 1, -1);
        int[] stride = node.has("stride") ? pairOr(where, node, "stride", 1, -1) : kernel.clone();
        return new LayerSpec(name, type, null, null, null, null, stride, null, null, kernel, 0, 0);
      }
      case BATCHNORM: {
        double eps = 1e-5;
        if (node.has("eps")) {
          JsonNode e = node.get("eps");
          if (!e.isNumber() || !(e.doubleValue() > 0)) {
            throw new ModelSpecException(where + ": key 'eps' must be a positive number, cannot be: " + e);
          }
          eps = e.doubleValue();
        }
        return new LayerSpec(name, type,
            node.has("weight") ? text(where, node, "weight") : name + ".weight",
            node.has("bias") ? text(where, node, "bias") : name + ".bias",
            node.has("running_mean") ? text(where, node, "running_mean") : name + ".running_mean",
            node.has("running_var") ? text(where, node, "running_var") : name + ".running_var",
            null, null, null, null, eps, 0);
      }
      default:
        return new LayerSpec(name, type, null, null, null, null, null, null, null, null, 0, 0);
    }
  }

  private static void checkKeys(String where, JsonNode node, Set<String> allowed) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw new ModelSpecException(where + ": unknown key '" + key + "', expected one of " + new java.util.TreeSet<>(allowed));
      }
    }
  }

  private static String text(String where, JsonNode node, String key) {
    JsonNode v = node.get(key);
    if (v == null || !v.isTextual() || v.textValue().isEmpty()) {
      throw new ModelSpecException(where + ": key '" + key + "' must be a non-empty string, cannot be: " + v);
    }
    return v.textValue();
  }

  private static int positive(String where, JsonNode node, String key, int min) {
    JsonNode v = node.get(key);
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.intValue() < min) {
      throw new ModelSpecException(where + ": key '" + key + "' must be an integer >= " + min + ", cannot be: " + v);
    }
    return v.intValue();
  }

  /** n or [h, w], each >= min; the default when the key is absent. */
  private static int[] pairOr(String where, JsonNode node, String key, int min, int dflt) {
    JsonNode v = node.get(key);
    if (v == null) {
      return new int[] {dflt, dflt};
    }
    if (v.isArray()) {
      int[] p = ints(where, node, key, 2);
      if (p[0] < min || p[1] < min) {
        throw new ModelSpecException(where + ": key '" + key + "' must be >= " + min + ", cannot be: " + v);
      }
      return p;
    }
    int n = positive(where, node, key, min);
    return new int[] {n, n};
  }

  private static int[] ints(String where, JsonNode node, String key, int length) {
    JsonNode v = node.get(key);
    if (!v.isArray() || (length >= 0 && v.size() != length)) {
      throw new ModelSpecException(where + ": key '" + key + "' must be a list of "
          + (length >= 0 ? length + " " : "") + "integers, cannot be: " + v);
    }
    int[] out = new int[v.size()];
    for (int k = 0; k < out.length; k++) {
      JsonNode e = v.get(k);
      if (!e.isIntegralNumber() || !e.canConvertToInt()) {
        throw new ModelSpecException(where + ": key '" + key + "' must hold integers, cannot be: " + v);
      }
      out[k] = e.intValue();
    }
    return out;
  }

  /** The YAML text of this spec; {@link #parse} reads it back to an equal spec (same text from {@link #toYaml}). */
  public String toYaml() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("input", toList(input.dims()));
    if (inputSelect != null) {
      m.put("input_select", toList(inputSelect));
    }
    List<Object> ls = new ArrayList<>();
    for (LayerSpec l : layers) {
      ls.add(l.toMap());
    }
    m.put("layers", ls);
    try {
      // minimal quoting reads best, but leaves names such as "0", "2", "true", "1e3", "null" or "1:20"
      // (PyTorch's nn.Sequential names layers "0", "1", ...) unquoted, and YAML reads them back as
      // numbers, booleans or null: then every string is written quoted, so the text reads back exactly
      String text = YAML.writeValueAsString(m);
      return readsBackAs(text, YAML.valueToTree(m)) ? text : YAML_QUOTED.writeValueAsString(m);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean readsBackAs(String text, JsonNode tree) {
    try {
      return YAML.readTree(text).equals(tree);
    } catch (JsonProcessingException e) {
      return false; // e.g. ".inf" unquoted: read as a malformed number
    }
  }

  /** Writes the YAML atomically (temporary file + rename). */
  public void write(Path file) throws IOException {
    io.nncompress.format.AtomicFiles.write(file, toYaml().getBytes(StandardCharsets.UTF_8));
  }

  private static List<Integer> toList(int[] v) {
    List<Integer> l = new ArrayList<>();
    for (int x : v) {
      l.add(x);
    }
    return l;
  }
}
