package io.nncompress.codec.lowrank;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import org.junit.jupiter.api.Test;

class TruncatedSvdTest {

  @Test
  void singularValuesMatchEigenvaluesOfGram() {
    DenseMatrix w = LowRankTestData.gaussian(12, 7, 1);
    double[] s = Svd.singularValues(w);
    // eigenvalues of W^T W (ascending) are the squared singular values
    DenseMatrix gram = new DenseMatrix(7, 7);
    DenseMatrix.gemm(1.0, w, true, w, false, 0.0, gram);
    double[] e = SymmetricEigen.of(gram).values;
    for (int i = 0; i < 7; i++) {
      assertEquals(Math.sqrt(e[6 - i]), s[i], 1e-10 * s[0]);
    }
  }

  @Test
  void economySvdReconstructsAndIsOrthonormal() {
    DenseMatrix w = LowRankTestData.gaussian(9, 14, 2);
    Svd svd = Svd.of(w);
    DenseMatrix us = svd.u.copy();
    for (int c = 0; c < svd.size(); c++) {
      for (int i = 0; i < us.rows; i++) {
        us.data[i + c * us.rows] *= svd.s[c];
      }
    }
    assertTrue(us.times(svd.vt).maxAbsDiff(w) < 1e-12 * 100);
    DenseMatrix vvt = new DenseMatrix(9, 9);
    DenseMatrix.gemm(1.0, svd.vt, false, svd.vt, true, 0.0, vvt);
    assertTrue(vvt.maxAbsDiff(DenseMatrix.identity(9)) < 1e-12 * 100);
  }

  @Test
  void truncationErrorIsEckartYoungBound() {
    DenseMatrix w = LowRankTestData.gaussian(30, 20, 3);
    double[] s = Svd.singularValues(w);
    for (int r : new int[] {1, 5, 19, 20}) {
      LowRankFactors f = TruncatedSvd.factor(w, r);
      assertEquals(r, f.rank());
      double err = w.minus(f.product()).frobeniusNorm();
      assertEquals(Math.sqrt(LowRankTestData.sumSquaresFrom(s, r)), err, 1e-10 * s[0]);
      assertEquals(LowRankTestData.sumSquaresFrom(s, r), f.spectrum.error(r), 1e-9 * s[0] * s[0]);
    }
  }

  @Test
  void eckartYoungForWideMatrix() {
    DenseMatrix w = LowRankTestData.gaussian(11, 17, 8);
    double[] s = Svd.singularValues(w);
    for (int r = 1; r <= 11; r++) {
      double err = w.minus(TruncatedSvd.factor(w, r).product()).frobeniusNorm();
      assertEquals(Math.sqrt(LowRankTestData.sumSquaresFrom(s, r)), err, 1e-10 * s[0]);
    }
  }

  @Test
  void qHasOrthonormalColumnsAndPCarriesSingularValues() {
    DenseMatrix w = LowRankTestData.gaussian(10, 8, 4);
    LowRankFactors f = TruncatedSvd.factor(w, 3);
    DenseMatrix qtq = new DenseMatrix(3, 3);
    DenseMatrix.gemm(1.0, f.q, true, f.q, false, 0.0, qtq);
    assertTrue(qtq.maxAbsDiff(DenseMatrix.identity(3)) < 1e-12);
    double[] s = Svd.singularValues(w);
    for (int c = 0; c < 3; c++) {
      double norm = 0;
      for (int i = 0; i < 10; i++) {
        norm += f.p.get(i, c) * f.p.get(i, c);
      }
      assertEquals(s[c], Math.sqrt(norm), 1e-12 * s[0]);
    }
  }

  @Test
  void badRankNamesParameterAndValue() {
    DenseMatrix w = LowRankTestData.gaussian(5, 4, 5);
    IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> TruncatedSvd.factor(w, 0));
    assertTrue(zero.getMessage().contains("rank") && zero.getMessage().contains("0"), zero.getMessage());
    IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> TruncatedSvd.factor(w, 5));
    assertTrue(big.getMessage().contains("rank") && big.getMessage().contains("1..4")
        && big.getMessage().endsWith(": 5"), big.getMessage());
  }

  @Test
  void encodedFormRoundTripsAndFallsBackToDense() {
    DenseMatrix w = LowRankTestData.gaussian(20, 16, 6);
    LowRankFactors f = TruncatedSvd.factor(w, 3);
    io.nncompress.codec.EncodedTensor t = LowRankTensor.encodeSmallest(f);
    assertEquals(LowRankTensor.CODEC, t.codec());
    byte[] bytes = t.encode();
    assertEquals(16 + 4 * 3 * (20 + 16), bytes.length);
    DenseMatrix back = io.nncompress.codec.TensorCodecs.decode(LowRankTensor.CODEC, bytes).decode();
    assertArrayEquals(t.decode().data, back.data, 0.0);
    assertTrue(back.maxAbsDiff(f.product()) < 1e-5);
    // 9 * (20 + 16) = 324 >= 320: factors would not save bytes, dense float32 instead
    io.nncompress.codec.EncodedTensor dense = LowRankTensor.encodeSmallest(TruncatedSvd.factor(w, 9));
    assertEquals(io.nncompress.codec.RawFloat32Tensor.CODEC, dense.codec());
    assertEquals(12 + 4 * 20 * 16, dense.encode().length);
  }

  @Test
  void truncatedOrForeignBytesFailClearly() {
    byte[] bytes = LowRankTensor.of(TruncatedSvd.factor(LowRankTestData.gaussian(6, 5, 7), 2)).encode();
    IllegalArgumentException cut = assertThrows(IllegalArgumentException.class,
        () -> LowRankTensor.fromBytes(java.util.Arrays.copyOf(bytes, bytes.length - 1)));
    assertTrue(cut.getMessage().contains("needs " + bytes.length), cut.getMessage());
    byte[] foreign = io.nncompress.codec.RawFloat32Tensor.of(new DenseMatrix(2, 2)).encode();
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> LowRankTensor.fromBytes(foreign));
    assertTrue(bad.getMessage().contains("magic"), bad.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LowRankTensor.fromBytes(new byte[3]));
  }
}
