package io.nncompress.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.codec.hashing.HashedWeights;
import io.nncompress.codec.lowrank.LowRankTensor;
import io.nncompress.codec.lowrank.TruncatedSvd;
import io.nncompress.codec.quant.BinaryQuantizer;
import io.nncompress.codec.quant.UniformQuantizer;
import io.nncompress.codec.quant.VectorQuantizer;
import io.nncompress.linalg.DenseMatrix;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every codec of lowrank, quant and hashing: registered, round-trips, rejects the others' bytes. */
class CodecRegistryTest {
  private static List<EncodedTensor> samples() {
    Random rnd = new Random(5);
    DenseMatrix w = new DenseMatrix(12, 8);
    for (int k = 0; k < w.data.length; k++) {
      w.data[k] = rnd.nextGaussian();
    }
    return List.of(
        LowRankTensor.of(TruncatedSvd.factor(w, 2)),
        UniformQuantizer.quantize(w, 4, UniformQuantizer.Granularity.PER_ROW),
        BinaryQuantizer.quantize(w),
        VectorQuantizer.product(w, 2, 4, 1),
        VectorQuantizer.residual(w, 2, 4, 2, 1),
        HashedWeights.fitToWeights(w, 10, 3));
  }

  @Test
  void allRegisteredAndRoundTripBitExact() {
    assertTrue(TensorCodecs.all().keySet().containsAll(
        List.of("lowrank", "uniform", "binary", "pq", "rq", "hashed", RawFloat32Tensor.CODEC)));
    for (EncodedTensor t : samples()) {
      EncodedTensor back = TensorCodecs.decode(t.codec(), t.encode());
      assertEquals(t.codec(), back.codec());
      assertEquals(12, back.rows());
      assertEquals(8, back.cols());
      assertArrayEquals(t.decode().data, back.decode().data, 0.0, t.codec());
      assertArrayEquals(t.encode(), back.encode(), t.codec());
    }
  }

  @Test
  void foreignAndTruncatedBytesFailWithClearMessages() {
    List<EncodedTensor> samples = samples();
    for (EncodedTensor reader : samples) {
      for (EncodedTensor writer : samples) {
        byte[] bytes = writer.encode();
        boolean sameFormat = reader.getClass() == writer.getClass();
        if (!sameFormat) {
          IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
              () -> TensorCodecs.decode(reader.codec(), bytes), reader.codec() + " reading " + writer.codec());
          assertTrue(e.getMessage().contains("Not a"), e.getMessage());
        }
        for (int cut : new int[] {0, 3, bytes.length - 1}) {
          byte[] shorter = Arrays.copyOf(bytes, cut);
          assertThrows(IllegalArgumentException.class, () -> TensorCodecs.decode(writer.codec(), shorter),
              writer.codec() + " cut at " + cut);
        }
      }
    }
  }
}
