package io.nncompress.codec.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.codec.TensorCodecs;
import io.nncompress.linalg.DenseMatrix;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UniformQuantizerTest {
  static DenseMatrix gaussian(int rows, int cols, long seed) {
    Random rnd = new Random(seed);
    DenseMatrix m = new DenseMatrix(rows, cols);
    for (int k = 0; k < m.data.length; k++) {
      m.data[k] = rnd.nextGaussian();
    }
    return m;
  }

  @Test
  void roundTripIsBitExactAndErrorWithinHalfScale() {
    DenseMatrix w = gaussian(9, 13, 1);
    for (int row = 0; row < 9; row++) {
      w.set(row, 0, w.get(row, 0) * (row + 1)); // rows of different ranges
    }
    for (UniformQuantizer.Granularity g : UniformQuantizer.Granularity.values()) {
      for (int bits = 2; bits <= 8; bits++) {
        UniformQuantizedTensor t = UniformQuantizer.quantize(w, bits, g);
        byte[] bytes = t.encode();
        int groups = g == UniformQuantizer.Granularity.PER_ROW ? 9 : 1;
        assertEquals(16 + 5 * groups + (9 * 13 * bits + 7) / 8, bytes.length);
        DenseMatrix q = t.decode();
        DenseMatrix back = TensorCodecs.decode(UniformQuantizedTensor.CODEC, bytes).decode();
        assertArrayEquals(q.data, back.data, 0.0);
        for (int i = 0; i < 9; i++) {
          double scale = t.scale(i);
          for (int j = 0; j < 13; j++) {
            assertTrue(Math.abs(w.get(i, j) - q.get(i, j)) <= scale / 2 * (1 + 1e-6),
                g + " " + bits + " bits (" + i + "," + j + ")");
          }
        }
      }
    }
  }

  @Test
  void handComputedFourBitRow() {
    // lo = -1, hi = 2: scale = 3/15 = 0.2, z = round(5) = 5
    DenseMatrix w = DenseMatrix.fromRows(new double[][] {{-1.0, 0.0, 0.31, 2.0}});
    UniformQuantizedTensor t = UniformQuantizer.quantize(w, 4, UniformQuantizer.Granularity.PER_TENSOR);
    assertEquals((float) 0.2, t.scale(0), 0.0);
    assertEquals(5, t.zeroPoint(0));
    double s = (float) 0.2;
    // q = 0, 5, round(1.55) + 5 = 7, 15
    assertArrayEquals(new double[] {-5 * s, 0.0, 2 * s, 10 * s}, t.decode().row(0), 0.0);
  }

  @Test
  void perRowScaleIsNeverCoarserThanPerTensor() {
    DenseMatrix w = gaussian(6, 10, 2);
    for (int j = 0; j < 10; j++) {
      w.set(0, j, w.get(0, j) * 10);
    }
    UniformQuantizedTensor tensor = UniformQuantizer.quantize(w, 4, UniformQuantizer.Granularity.PER_TENSOR);
    UniformQuantizedTensor row = UniformQuantizer.quantize(w, 4, UniformQuantizer.Granularity.PER_ROW);
    for (int i = 0; i < 6; i++) {
      assertTrue(row.scale(i) <= tensor.scale(i) * (1 + 1e-6));
    }
    assertTrue(w.minus(row.decode()).frobeniusNorm() < w.minus(tensor.decode()).frobeniusNorm());
  }

  @Test
  void zerosStayExactAndZeroMatrixWorks() {
    DenseMatrix w = gaussian(3, 5, 3);
    w.set(1, 2, 0.0);
    assertEquals(0.0, UniformQuantizer.quantize(w, 3, UniformQuantizer.Granularity.PER_ROW).decode().get(1, 2), 0.0);
    DenseMatrix zero = new DenseMatrix(2, 2);
    assertArrayEquals(zero.data, UniformQuantizer.quantize(zero, 8, UniformQuantizer.Granularity.PER_TENSOR)
        .decode().data, 0.0);
  }

  @Test
  void badBitsAndBadBytesFailClearly() {
    DenseMatrix w = gaussian(2, 2, 4);
    for (int bits : new int[] {0, 1, 9}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> UniformQuantizer.quantize(w, bits, UniformQuantizer.Granularity.PER_ROW));
      assertEquals("bits must be in 2..8, cannot be: " + bits, e.getMessage());
    }
    byte[] bytes = UniformQuantizer.quantize(w, 4, UniformQuantizer.Granularity.PER_ROW).encode();
    IllegalArgumentException cut = assertThrows(IllegalArgumentException.class,
        () -> UniformQuantizedTensor.fromBytes(Arrays.copyOf(bytes, bytes.length - 1)));
    assertTrue(cut.getMessage().contains("needs " + bytes.length), cut.getMessage());
    byte[] foreign = BinaryQuantizer.quantize(w).encode();
    assertTrue(assertThrows(IllegalArgumentException.class, () -> UniformQuantizedTensor.fromBytes(foreign))
        .getMessage().contains("magic"));
  }
}
