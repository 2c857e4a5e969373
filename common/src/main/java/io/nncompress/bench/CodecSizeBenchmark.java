package io.nncompress.bench;

import io.nncompress.codec.EncodedTensor;
import io.nncompress.codec.RawFloat32Tensor;
import io.nncompress.codec.TensorCodecs;
import io.nncompress.codec.hashing.HashedWeights;
import io.nncompress.codec.lowrank.LowRankFactors;
import io.nncompress.codec.lowrank.LowRankTensor;
import io.nncompress.codec.lowrank.RankSelector;
import io.nncompress.codec.lowrank.TruncatedSvd;
import io.nncompress.codec.quant.BinaryQuantizer;
import io.nncompress.codec.quant.UniformQuantizer;
import io.nncompress.codec.quant.VectorQuantizer;
import io.nncompress.linalg.Blas;
import io.nncompress.linalg.DenseMatrix;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Encodes one Gaussian h x d matrix with every codec of the lowrank, quant and hashing packages
 * and prints, per codec: encode time, the real encoded bytes, the real compression rate against
 * the float32 baseline (12 + 4 h d bytes), the literature's rate formula for the same parameters
 * (seeds/002: SVD h d / (r (h + d + 1)), PQ/RQ 32 m n / (t (32 k n + m s log2 k)); 32 / b for
 * b-bit codes; h d / K for hashing) and the relative Frobenius error ||W - W^|| / ||W||. Each
 * encoded form is decoded back through {@link TensorCodecs} to check it reads.
 *
 * <pre>
 * mvn -q -o -pl common exec:java -Dexec.mainClass=io.nncompress.bench.CodecSizeBenchmark \
 *     -Dexec.classpathScope=compile -Dexec.args="512 512"
 * </pre>
 */
public final class CodecSizeBenchmark {
  private CodecSizeBenchmark() {}

  public static void main(String[] args) {
    int h = args.length > 0 ? Integer.parseInt(args[0]) : 512;
    int d = args.length > 1 ? Integer.parseInt(args[1]) : 512;
    Random rnd = new Random(1);
    DenseMatrix w = new DenseMatrix(h, d);
    for (int k = 0; k < w.data.length; k++) {
      w.data[k] = rnd.nextGaussian();
    }
    double base = 12.0 + 4.0 * h * d;
    System.out.println("CodecSizeBenchmark: " + h + "x" + d + " Gaussian, float32 baseline " + (long) base
        + " bytes, " + Blas.describe());
    System.out.println(String.format(Locale.ROOT, "%-28s %9s %10s %9s %9s %9s", "codec", "ms", "bytes", "rate",
        "lit rate", "rel err"));
    LowRankFactors[] f = new LowRankFactors[1];
    row("lowrank energy 0.5", w, base, () -> {
      f[0] = TruncatedSvd.factor(w, RankSelector.energy(0.5));
      return LowRankTensor.encodeSmallest(f[0]);
    }, () -> LowRankTensor.literatureCompressionRate(h, d, f[0].rank()));
    row("lowrank rank " + Math.max(1, Math.min(h, d) / 16), w, base,
        () -> LowRankTensor.encodeSmallest(TruncatedSvd.factor(w, Math.max(1, Math.min(h, d) / 16))),
        () -> LowRankTensor.literatureCompressionRate(h, d, Math.max(1, Math.min(h, d) / 16)));
    for (int bits : new int[] {8, 4, 2}) {
      row("uniform " + bits + " bits per row", w, base,
          () -> UniformQuantizer.quantize(w, bits, UniformQuantizer.Granularity.PER_ROW), () -> 32.0 / bits);
    }
    row("binary", w, base, () -> BinaryQuantizer.quantize(w), () -> 32.0);
    if (d % 4 == 0) {
      row("pq s=d/4 k=16", w, base, () -> VectorQuantizer.product(w, d / 4, 16, 7),
          () -> VectorQuantizer.literatureCompressionRate(h, d, d / 4, 16, 1));
      row("rq s=d/4 k=16 t=2", w, base, () -> VectorQuantizer.residual(w, d / 4, 16, 2, 7),
          () -> VectorQuantizer.literatureCompressionRate(h, d, d / 4, 16, 2));
    }
    int buckets = Math.max(1, h * d / 16);
    row("hashed K=hd/16 (agnostic)", w, base, () -> HashedWeights.fitToWeights(w, buckets, 7),
        () -> (double) h * d / buckets);
  }

  private static void row(String name, DenseMatrix w, double base, Supplier<EncodedTensor> codec,
      Supplier<Double> literature) {
    long t0 = System.nanoTime();
    EncodedTensor t = codec.get();
    byte[] bytes = t.encode();
    double ms = (System.nanoTime() - t0) / 1e6;
    DenseMatrix back = TensorCodecs.decode(t.codec(), bytes).decode();
    double err = w.minus(back).frobeniusNorm() / w.frobeniusNorm();
    String label = t.codec().equals(RawFloat32Tensor.CODEC) ? name + " (dense)" : name;
    System.out.println(String.format(Locale.ROOT, "%-28s %9.1f %10d %9.2f %9.2f %9.4f", label, ms, bytes.length,
        base / bytes.length, literature.get(), err));
  }
}
