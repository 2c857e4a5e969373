package io.nncompress.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TicksTest {
  @Test
  void niceStepIsOneTwoOrFiveTimesAPowerOfTen() {
    assertEquals(0.1, Ticks.niceStep(0.73, 5), 0);   // 0.146 = 1.46 x 0.1, 1.46 < 1.5 -> 1 x 0.1
    assertEquals(20, Ticks.niceStep(94, 5), 0);      // 18.8 -> 2 x 10
    assertEquals(50, Ticks.niceStep(300, 6), 0);     // 50 -> 5 x 10
    assertEquals(1000, Ticks.niceStep(8000, 10), 0); // 800 -> 8 >= 7 -> 10 x 100
    assertEquals(1e-3, Ticks.niceStep(0.0055, 5), 0); // 0.0011 -> 1 x 1e-3
  }

  @Test
  void linearTicksEncloseTheRangeOnMultiplesOfTheStep() {
    assertArrayEquals(new double[] {0, 20, 40, 60, 80, 100}, Ticks.linear(3, 97, 5), 0);
    assertArrayEquals(new double[] {-0.4, -0.2, 0, 0.2, 0.4}, Ticks.linear(-0.31, 0.35, 4), 0);
    // no floating residue: 3 x 0.1 prints 0.3
    assertArrayEquals(new double[] {0, 0.1, 0.2, 0.3}, Ticks.linear(0, 0.3, 3), 0);
    // exact bounds are ticks themselves, not one step beyond
    assertArrayEquals(new double[] {0, 200, 400, 600, 800}, Ticks.linear(0, 800, 4), 0);
  }

  @Test
  void degenerateLinearRangeIsWidened() {
    // [8, 8] -> [4, 12]: step 8 / 5 = 1.6 -> 2
    assertArrayEquals(new double[] {4, 6, 8, 10, 12}, Ticks.linear(8, 8, 5), 0);
    double[] z = Ticks.linear(0, 0, 4);
    assertTrue(z[0] <= -1 && z[z.length - 1] >= 1);
  }

  @Test
  void logTicksArePowersOfTenAndTwoFiveInShortRanges() {
    assertArrayEquals(new double[] {1e-3, 1e-2, 1e-1, 1}, Ticks.log(0.0099, 0.69), 0);
    assertArrayEquals(new double[] {1e4, 1e5, 1e6, 1e7}, Ticks.log(14302, 1066440), 0);
    // under 3 decades: 2 and 5 x 10^k inside [min, max]; 2 < 3 is left out, 50 > 40 too
    assertArrayEquals(new double[] {1, 5, 10, 20, 100}, Ticks.log(3, 40), 0);
    // one value: the decade above it
    assertArrayEquals(new double[] {1, 10}, Ticks.log(1, 1), 0);
  }

  @Test
  void argumentsAreChecked() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ticks.log(0, 10));
    assertTrue(e.getMessage().contains("0 < min <= max"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Ticks.linear(2, 1, 5));
    assertThrows(IllegalArgumentException.class, () -> Ticks.linear(0, Double.POSITIVE_INFINITY, 5));
    e = assertThrows(IllegalArgumentException.class, () -> Ticks.niceStep(1, 0));
    assertEquals("n must be >= 1, cannot be: 0", e.getMessage());
  }

  @Test
  void scaleMapsTheDomainEndsOntoThePixelEnds() {
    Scale s = Scale.of(3, 97, false, 64, 580, 5); // domain [0, 100]
    assertEquals(64, s.apply(0), 1e-12);
    assertEquals(580, s.apply(100), 1e-12);
    assertEquals(64 + 0.25 * 516, s.apply(25), 1e-12);
    Scale l = Scale.of(0.0099, 0.69, true, 300, 40, 5); // domain [1e-3, 1], 3 decades over 260 px
    assertEquals(300, l.apply(1e-3), 1e-9);
    assertEquals(300 - 260.0 / 3, l.apply(1e-2), 1e-9);
    assertEquals(40, l.apply(1), 1e-9);
  }
}
