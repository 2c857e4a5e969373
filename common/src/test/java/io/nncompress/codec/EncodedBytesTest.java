package io.nncompress.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.format.safetensors.Tensor;
import io.nncompress.format.safetensors.TensorSource;
import io.nncompress.linalg.DenseMatrix;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EncodedBytesTest {

  /** Bit streams written in pieces and appended equal the stream written in one go. */
  @Test
  void appendedStreamsEqualOneStream() {
    Random rnd = new Random(1);
    for (int trial = 0; trial < 50; trial++) {
      BitWriter whole = new BitWriter();
      BitWriter joined = new BitWriter();
      int pieces = 1 + rnd.nextInt(6);
      for (int p = 0; p < pieces; p++) {
        BitWriter piece = new BitWriter();
        int fields = rnd.nextInt(40);
        for (int f = 0; f < fields; f++) {
          int bits = 1 + rnd.nextInt(9);
          int v = rnd.nextInt(1 << bits);
          whole.write(v, bits);
          piece.write(v, bits);
        }
        joined.append(piece.toByteArray(), piece.bitLength());
      }
      assertEquals(whole.bitLength(), joined.bitLength());
      assertArrayEquals(whole.toByteArray(), joined.toByteArray(), "trial " + trial);
    }
  }

  /** The streamed decode of every deepcomp form gives the rows of the full decode, block by block. */
  @Test
  void streamedDeepCompressionDecodeEqualsTheFullDecode() {
    Random rnd = new Random(2);
    DenseMatrix w = new DenseMatrix(37, 23);
    for (int i = 0; i < w.data.length; i++) {
      w.data[i] = rnd.nextGaussian() * (rnd.nextInt(4) == 0 ? 0 : 1);
    }
    for (DeepCompression.Config c : new DeepCompression.Config[] {
        DeepCompression.Config.defaults().bits(3).huffman(false),
        DeepCompression.Config.defaults().bits(4).huffman(true),
        DeepCompression.Config.defaults().bits(2).sparsity(0.5).huffman(true)}) {
      byte[] bytes = DeepCompression.compress(w, null, c).encode();
      double[] expected = DeepCompressedTensor.fromBytes(bytes).decode().toRowMajor();
      for (int block : new int[] {1, 5, 37, 100}) {
        double[] got = new double[expected.length];
        int[] next = {0};
        DeepCompressedTensor.forEachRowBlock(bytes, block, (first, v) -> {
          assertEquals(next[0], first);
          assertEquals(0, v.length % 23);
          System.arraycopy(v, 0, got, first * 23, v.length);
          next[0] = first + v.length / 23;
        });
        assertEquals(37, next[0]);
        assertArrayEquals(expected, got, 0);
      }
      EncodedBytes eb = new EncodedBytes(DeepCompressedTensor.CODEC, 37, 23, bytes);
      assertEquals(bytes.length, eb.encodedLength());
      assertArrayEquals(bytes, eb.encode());
      Tensor t = Tensor.deferred(eb.source());
      assertArrayEquals(expected, t.values(), 0);
      TensorSource s = eb.source();
      assertArrayEquals(java.util.Arrays.copyOfRange(expected, 5 * 23, 9 * 23), s.rows(5, 9), 0);
    }
    // a codec without a streamed decode: decoded whole
    byte[] k = KMeansTensor.of(WeightSharing.fit(w, 2)).encode();
    EncodedBytes eb = new EncodedBytes(KMeansTensor.CODEC, 37, 23, k);
    assertArrayEquals(KMeansTensor.fromBytes(k).decode().toRowMajor(), Tensor.deferred(eb.source()).values(), 0);
  }
}
