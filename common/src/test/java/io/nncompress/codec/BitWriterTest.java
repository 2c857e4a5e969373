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
}
