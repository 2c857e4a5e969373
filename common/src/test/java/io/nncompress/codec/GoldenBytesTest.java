package io.nncompress.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.linalg.DenseMatrix;
import org.junit.jupiter.api.Test;

/** Bytes assembled by hand from the layouts drawn in the format javadocs. */
class GoldenBytesTest {
  private static byte[] bytes(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }

  @Test
  void deepCompressedSparseLayout() {
    // 2x3, codebook {-1, 2}, row-major codes [0, 1, -, -, -, 1]: positions 0, 1, 5
    int z = WeightSharing.ZERO_CODE;
    WeightSharing ws = WeightSharing.of(2, 3, 1, new float[] {-1f, 2f}, new int[] {0, 1, z, z, z, 1});
    byte[] expect = bytes(
        0x44, 0x43, 0x4D, 0x50, // MAGIC "DCMP"
        2, 0, 0, 0, // rows
        3, 0, 0, 0, // cols
        1, // version
        DeepCompressedTensor.FLAG_SPARSE,
        1, // bits
        2, // gapBits: PAD = 3
        4, 0, 0, 0, // nSymbols: gaps 0, 0, then 3 zeros -> PAD, 0
        3, 0, 0, 0, // nValues
        0x00, 0x00, 0x80, 0xBF, // -1f
        0x00, 0x00, 0x00, 0x40, // 2f
        0x30, // gap symbols 0, 0, 3, 0 at 2 bits, least significant first: 00 00 11 00 -> 0b00110000
        0x06); // indices 0, 1, 1 at 1 bit: 0b110
    DeepCompressedTensor t = DeepCompressedTensor.of(ws, true, 2, false);
    assertArrayEquals(expect, t.encode());
    DenseMatrix d = TensorCodecs.decode(DeepCompressedTensor.CODEC, expect).decode();
    assertArrayEquals(new double[] {-1, 2, 0}, d.row(0), 0);
    assertArrayEquals(new double[] {0, 0, 2}, d.row(1), 0);
  }

  @Test
  void deepCompressedHuffmanLayout() {
    // 1x4 dense, bits 1, codes [1, 1, 1, 0]: Huffman lengths 1 and 1, canonical codes 0 -> "0", 1 -> "1"
    WeightSharing ws = WeightSharing.of(1, 4, 1, new float[] {0f, 1f}, new int[] {1, 1, 1, 0});
    byte[] got = DeepCompressedTensor.of(ws, false, 0, true).encode();
    assertEquals(DeepCompressedTensor.FLAG_HUFFMAN, got[DeepCompressedTensor.FLAGS_OFFSET]);
    assertEquals(0, got[DeepCompressedTensor.GAP_BITS_OFFSET]);
    assertEquals(4, got[DeepCompressedTensor.VALUES_COUNT_OFFSET]);
    // stream: lengths 1, 1 (5 bits each), then the codes 1, 1, 1, 0: 10 + 4 = 14 bits
    // bits 0-4 = 00001, 5-9 = 00001 (LSB first), 10-13 = 1, 1, 1, 0
    // byte 0: bit0 = 1, bit5 = 1 -> 0b00100001; byte 1: bit10-12 set -> bits 2, 3, 4 of byte 1 -> 0b00011100
    int cb = DeepCompressedTensor.CODEBOOK_OFFSET + 8;
    assertEquals(cb + 2, got.length);
    assertEquals(0x21, got[cb] & 0xFF);
    assertEquals(0x1C, got[cb + 1] & 0xFF);
  }

  @Test
  void kmeansLayout() {
    WeightSharing ws = WeightSharing.of(1, 3, 1, new float[] {0.5f, 1.5f}, new int[] {1, 0, 1});
    byte[] expect = bytes(
        0x4B, 0x4D, 0x4E, 0x53, // MAGIC "KMNS"
        1, 0, 0, 0, 3, 0, 0, 0, // rows, cols
        1, 1, 0, 0, // version, bits, reserved
        0x00, 0x00, 0x00, 0x3F, // 0.5f
        0x00, 0x00, 0xC0, 0x3F, // 1.5f
        0x05); // indices 1, 0, 1
    assertArrayEquals(expect, KMeansTensor.of(ws).encode());
    assertArrayEquals(new double[] {1.5, 0.5, 1.5}, TensorCodecs.decode("kmeans", expect).decode().row(0), 0);
  }

  @Test
  void sparseLayout() {
    DenseMatrix w = DenseMatrix.fromRows(new double[][] {{0, 0.5, 0, 0}});
    byte[] expect = bytes(
        0x53, 0x50, 0x52, 0x53, // MAGIC "SPRS"
        1, 0, 0, 0, 4, 0, 0, 0, // rows, cols
        1, 1, 0, 0, // version, gapBits (PAD = 1), reserved
        2, 0, 0, 0, // nSymbols: PAD for the leading zero, then gap 0
        1, 0, 0, 0, // nValues
        0x00, 0x00, 0x00, 0x3F, // 0.5f
        0x01); // symbols 1, 0
    assertArrayEquals(expect, SparseTensor.of(w, 1).encode());
    assertArrayEquals(new double[] {0, 0.5, 0, 0}, TensorCodecs.decode("sparse", expect).decode().row(0), 0);
  }
}
