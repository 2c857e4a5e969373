/**
 * Scalar and vector quantizers of a weight matrix and their encoded forms:
 * {@link io.nncompress.codec.quant.UniformQuantizer} (affine 2..8 bits, per tensor or per row, codec
 * "uniform"), {@link io.nncompress.codec.quant.BinaryQuantizer} (sign times mean |W_i|, codec
 * "binary"), {@link io.nncompress.codec.quant.VectorQuantizer} (product quantization, codec "pq",
 * and residual quantization, codec "rq", on seeded {@link io.nncompress.codec.quant.KMeans}).
 * Codes are bit-packed least significant bit first by {@link io.nncompress.codec.BitWriter#pack}.
 */
package io.nncompress.codec.quant;
