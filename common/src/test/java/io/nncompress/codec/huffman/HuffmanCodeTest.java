package io.nncompress.codec.huffman;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.codec.BitReader;
import io.nncompress.codec.BitWriter;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HuffmanCodeTest {

  private static double kraft(HuffmanCode c) {
    double s = 0;
    for (int l : c.lengths()) {
      if (l > 0) {
        s += Math.pow(2, -l);
      }
    }
    return s;
  }

  @Test
  void handComputedLengthsAndCanonicalCodes() {
    // freq a=45 b=13 c=12 d=16 e=9 f=5 (CLRS): lengths 1,3,3,3,4,4
    HuffmanCode c = HuffmanCode.fromFrequencies(new long[] {45, 13, 12, 16, 9, 5}, 24);
    assertArrayEquals(new int[] {1, 3, 3, 3, 4, 4}, c.lengths());
    // canonical: a=0, b=100, c=101, d=110, e=1110, f=1111
    assertEquals(0b0, c.code(0));
    assertEquals(0b100, c.code(1));
    assertEquals(0b101, c.code(2));
    assertEquals(0b110, c.code(3));
    assertEquals(0b1110, c.code(4));
    assertEquals(0b1111, c.code(5));
  }

  @Test
  void kraftEqualityBitLengthAndRoundTrip() {
    Random rnd = new Random(1);
    for (int trial = 0; trial < 50; trial++) {
      int alphabet = 2 + rnd.nextInt(300);
      int n = 1 + rnd.nextInt(5000);
      int[] sym = new int[n];
      double skew = 0.5 + 3 * rnd.nextDouble();
      for (int i = 0; i < n; i++) {
        // geometric-like skew so lengths vary
        sym[i] = Math.min(alphabet - 1, (int) (-Math.log(1 - rnd.nextDouble()) * alphabet / (skew * 8)));
      }
      long[] freq = HuffmanCode.frequencies(sym, alphabet);
      HuffmanCode c = HuffmanCode.fromFrequencies(freq, 24);
      int used = 0;
      for (long f : freq) {
        used += f > 0 ? 1 : 0;
      }
      for (int s = 0; s < alphabet; s++) {
        assertEquals(freq[s] > 0, c.length(s) > 0, "symbol " + s);
      }
      if (used >= 2) {
        assertEquals(1.0, kraft(c), 1e-12, "trial " + trial);
      }
      BitWriter w = new BitWriter();
      c.encode(sym, w);
      long expectBits = 0;
      for (int s : sym) {
        expectBits += c.length(s);
      }
      assertEquals(expectBits, w.bitLength());
      assertEquals(expectBits, c.encodedBits(freq));
      assertArrayEquals(sym, c.decode(new BitReader(w.toByteArray(), 0), n));
    }
  }

  @Test
  void huffmanIsOptimalAgainstFixedLengthAndEntropyBounds() {
    // the expected length lies in [H, H + 1)
    long[] freq = {400, 200, 100, 50, 25, 12, 6, 3, 2, 1, 1};
    HuffmanCode c = HuffmanCode.fromFrequencies(freq, 24);
    long total = 0;
    for (long f : freq) {
      total += f;
    }
    double h = 0;
    for (long f : freq) {
      double p = (double) f / total;
      h -= p * Math.log(p) / Math.log(2);
    }
    double avg = (double) c.encodedBits(freq) / total;
    assertTrue(avg >= h - 1e-12 && avg < h + 1, "average " + avg + " entropy " + h);
  }

  @Test
  void lengthLimitIsHonoured() {
    // Fibonacci frequencies give a maximally deep Huffman tree (depth n - 1)
    long[] fib = new long[30];
    fib[0] = 1;
    fib[1] = 1;
    for (int i = 2; i < fib.length; i++) {
      fib[i] = fib[i - 1] + fib[i - 2];
    }
    HuffmanCode unlimited = HuffmanCode.fromFrequencies(fib, 31);
    assertEquals(29, unlimited.maxLength());
    for (int limit : new int[] {5, 8, 12}) {
      HuffmanCode c = HuffmanCode.fromFrequencies(fib, limit);
      assertTrue(c.maxLength() <= limit, "limit " + limit + " max " + c.maxLength());
      assertEquals(1.0, kraft(c), 1e-12);
      int[] sym = new int[fib.length];
      for (int s = 0; s < sym.length; s++) {
        sym[s] = s;
      }
      BitWriter w = new BitWriter();
      c.encode(sym, w);
      assertArrayEquals(sym, c.decode(new BitReader(w.toByteArray(), 0), sym.length));
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HuffmanCode.fromFrequencies(fib, 4));
    assertTrue(e.getMessage().contains("30 used symbols do not fit codes of at most maxLength = 4"), e.getMessage());
  }

  @Test
  void singleSymbolAndEmptyInputs() {
    HuffmanCode one = HuffmanCode.fromSymbols(new int[] {3, 3, 3}, 8, 24);
    assertEquals(1, one.length(3));
    BitWriter w = new BitWriter();
    one.encode(new int[] {3, 3, 3}, w);
    assertEquals(3, w.bitLength());
    assertArrayEquals(new int[] {3, 3, 3}, one.decode(new BitReader(w.toByteArray(), 0), 3));

    HuffmanCode none = HuffmanCode.fromSymbols(new int[0], 8, 24);
    assertArrayEquals(new int[8], none.lengths());
    BitWriter w0 = new BitWriter();
    none.encode(new int[0], w0);
    assertEquals(0, w0.toByteArray().length);
    assertArrayEquals(new int[0], none.decode(new BitReader(new byte[0], 0), 0));
    assertThrows(IllegalArgumentException.class, () -> none.encode(2, new BitWriter()));
  }

  @Test
  void lengthsSerialiseAndRejectNonPrefixCodes() {
    HuffmanCode c = HuffmanCode.fromFrequencies(new long[] {5, 0, 9, 1, 1, 30}, 24);
    BitWriter w = new BitWriter();
    c.writeLengths(w);
    assertEquals(6 * HuffmanCode.LENGTH_FIELD_BITS, w.bitLength());
    HuffmanCode back = HuffmanCode.readLengths(new BitReader(w.toByteArray(), 0), 6);
    assertArrayEquals(c.lengths(), back.lengths());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> HuffmanCode.fromLengths(new int[] {1, 1, 1}));
    assertTrue(e.getMessage().contains("Kraft"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> HuffmanCode.fromFrequencies(new long[] {1, 2}, 0));
    assertEquals("maxLength must be in 1..31, cannot be: 0", e.getMessage());
    // truncated stream
    BitWriter tw = new BitWriter();
    c.encode(new int[] {0, 2, 3, 4, 0, 2}, tw);
    byte[] bytes = tw.toByteArray();
    byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 1);
    e = assertThrows(IllegalArgumentException.class, () -> c.decode(new BitReader(cut, 0), 6));
    assertTrue(e.getMessage().startsWith("Truncated bit stream"), e.getMessage());
  }
}
