package io.nncompress.codec;

import io.nncompress.format.safetensors.TensorSource;
import io.nncompress.linalg.DenseMatrix;
import java.util.Arrays;

/**
 * The matrix an encoded form decodes to, as a {@link TensorSource}: it carries the encoded bytes
 * (not the values) and decodes them where and when the values are read; the {@code deepcomp}
 * dense form streams (one block of rows at a time).
 */
final class EncodedTensorSource implements TensorSource {
  private static final long serialVersionUID = 1L;
  private final String codec;
  private final int rows;
  private final int cols;
  private final byte[] bytes;
  private final String digest;

  EncodedTensorSource(String codec, int rows, int cols, byte[] bytes) {
    this.codec = codec;
    this.rows = rows;
    this.cols = cols;
    this.bytes = bytes;
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < 12; i++) {
        sb.append(String.format("%02x", d[i]));
      }
      this.digest = sb.toString();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public long[] shape() {
    return new long[] {rows, cols};
  }

  @Override
  public double[] rows(int from, int to) {
    if (from < 0 || to > rows || from > to) {
      throw new IllegalArgumentException("rows [" + from + ", " + to + ") out of 0.." + rows);
    }
    if (!codec.equals(DeepCompressedTensor.CODEC)) {
      DenseMatrix m = TensorCodecs.decode(codec, bytes).decode();
      return Arrays.copyOfRange(m.toRowMajor(), from * cols, to * cols);
    }
    double[] out = new double[(to - from) * cols];
    DeepCompressedTensor.forEachRowBlock(bytes, Math.max(1, to - from), (first, v) -> {
      int a = Math.max(first, from);
      int b = Math.min(first + v.length / Math.max(1, cols), to);
      if (a < b) {
        System.arraycopy(v, (a - first) * cols, out, (a - from) * cols, (b - a) * cols);
      }
    });
    return out;
  }

  @Override
  public void forEachBlock(int maxRows, RowBlocks consumer) {
    if (codec.equals(DeepCompressedTensor.CODEC)) {
      DeepCompressedTensor.forEachRowBlock(bytes, maxRows, consumer);
    } else {
      TensorSource.super.forEachBlock(maxRows, consumer);
    }
  }

  @Override
  public String describe() {
    return codec + " " + rows + "x" + cols + ", " + bytes.length + " bytes, sha256 " + digest;
  }
}
