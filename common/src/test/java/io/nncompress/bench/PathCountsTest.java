package io.nncompress.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.GroupLassoProblem;
import org.junit.jupiter.api.Test;

/** Issue 18, item 1: the strong rule's candidates {@code FistaBenchmark --grid-counts} prints per path step. */
class PathCountsTest {
  @Test
  void theCandidatesAreTheZeroColumnsWhoseGradientReachesTwoLambdaMinusThePrevious() {
    // h 1, p 3, R = I, C = [3 1 2], no unpenalised column: at M = 0, G = -C, ||G_j|| = 3, 1, 2
    DenseMatrix c = DenseMatrix.fromRows(new double[][] {{3, 1, 2}});
    DenseMatrix r = DenseMatrix.fromRows(new double[][] {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}});
    GroupLassoProblem problem = GroupLassoProblem.general(c, r, 20);
    // from lambda' = 3 to lambda = 2.1: 2 lambda - lambda' = 1.2, so columns 0 (3) and 2 (2), not 1 (1)
    assertEquals(2, PathCounts.strongCandidates(problem, new DenseMatrix(1, 3), 2.1, 3));
    // a warm start keeping column 0 (M = [1 0 0], G = [-2 -1 -2]): column 0 is kept, not a candidate
    assertEquals(1, PathCounts.strongCandidates(problem, DenseMatrix.fromRows(new double[][] {{1, 0, 0}}), 2.1, 3));
    // a shorter step, lambda' = 2.2 to lambda = 2.1: threshold 2.0, column 2 (exactly 2) is one
    assertEquals(2, PathCounts.strongCandidates(problem, new DenseMatrix(1, 3), 2.1, 2.2));
  }
}
