package io.nncompress.spark.ingest;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A Conv2d's geometry as recorded in _layer.json by nncompress_dump.py, written as the
 * {@code shape=CxHxW,kernel=K,stride=S,padding=P,dilation=L} part of an autocorr layer spec.
 */
final class ConvSpec {
  private ConvSpec() {}

  /** The conv part of the layer spec, or null (not a Conv2d, or one the spec cannot express). */
  static String of(JsonNode info, int d) {
    if (!isConv(info) || note(info, d) != null) {
      return null;
    }
    JsonNode s = info.get("shape");
    int kernel = info.get("kernel").get(0).asInt();
    int dilation = info.get("dilation").get(0).asInt();
    return "shape=" + s.get(0).asInt() + "x" + s.get(1).asInt() + "x" + s.get(2).asInt() + ",kernel=" + kernel
        + ",stride=" + info.get("stride").get(0).asInt() + ",padding=" + padding(info, kernel, dilation)
        + ",dilation=" + dilation;
  }

  /** Why a recorded Conv2d cannot be a conv layer spec, or null when it can (or is no Conv2d). */
  static String note(JsonNode info, int d) {
    if (!isConv(info)) {
      return null;
    }
    JsonNode s = info.get("shape");
    if (s == null || s.size() != 3 || (long) s.get(0).asInt() * s.get(1).asInt() * s.get(2).asInt() != d) {
      return "_layer.json's shape " + s + " does not match d = " + d;
    }
    for (String key : new String[] {"kernel", "stride", "dilation"}) {
      JsonNode v = info.get(key);
      if (v == null || v.size() != 2 || v.get(0).asInt() != v.get(1).asInt()) {
        return "the conv's " + key + " " + v + " differs between the axes (the layer spec takes one value)";
      }
    }
    if (info.path("groups").asInt(1) != 1) {
      return "the conv has groups = " + info.get("groups") + " (nncompress's conv layers have none)";
    }
    if (padding(info, info.get("kernel").get(0).asInt(), info.get("dilation").get(0).asInt()) < 0) {
      return "the conv's padding " + info.get("padding") + " differs between the axes or is not symmetric";
    }
    return null;
  }

  private static boolean isConv(JsonNode info) {
    return info != null && "Conv2d".equals(info.path("type").asText());
  }

  // padding as one number; PyTorch's 'valid' is 0 and 'same' (stride 1) is dilation*(k-1)/2 when even
  private static int padding(JsonNode info, int kernel, int dilation) {
    JsonNode p = info.get("padding");
    if (p == null) {
      return -1;
    }
    if (p.isTextual()) {
      if (p.asText().equals("valid")) {
        return 0;
      }
      int total = dilation * (kernel - 1);
      return p.asText().equals("same") && total % 2 == 0 ? total / 2 : -1;
    }
    return p.size() == 2 && p.get(0).asInt() == p.get(1).asInt() ? p.get(0).asInt() : -1;
  }
}
