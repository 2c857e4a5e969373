package io.nncompress.spark.autocorr;

import io.nncompress.linalg.ConvGeometry;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where one layer's input lives: a column of a Parquet dataset, holding one vector per row (dense
 * layer) or one C x H x W feature map per row (conv layer, statistics over patches).
 *
 * <p>Written on the command line as comma-separated key=value pairs, e.g.
 * {@code name=fc1,dataset=/data/acts,column=fc1} or
 * {@code name=conv1,dataset=/data/acts,column=x,shape=3x32x32,kernel=3,stride=1,padding=1,dilation=1}.
 */
public final class LayerInput implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Every key a layer spec accepts. */
  public static final List<String> KEYS =
      List.of("name", "dataset", "column", "dim", "shape", "kernel", "stride", "padding", "dilation");

  private final String name;
  private final String dataset;
  private final String column;
  private final Integer dim;
  private final ConvGeometry conv;

  public LayerInput(String name, String dataset, String column, Integer dim, ConvGeometry conv) {
    this.name = Objects.requireNonNull(name, "name");
    this.dataset = Objects.requireNonNull(dataset, "dataset");
    this.column = Objects.requireNonNull(column, "column");
    if (dim != null && dim < 1) {
      throw new BadInputException("Layer " + name + ": dim must be at least 1, cannot be: " + dim);
    }
    if (dim != null && conv != null && dim != conv.inputSize()) {
      throw new BadInputException("Layer " + name + ": dim " + dim + " does not match shape " + conv.channels + "x"
          + conv.height + "x" + conv.width + " = " + conv.inputSize());
    }
    this.dim = conv != null ? Integer.valueOf(conv.inputSize()) : dim;
    this.conv = conv;
  }

  public static LayerInput dense(String name, String dataset, String column) {
    return new LayerInput(name, dataset, column, null, null);
  }

  /** Parses {@code key=value,...}; an unknown key or a bad value names itself and what is allowed. */
  public static LayerInput parse(String spec) {
    Map<String, String> kv = new LinkedHashMap<>();
    for (String part : spec.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new BadInputException("Layer spec '" + spec + "': '" + part + "' is not key=value");
      }
      String key = part.substring(0, eq).trim();
      if (!KEYS.contains(key)) {
        throw new BadInputException("Layer spec '" + spec + "': unknown key '" + key + "', allowed: " + KEYS);
      }
      if (kv.put(key, part.substring(eq + 1).trim()) != null) {
        throw new BadInputException("Layer spec '" + spec + "': key '" + key + "' given twice");
      }
    }
    for (String required : List.of("name", "dataset", "column")) {
      if (!kv.containsKey(required) || kv.get(required).isEmpty()) {
        throw new BadInputException("Layer spec '" + spec + "': missing key '" + required + "'");
      }
    }
    String name = kv.get("name");
    Integer dim = kv.containsKey("dim") ? intValue(name, "dim", kv.get("dim")) : null;
    ConvGeometry conv = null;
    if (kv.containsKey("shape")) {
      String[] chw = kv.get("shape").split("x");
      if (chw.length != 3) {
        throw new BadInputException("Layer " + name + ": shape must be CxHxW, e.g. 3x32x32, cannot be: "
            + kv.get("shape"));
      }
      int c = intValue(name, "shape", chw[0]);
      int h = intValue(name, "shape", chw[1]);
      int w = intValue(name, "shape", chw[2]);
      int kernel = intValue(name, "kernel", kv.getOrDefault("kernel", "3"));
      int stride = intValue(name, "stride", kv.getOrDefault("stride", "1"));
      int padding = intValue(name, "padding", kv.getOrDefault("padding", "0"));
      int dilation = intValue(name, "dilation", kv.getOrDefault("dilation", "1"));
      try {
        conv = new ConvGeometry(c, h, w, kernel, stride, padding, dilation);
      } catch (IllegalArgumentException e) {
        throw new BadInputException("Layer " + name + ": " + e.getMessage(), e);
      }
    } else {
      for (String k : List.of("kernel", "stride", "padding", "dilation")) {
        if (kv.containsKey(k)) {
          throw new BadInputException("Layer " + name + ": key '" + k + "' needs 'shape' (a conv layer)");
        }
      }
    }
    return new LayerInput(name, kv.get("dataset"), kv.get("column"), dim, conv);
  }

  private static int intValue(String layer, String key, String v) {
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new BadInputException("Layer " + layer + ": " + key + " must be an integer, cannot be: " + v);
    }
  }

  public String name() {
    return name;
  }

  public String dataset() {
    return dataset;
  }

  public String column() {
    return column;
  }

  /** Values per row (d, or C*H*W), or null when it is to be read from the data. */
  public Integer dim() {
    return dim;
  }

  /** The conv geometry, or null for a dense layer. */
  public ConvGeometry conv() {
    return conv;
  }

  public LayerInput withDim(int d) {
    return new LayerInput(name, dataset, column, d, conv);
  }

  @Override
  public String toString() {
    return name + " <- " + dataset + "[" + column + "]" + (conv != null ? " " + conv : "");
  }
}
