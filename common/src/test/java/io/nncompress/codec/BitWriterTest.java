package io.nncompress.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BitWriterTest {
  @Test
  void fieldsOfEveryWidthRoundTrip() {
    Random rnd = new Random(2);
    int n = 5000;
    int[] width = new int[n];
    int[] value = new int[n];
    BitWriter w = new BitWriter(1);
    long bits = 0;
    for (int i = 0; i < n; i++) {
      width[i] = rnd.nextInt(33);
      value[i] = rnd.nextInt() & (width[i] == 32 ? -1 : (1 << width[i]) - 1);
      w.write(value[i], width[i]);
      bits += width[i];
    }
    assertEquals(bits, w.bitLength());
    byte[] out = w.toByteArray();
    assertEquals((bits + 7) / 8, out.length);
    BitReader r = new BitReader(out, 0);
    for (int i = 0; i < n; i++) {
      assertEquals(value[i], r.read(width[i]), "field " + i + " of width " + width[i]);
    }
  }

  @Test
  void layoutIsLeastSignificantBitFirst() {
    BitWriter w = new BitWriter();
    w.write(0b101, 3); // bits 0..2
    w.write(0b11111, 5); // bits 3..7
    w.write(1, 1); // bit 8
    assertArrayEquals(new byte[] {(byte) 0b11111101, 1}, w.toByteArray());
    BitReader r = new BitReader(new byte[] {0, (byte) 0b11111101, 1}, 1);
    assertEquals(1, r.readBit());
    assertEquals(0b10, r.read(2));
    assertEquals(0b111111, r.read(6));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.read(8));
    assertEquals("Truncated bit stream: needs 8 more bits at bit 9 of a 2-byte stream", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> w.write(0, 33));
  }

  @Test
  void packedCodesKeepTheFormerQuantLayout() {
    // codes 1, 2, 3 at 3 bits: stream bits 100 010 110 (bit 0 first): byte 0 = 1101_0001, byte 1 bit 0 = 0
    assertArrayEquals(new byte[] {(byte) 0b1101_0001, 0b0000_0000}, BitWriter.pack(new int[] {1, 2, 3}, 3));
    assertArrayEquals(new byte[] {(byte) 0xA5}, BitWriter.pack(new int[] {1, 0, 1, 0, 0, 1, 0, 1}, 1));
    assertArrayEquals(new int[] {1, 2, 3}, BitReader.unpack(new byte[] {7, (byte) 0b1101_0001, 0}, 1, 3, 3));
  }

  @Test
  void packedCodesRoundTripEveryWidth() {
    Random rnd = new Random(1);
    for (int bits = 1; bits <= 32; bits++) {
      int[] codes = new int[37];
      for (int k = 0; k < codes.length; k++) {
        codes[k] = rnd.nextInt() >>> (32 - bits);
      }
      byte[] packed = BitWriter.pack(codes, bits);
      assertEquals((37L * bits + 7) / 8, packed.length);
      byte[] shifted = new byte[packed.length + 3];
      System.arraycopy(packed, 0, shifted, 3, packed.length);
      assertArrayEquals(codes, BitReader.unpack(shifted, 3, codes.length, bits), "bits " + bits);
    }
  }

  @Test
  void packRejectsOversizedCodesAndUnpackShortInput() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BitWriter.pack(new int[] {1, 4}, 2));
    assertEquals("codes[1] must fit 2 bits, cannot be: 4", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> BitWriter.pack(new int[] {-1}, 8));
    assertThrows(IllegalArgumentException.class, () -> BitWriter.pack(new int[] {0}, 0));
    e = assertThrows(IllegalArgumentException.class, () -> BitReader.unpack(new byte[1], 0, 3, 3));
    assertEquals("3 codes of 3 bits need 2 bytes from offset 0, only 1 remain", e.getMessage());
  }
}
