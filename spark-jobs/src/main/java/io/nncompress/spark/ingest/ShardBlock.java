package io.nncompress.spark.ingest;

import java.io.Serializable;

/**
 * One 2-D array of rows in a shard file: the whole data of a .npy file, or one tensor of a
 * safetensors file. Rows are {@code d} values of {@code dtype}, stored row after row from byte
 * {@code offset} of the file.
 */
public final class ShardBlock implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The file, as a Hadoop path string. */
  public final String file;
  /** The tensor name in a safetensors file, or null for a .npy file. */
  public final String tensor;
  public final ShardDtype dtype;
  public final boolean littleEndian;
  public final long rows;
  public final int d;
  /** Byte offset of the first row in the file. */
  public final long offset;

  public ShardBlock(String file, String tensor, ShardDtype dtype, boolean littleEndian, long rows, int d,
      long offset) {
    this.file = file;
    this.tensor = tensor;
    this.dtype = dtype;
    this.littleEndian = littleEndian;
    this.rows = rows;
    this.d = d;
    this.offset = offset;
  }

  /** Bytes of one row in the file. */
  public long rowBytes() {
    return (long) d * dtype.size;
  }

  /** "file F" or "file F, tensor T": where a message points. */
  public String where() {
    return "file " + file + (tensor != null ? ", tensor '" + tensor + "'" : "");
  }
}
