package io.nncompress.codec.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.codec.TensorCodecs;
import io.nncompress.linalg.DenseMatrix;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BinaryQuantizerTest {
  @Test
  void handComputedRows() {
    DenseMatrix w = DenseMatrix.fromRows(new double[][] {{1, -2, 0, 3}, {-0.5, -0.5, 0.5, 0.5}});
    BinaryTensor t = BinaryQuantizer.quantize(w);
    assertEquals(1.5, t.alpha(0), 0.0); // (1 + 2 + 0 + 3) / 4
    assertEquals(0.5, t.alpha(1), 0.0);
    assertArrayEquals(new double[] {1.5, -1.5, 1.5, 1.5}, t.decode().row(0), 0.0); // sign(0) = +1
    assertEquals(12 + 8 + 1, t.encode().length);
  }

  @Test
  void roundTripBitExactAndScaleIsTheMinimiser() {
    DenseMatrix w = UniformQuantizerTest.gaussian(7, 19, 5);
    BinaryTensor t = BinaryQuantizer.quantize(w);
    DenseMatrix q = t.decode();
    assertArrayEquals(q.data, TensorCodecs.decode(BinaryTensor.CODEC, t.encode()).decode().data, 0.0);
    for (int i = 0; i < 7; i++) {
      double alpha = t.alpha(i);
      double best = rowError(w, i, alpha);
      for (double f = 0.5; f <= 1.5; f += 0.01) {
        if (Math.abs(f - 1) > 1e-9) {
          assertTrue(rowError(w, i, alpha * f) > best, "row " + i + " factor " + f);
        }
      }
    }
  }

  private static double rowError(DenseMatrix w, int i, double alpha) {
    double e = 0;
    for (int j = 0; j < w.cols; j++) {
      double v = w.get(i, j);
      double d = v - (v >= 0 ? alpha : -alpha);
      e += d * d;
    }
    return e;
  }

  @Test
  void truncatedBytesFail() {
    byte[] bytes = BinaryQuantizer.quantize(UniformQuantizerTest.gaussian(3, 9, 6)).encode();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BinaryTensor.fromBytes(Arrays.copyOf(bytes, bytes.length - 1)));
    assertTrue(e.getMessage().contains("needs " + bytes.length), e.getMessage());
  }
}
