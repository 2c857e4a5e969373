package io.nncompress.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.codec.hashing.HashedWeights;
import io.nncompress.codec.lowrank.FactoredTensor;
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
        factored(w),
        UniformQuantizer.quantize(w, 4, UniformQuantizer.Granularity.PER_ROW),
        BinaryQuantizer.quantize(w),
        VectorQuantizer.product(w, 2, 4, 1),
        VectorQuantizer.residual(w, 2, 4, 2, 1),
        HashedWeights.fitToWeights(w, 10, 3));
  }

  /** Rank 2, Q^T 8-bit uniform per row, P binary. */
  private static FactoredTensor factored(DenseMatrix w) {
    io.nncompress.codec.lowrank.LowRankFactors f = TruncatedSvd.factor(w, 2);
    return new FactoredTensor(UniformQuantizer.quantize(f.q.transpose(), 8, UniformQuantizer.Granularity.PER_ROW),
        BinaryQuantizer.quantize(f.p));
  }

  @Test
  void factoredTensorIsItsTwoFactorsCodecs() {
    Random rnd = new Random(6);
    DenseMatrix w = new DenseMatrix(12, 8);
    for (int k = 0; k < w.data.length; k++) {
      w.data[k] = rnd.nextGaussian();
    }
    FactoredTensor t = factored(w);
    byte[] bytes = t.encode();
    // hand layout: header, then "uniform" and its bytes, then "binary" and its bytes
    byte[] u = t.firstEncoded().encode();
    byte[] b = t.secondEncoded().encode();
    java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    assertEquals(0x3146524C, bb.getInt(0));
    assertEquals(12, bb.getInt(4));
    assertEquals(8, bb.getInt(8));
    assertEquals(2, bb.getInt(12));
    assertEquals(7, bytes[16]);
    assertEquals("uniform", new String(bytes, 17, 7, java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(u.length, bb.getInt(24));
    assertArrayEquals(u, Arrays.copyOfRange(bytes, 28, 28 + u.length));
    int p = 28 + u.length;
    assertEquals(6, bytes[p]);
    assertEquals("binary", new String(bytes, p + 1, 6, java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(b.length, bb.getInt(p + 7));
    assertArrayEquals(b, Arrays.copyOfRange(bytes, p + 11, bytes.length));
    assertEquals(0.0, t.decode().maxAbsDiff(t.second().times(t.first())), 1e-15);
    assertEquals("2x8", t.first().shape());
    assertEquals("12x2", t.second().shape());

    // a factor of the wrong shape or itself low rank: named errors
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FactoredTensor(
        t.firstEncoded(), BinaryQuantizer.quantize(new DenseMatrix(12, 3))));
    assertTrue(e.getMessage().contains("same r"), e.getMessage());
    byte[] renamed = bytes.clone();
    bb = java.nio.ByteBuffer.wrap(renamed).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    bb.putInt(12, 3); // rank 3: the first factor (2 x 8) no longer fits
    e = assertThrows(IllegalArgumentException.class, () -> TensorCodecs.decode(FactoredTensor.CODEC, renamed));
    assertTrue(e.getMessage().contains("first factor (Q^T) is 2x8, must be 3x8"), e.getMessage());
    byte[] nested = bytes.clone();
    System.arraycopy("lowrank".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, nested, 17, 7);
    e = assertThrows(IllegalArgumentException.class, () -> TensorCodecs.decode(FactoredTensor.CODEC, nested));
    assertTrue(e.getMessage().contains("itself low rank"), e.getMessage());
  }

  @Test
  void allRegisteredAndRoundTripBitExact() {
    assertTrue(TensorCodecs.all().keySet().containsAll(
        List.of("lowrank", "lowrank_coded", "uniform", "binary", "pq", "rq", "hashed", RawFloat32Tensor.CODEC)));
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
