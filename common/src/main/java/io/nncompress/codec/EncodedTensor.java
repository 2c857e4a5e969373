package io.nncompress.codec;

import io.nncompress.linalg.DenseMatrix;

/**
 * A weight matrix in an encoded (compressed) form. Every codec of nncompress produces one; the
 * compressed-layer Parquet schema stores {@link #codec()} and {@link #encode()}, and sizes reported
 * anywhere are {@code encode().length}: the bytes of the real encoded form, never a formula.
 */
public interface EncodedTensor {
  /** Stable codec name stored in the compressed-layer schema, e.g. "kmeans" or "uniform". */
  String codec();

  int rows();

  int cols();

  /** The dense matrix this encodes (rows x cols), exactly what the encoded bytes decode to. */
  DenseMatrix decode();

  /** Self-contained bytes; {@link TensorCodecs#decode(String, byte[])} reads them back. */
  byte[] encode();

  /** {@code encode().length}, without building the bytes when the form knows its size. */
  default long encodedLength() {
    return encode().length;
  }
}
