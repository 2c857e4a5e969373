package io.nncompress.codec;

import io.nncompress.linalg.DenseMatrix;

/**
 * An encoded form held as its bytes only (codec name, shape, bytes), e.g. assembled from pieces
 * encoded by other processes: the same bytes as the codec's own class would write, without
 * decoding them. {@link #decode} decodes through {@link TensorCodecs}; {@link #source} gives the
 * decoded matrix as a {@link io.nncompress.format.safetensors.TensorSource} that decodes when read,
 * as a stream where the codec allows ({@link DeepCompressedTensor#forEachRowBlock}).
 */
public final class EncodedBytes implements EncodedTensor {
  private final String codec;
  private final int rows;
  private final int cols;
  private final byte[] bytes;

  /** The bytes are kept, not copied; the caller does not change them. */
  public EncodedBytes(String codec, int rows, int cols, byte[] bytes) {
    if (codec == null || bytes == null || rows < 0 || cols < 0) {
      throw new IllegalArgumentException("codec, bytes and a shape >= 0 are required");
    }
    this.codec = codec;
    this.rows = rows;
    this.cols = cols;
    this.bytes = bytes;
  }

  @Override
  public String codec() {
    return codec;
  }

  @Override
  public int rows() {
    return rows;
  }

  @Override
  public int cols() {
    return cols;
  }

  @Override
  public DenseMatrix decode() {
    return TensorCodecs.decode(codec, bytes).decode();
  }

  @Override
  public byte[] encode() {
    return bytes.clone();
  }

  @Override
  public long encodedLength() {
    return bytes.length;
  }

  /** The decoded matrix, read when needed (serializable: it carries the encoded bytes). */
  public io.nncompress.format.safetensors.TensorSource source() {
    return new EncodedTensorSource(codec, rows, cols, bytes);
  }
}
