package io.nncompress.bench;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Issue 18, item 1: how many interleaved rounds a grid cell gets. */
class InterleavedRoundsTest {
  @Test
  void cellsUnderThreeSecondsGetAtLeastThreeRounds() {
    // FISTA best 0.4 s, BCD best 1.1 s (totals over the rounds so far)
    assertFalse(InterleavedRounds.enough(0, new double[] {Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY},
        new double[] {0, 0}));
    assertFalse(InterleavedRounds.enough(1, new double[] {0.4, 1.1}, new double[] {0.4, 1.1}));
    assertFalse(InterleavedRounds.enough(2, new double[] {0.4, 1.1}, new double[] {0.8, 2.3}));
    assertTrue(InterleavedRounds.enough(3, new double[] {0.4, 1.1}, new double[] {1.2, 3.4}));
    // a 2x verdict of one round at 2 s and 4 s is not trusted (the runs that flipped under load were 2.3x)
    assertFalse(InterleavedRounds.enough(1, new double[] {2.0, 4.0}, new double[] {2.0, 4.0}));
    // a near tie (within 1.5x, the faster under 1 s): up to 7 rounds while the totals stay under 3 s
    assertFalse(InterleavedRounds.enough(3, new double[] {0.33, 0.45}, new double[] {1.3, 1.6}));
    assertTrue(InterleavedRounds.enough(7, new double[] {0.33, 0.45}, new double[] {2.6, 3.3}));
    assertTrue(InterleavedRounds.enough(5, new double[] {0.33, 0.45}, new double[] {2.0, 3.1}));
    // 10-100 ms cells: up to 7 rounds while every method's total stays under 1 s
    assertFalse(InterleavedRounds.enough(6, new double[] {0.02, 0.04}, new double[] {0.12, 0.24}));
    assertTrue(InterleavedRounds.enough(7, new double[] {0.02, 0.04}, new double[] {0.14, 0.28}));
  }

  @Test
  void millisecondCellsRunUntilEveryMethodHasRunATenthOfASecond() {
    // 0.4 ms and 0.3 ms: 7 rounds are 3 ms, in which the first rounds' JIT and the timer decide the verdict
    assertFalse(InterleavedRounds.enough(7, new double[] {0.0004, 0.0003}, new double[] {0.0035, 0.0028}));
    assertFalse(InterleavedRounds.enough(250, new double[] {0.0004, 0.0003}, new double[] {0.11, 0.09}));
    assertTrue(InterleavedRounds.enough(280, new double[] {0.0004, 0.0003}, new double[] {0.12, 0.1}));
    // at most 500 rounds (a 2-iteration solve of 20 microseconds)
    assertFalse(InterleavedRounds.enough(499, new double[] {0.00002, 0.004}, new double[] {0.01, 2.0}));
    assertTrue(InterleavedRounds.enough(500, new double[] {0.00002, 0.004}, new double[] {0.01, 2.0}));
    // from 10 ms on, the rule above
    assertTrue(InterleavedRounds.enough(7, new double[] {0.003, 0.011}, new double[] {0.021, 0.077}));
  }

  @Test
  void bigCellsGetFewerRounds() {
    // faster method over 3 s: 2 rounds; over 20 s, or over 3 s with the other over 3x it: 1
    assertFalse(InterleavedRounds.enough(1, new double[] {5.0, 7.0}, new double[] {5.0, 7.0}));
    assertTrue(InterleavedRounds.enough(2, new double[] {5.0, 7.0}, new double[] {10.0, 14.0}));
    assertTrue(InterleavedRounds.enough(1, new double[] {25.0, 30.0}, new double[] {25.0, 30.0}));
    assertTrue(InterleavedRounds.enough(1, new double[] {14.3, 149.0}, new double[] {14.3, 149.0}));
  }
}
