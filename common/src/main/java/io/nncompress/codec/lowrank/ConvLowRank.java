package io.nncompress.codec.lowrank;

import io.nncompress.linalg.DenseMatrix;

/**
 * Low rank for a conv kernel O x I x kh x kw (PyTorch order, flat row-major). The kernel is the
 * O x (I*kh*kw) matrix of its flattened filters (row o = filter o, columns in (i, y, x) order, the
 * order of {@link io.nncompress.linalg.ConvGeometry#extractPatches}); a rank-r factorization
 * K ~ P Q^T becomes two convs:
 * <ol>
 *   <li>a kh x kw conv with r outputs, weights r x I x kh x kw = Q^T reshaped, with the original
 *       stride, padding and dilation;</li>
 *   <li>a 1 x 1 conv with O outputs, weights O x r x 1 x 1 = P.</li>
 * </ol>
 * Both are linear in the patches, so conv2(conv1(X)) = P (Q^T patch) = (P Q^T) patch at every output
 * position: the two convs compose to the conv by the truncated kernel P Q^T.
 */
public final class ConvLowRank {
  private ConvLowRank() {}

  /** The O x (I*kh*kw) matrix of a flat row-major O x I x kh x kw kernel. */
  public static DenseMatrix kernelMatrix(double[] kernel, int out, int in, int kh, int kw) {
    long n = (long) out * in * kh * kw;
    if (out < 1 || in < 1 || kh < 1 || kw < 1 || kernel.length != n) {
      throw new IllegalArgumentException("kernel " + out + "x" + in + "x" + kh + "x" + kw + " needs " + n
          + " values, has " + kernel.length);
    }
    return DenseMatrix.fromRowMajor(out, in * kh * kw, kernel);
  }

  /** The flat row-major O x I x kh x kw kernel of an O x (I*kh*kw) matrix (inverse of kernelMatrix). */
  public static double[] kernelOf(DenseMatrix m) {
    return m.toRowMajor();
  }

  /** Weights of the first (kh x kw) conv: r x I x kh x kw = Q^T, flat row-major. */
  public static double[] firstConvWeights(LowRankFactors f) {
    return f.q.transpose().toRowMajor();
  }

  /** Weights of the second (1 x 1) conv: O x r x 1 x 1 = P, flat row-major. */
  public static double[] pointwiseConvWeights(LowRankFactors f) {
    return f.p.toRowMajor();
  }
}
