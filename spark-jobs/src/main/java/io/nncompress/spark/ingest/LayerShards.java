package io.nncompress.spark.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/** One layer's shards, their headers checked: the blocks in order, and what the hook script recorded. */
public final class LayerShards {
  /** The layer's name: its folder's name (the PyTorch module name with the hook script). */
  public final String name;
  public final String folder;
  /** Every block of every shard file, in file-name order. */
  public final List<ShardBlock> blocks;
  /** Number of shard files. */
  public final int files;
  /** The contents of the folder's _layer.json (written by nncompress_dump.py), or null. */
  public final JsonNode info;

  LayerShards(String name, String folder, List<ShardBlock> blocks, int files, JsonNode info) {
    this.name = name;
    this.folder = folder;
    this.blocks = List.copyOf(blocks);
    this.files = files;
    this.info = info;
  }

  public int d() {
    return blocks.get(0).d;
  }

  public long rows() {
    long n = 0;
    for (ShardBlock b : blocks) {
      n += b.rows;
    }
    return n;
  }

  /** Bytes of the ingested float32 values. */
  public long float32Bytes() {
    return rows() * 4L * d();
  }

  /** The dtypes of the shards, e.g. "float32" or "float16+float32". */
  public String dtypes() {
    java.util.TreeSet<String> s = new java.util.TreeSet<>();
    for (ShardBlock b : blocks) {
      s.add(b.dtype.label());
    }
    return String.join("+", s);
  }

  /**
   * The {@code --layer} argument of {@code nncompress autocorr} for this layer ingested to
   * {@code dataset}: dense, or a conv layer when _layer.json describes a Conv2d whose geometry the
   * spec can express (one kernel size, stride, padding and dilation for both axes, no groups).
   */
  public String autocorrLayer(String dataset, String column) {
    String base = "name=" + name + ",dataset=" + dataset + ",column=" + column;
    String conv = ConvSpec.of(info, d());
    return conv != null ? base + "," + conv : base;
  }

  /** Why a Conv2d recorded in _layer.json cannot be written as a conv layer spec, or null. */
  public String convNote() {
    return ConvSpec.note(info, d());
  }
}
