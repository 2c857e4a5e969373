package io.nncompress.lnr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.lnr.IterationCounts.History;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UnpenalisedEliminationTest {
  /** A layer with a bias on ReLU inputs ({@link LnrTestData#relu}): R's largest eigenvalue is the inputs' mean's. */
  static GroupLassoProblem reluLayer(long seed, int n, int d, int h) {
    LnrTestData data = LnrTestData.relu(seed, n, d, h);
    return GroupLassoProblem.forLayer(data.w, data.bias, data.augmentedR());
  }

  @Test
  void theLiftedGradientIsTheReducedOneAndVanishesOnTheBias() {
    GroupLassoProblem problem = reluLayer(3, 400, 30, 7);
    UnpenalisedElimination e = problem.elimination();
    assertNotNull(e);
    GroupLassoProblem red = e.reduced();
    assertEquals(30, red.inputs());
    assertEquals(30, red.penalisedCount());
    Random rnd = new Random(4);
    DenseMatrix mp = new DenseMatrix(7, 30);
    for (int k = 0; k < mp.data.length; k++) {
      mp.data[k] = rnd.nextGaussian();
    }
    DenseMatrix m = e.lift(mp);
    double[][] g = LnrTestData.gradient(problem, m); // plain loops on the full R and C
    double[][] gr = LnrTestData.gradient(red, mp); // M_P S - C'
    double size = 0;
    for (double[] row : g) {
      for (double v : row) {
        size = Math.max(size, Math.abs(v));
      }
    }
    for (int i = 0; i < 7; i++) {
      for (int j = 0; j < 30; j++) {
        assertEquals(mp.get(i, j), m.get(i, j), 0.0, "penalised columns copied");
        assertEquals(g[i][j], gr[i][j], 1e-12 * size, "G_P = M_P S - C' at (" + i + ", " + j + ")");
      }
      assertEquals(0, g[i][30], 1e-12 * size, "G_U = 0: the bias is optimal for M_P, row " + i);
    }
    // the same lambda_max: the reduced problem's gradient at 0 is the full one's at the unpenalised optimum
    assertEquals(problem.lambdaMax(), red.lambdaMax(), 1e-12 * problem.lambdaMax());
  }

  @Test
  void theEliminatedSolveIsTheFullOptimumWithFewerIterations() {
    GroupLassoProblem problem = reluLayer(5, 600, 40, 8);
    UnpenalisedElimination e = problem.elimination();
    double lr = problem.lipschitz();
    double ls = e.reduced().lipschitz();
    assertTrue(ls < lr / 3, "lambda_max(S) " + ls + " far below lambda_max(R) " + lr);
    double lambda = 0.5 * problem.lambdaMax();
    double tol = 1e-9;
    for (GroupLassoSolver.Method method : new GroupLassoSolver.Method[] {GroupLassoSolver.Method.FISTA,
        GroupLassoSolver.Method.BCD}) {
      LnrResult whole = GroupLassoSolver.defaults().tolerance(tol).method(method).eliminateUnpenalised(false)
          .lasso(problem, lambda, null, History.NONE);
      LnrResult elim = GroupLassoSolver.defaults().tolerance(tol).method(method)
          .lasso(problem, lambda, null, History.NONE);
      assertArrayEquals(whole.keptColumns, elim.keptColumns, method + ": the same kept columns");
      assertTrue(whole.keptColumns.length > 5 && whole.keptColumns.length < 35, "a sparse solution: "
          + whole.keptColumns.length);
      double kkt = problem.kktResidual(elim.lassoMatrix, lambda);
      assertTrue(kkt <= tol, method + ": the lifted matrix is optimal for the full problem, KKT " + kkt);
      assertEquals(kkt, elim.kktResidual, 1e-11, method + ": the reported residual is the full problem's");
      assertTrue(elim.lassoMatrix.maxAbsDiff(whole.lassoMatrix) < 1e-6, method + ": the same M, max diff "
          + elim.lassoMatrix.maxAbsDiff(whole.lassoMatrix));
      assertTrue(elim.iterations < 0.6 * whole.iterations, method + ": " + elim.iterations + " iterations against "
          + whole.iterations + " with the bias in the iterations");
    }
  }

  @Test
  void aScreenedProblemGetsTheRestrictionOfTheFullElimination() {
    GroupLassoProblem problem = reluLayer(7, 300, 25, 5);
    int[] k = {0, 3, 4, 9, 10, 17, 24, 25}; // 25 is the bias
    // not built yet: a screened search of a large layer must not pay for the whole S and its eigenvalue
    GroupLassoProblem early = Screening.restrict(problem, k, true);
    assertNull(problem.cachedElimination());
    assertNotNull(early.elimination(), "the restricted problem eliminates its own bias");
    assertTrue(Double.isNaN(early.elimination().reduced().cachedLipschitz()));
    UnpenalisedElimination e = problem.elimination();
    e.reduced().lipschitz();
    GroupLassoProblem sub = Screening.restrict(problem, k, true);
    UnpenalisedElimination installed = sub.elimination();
    UnpenalisedElimination fresh = UnpenalisedElimination.of(GroupLassoProblem.general(problem.c.selectColumns(k),
        problem.r.selectSymmetric(k), problem.yy, 7));
    assertTrue(installed.reduced().r.maxAbsDiff(fresh.reduced().r) < 1e-12, "S_KK restricted = Schur complement of R_KK");
    assertTrue(installed.reduced().c.maxAbsDiff(fresh.reduced().c) < 1e-12);
    assertEquals(fresh.reduced().yy, installed.reduced().yy, 1e-12);
    assertEquals(e.reduced().lipschitz(), installed.reduced().cachedLipschitz(), 0.0,
        "the full reduced problem's L bounds the restricted one's");
    assertTrue(fresh.reduced().lipschitz() <= installed.reduced().cachedLipschitz() * (1 + 1e-12));
    DenseMatrix mp = new DenseMatrix(5, 7);
    for (int q = 0; q < mp.data.length; q++) {
      mp.data[q] = Math.sin(q);
    }
    assertTrue(installed.lift(mp).maxAbsDiff(fresh.lift(mp)) < 1e-12, "the same bias for the same M_P");
  }

  @Test
  void severalUnpenalisedColumnsAndColumnGroups() {
    GroupLassoProblem layer = reluLayer(11, 500, 24, 6);
    // columns 2 and 24 (the bias) unpenalised, the other 23 in 8 groups of up to 3
    int[] free = {2, 24};
    GroupLassoProblem general = GroupLassoProblem.general(layer.c, layer.r, layer.yy, free);
    int[] groupOf = new int[25];
    for (int j = 0, g = 0, n = 0; j < 25; j++) {
      if (j == 2 || j == 24) {
        groupOf[j] = -1;
      } else {
        groupOf[j] = g;
        if (++n == 3) {
          g++;
          n = 0;
        }
      }
    }
    GroupLassoProblem grouped = general.withColumnGroups(groupOf);
    UnpenalisedElimination e = grouped.elimination();
    assertNotNull(e);
    assertEquals(8, e.reduced().groupCount());
    double lambda = 0.5 * grouped.lambdaMax();
    double tol = 1e-9;
    LnrResult whole = GroupLassoSolver.defaults().tolerance(tol).eliminateUnpenalised(false)
        .lasso(grouped, lambda, null, History.NONE);
    LnrResult elim = GroupLassoSolver.defaults().tolerance(tol).lasso(grouped, lambda, null, History.NONE);
    assertArrayEquals(whole.keptGroups, elim.keptGroups);
    assertTrue(whole.keptGroups.length > 1 && whole.keptGroups.length < 8, "some groups dropped: "
        + whole.keptGroups.length);
    assertTrue(grouped.kktResidual(elim.lassoMatrix, lambda) <= tol);
    assertTrue(elim.lassoMatrix.maxAbsDiff(whole.lassoMatrix) < 1e-6);
  }

  @Test
  void aConstantInputHasNoVarianceLeftAndIsDropped() {
    // input 3 constant 1.3: collinear with the bias, so S's row and column 3 and C'_3 are rounding only
    LnrTestData data = LnrTestData.relu(17, 400, 20, 6);
    for (double[] row : data.x) {
      row[3] = 1.3;
    }
    GroupLassoProblem problem = GroupLassoProblem.forLayer(data.w, data.bias, data.augmentedR());
    GroupLassoProblem red = problem.elimination().reduced();
    assertEquals(0, red.r.get(3, 3), 1e-12 * problem.r.get(3, 3), "no variance left in S_33");
    double lambda = 0.3 * problem.lambdaMax();
    for (GroupLassoSolver.Method method : new GroupLassoSolver.Method[] {GroupLassoSolver.Method.FISTA,
        GroupLassoSolver.Method.BCD}) {
      LnrResult r = GroupLassoSolver.defaults().tolerance(1e-9).method(method)
          .lasso(problem, lambda, null, History.NONE);
      assertTrue(r.converged, method.toString());
      assertTrue(problem.kktResidual(r.lassoMatrix, lambda) <= 1e-9, method + ": optimal for the full problem");
      assertEquals(0, LnrTestData.columnNorm(r.lassoMatrix, 3), 0.0, method + ": the constant input is left to the bias");
      for (double v : r.lassoMatrix.data) {
        assertTrue(Double.isFinite(v));
      }
    }
  }

  @Test
  void collinearUnpenalisedColumnsAreSolvedWhole() {
    GroupLassoProblem layer = reluLayer(13, 300, 12, 4);
    int p = 13;
    // append a copy of the bias column, also unpenalised: R_UU is singular
    int[] idx = new int[p + 1];
    for (int j = 0; j < p; j++) {
      idx[j] = j;
    }
    idx[p] = 12;
    DenseMatrix r = layer.r.selectSymmetric(idx);
    DenseMatrix c = layer.c.selectColumns(idx);
    GroupLassoProblem twice = GroupLassoProblem.general(c, r, layer.yy, 12, 13);
    assertNull(twice.elimination());
    double lambda = 0.3 * twice.lambdaMax();
    LnrResult res = GroupLassoSolver.defaults().tolerance(1e-8).lasso(twice, lambda, null, History.NONE);
    assertTrue(res.converged);
    assertTrue(twice.kktResidual(res.lassoMatrix, lambda) <= 1e-8);
  }
}
