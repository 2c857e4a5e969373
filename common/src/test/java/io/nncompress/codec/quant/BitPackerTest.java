package io.nncompress.codec.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BitPackerTest {
  @Test
  void layoutIsLeastSignificantBitFirst() {
    // codes 1, 2, 3 at 3 bits: stream bits 100 010 110 (bit 0 first) = byte 0 bits 0..7 10001011, byte 1 bit 0 = 0
    assertArrayEquals(new byte[] {(byte) 0b1101_0001, 0b0000_0000}, BitPacker.pack(new int[] {1, 2, 3}, 3));
    assertArrayEquals(new byte[] {(byte) 0xA5}, BitPacker.pack(new int[] {1, 0, 1, 0, 0, 1, 0, 1}, 1));
  }

  @Test
  void roundTripsEveryWidth() {
    SplittableRandom rnd = new SplittableRandom(1);
    for (int bits = 1; bits <= 16; bits++) {
      int[] codes = new int[37];
      for (int k = 0; k < codes.length; k++) {
        codes[k] = rnd.nextInt(1 << bits);
      }
      byte[] packed = BitPacker.pack(codes, bits);
      assertArrayEquals(codes, BitPacker.unpack(packed, 0, codes.length, bits));
    }
  }

  @Test
  void rejectsOversizedCodesAndShortInput() {
    assertThrows(IllegalArgumentException.class, () -> BitPacker.pack(new int[] {4}, 2));
    assertThrows(IllegalArgumentException.class, () -> BitPacker.unpack(new byte[1], 0, 3, 3));
  }
}
