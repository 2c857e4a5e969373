package io.nncompress.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EtaTest {
  @Test
  void averageRateSoFar() {
    // 10 s for a quarter: the other three quarters take 30 s
    assertEquals(30.0, Eta.seconds(10.0, 0.25), 1e-12);
    // 3 of 4 Spark tasks in 6 s: the last one 2 s
    assertEquals(2.0, Eta.seconds(6.0, 3, 4), 1e-12);
    assertEquals(0.0, Eta.seconds(6.0, 4, 4), 0.0);
    assertEquals(0.0, Eta.seconds(6.0, 1.0), 0.0);
  }

  @Test
  void unknownBeforeAnythingIsDone() {
    assertTrue(Double.isNaN(Eta.seconds(5.0, 0.0)));
    assertTrue(Double.isNaN(Eta.seconds(5.0, 0, 8)));
    assertTrue(Double.isNaN(Eta.seconds(5.0, 0, 0)));
    assertTrue(Double.isNaN(Eta.seconds(Double.NaN, 0.5)));
  }

  @Test
  void solveProgressOnTheLogScaleOfTheResidual() {
    // from 1 to 1e-6: 1e-3 is half way on the log scale; 2 s for that half leaves 2 s
    double f = Eta.logFraction(1.0, 1e-3, 1e-6);
    assertEquals(0.5, f, 1e-12);
    assertEquals(2.0, Eta.seconds(2.0, f), 1e-9);
    // 1e-2 -> 1e-8, now 1e-4: a third of the way (ln 100 / ln 1e6)
    assertEquals(1.0 / 3.0, Eta.logFraction(1e-2, 1e-4, 1e-8), 1e-12);
    // a residual that went up is no progress; one below the target is all of it
    assertEquals(0.0, Eta.logFraction(1e-2, 1e-1, 1e-8), 0.0);
    assertEquals(1.0, Eta.logFraction(1e-2, 1e-9, 1e-8), 0.0);
    assertTrue(Double.isNaN(Eta.logFraction(1e-9, 1e-9, 1e-8)), "already at the target at the start");
    assertTrue(Double.isNaN(Eta.logFraction(0.0, 1e-3, 1e-8)));
  }
}
