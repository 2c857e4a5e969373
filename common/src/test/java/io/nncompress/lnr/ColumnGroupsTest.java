package io.nncompress.lnr;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nncompress.linalg.DenseMatrix;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Group lasso over column groups: lambda sum_g ||M[:, G_g]||_F. */
class ColumnGroupsTest {
  static final double TOL = 1e-9;

  static GroupLassoProblem layer(LnrTestData data) {
    return GroupLassoProblem.forLayer(data.w, data.bias, data.augmentedR());
  }

  /**
   * Random groups of sizes 1..4 over d columns; contiguous blocks (like channels) or, when
   * {@code shuffled}, the same sizes with the columns dealt out in random order.
   */
  static int[] randomGroups(int d, long seed, boolean shuffled) {
    Random rnd = new Random(seed);
    List<Integer> ids = new ArrayList<>();
    int g = 0;
    while (ids.size() < d) {
      int size = Math.min(d - ids.size(), 1 + rnd.nextInt(4));
      for (int k = 0; k < size; k++) {
        ids.add(g);
      }
      g++;
    }
    if (shuffled) {
      Collections.shuffle(ids, rnd);
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Columns of each group (from the id array, independently of the problem's accessors). */
  static List<List<Integer>> members(int[] groupOf) {
    int n = Arrays.stream(groupOf).max().getAsInt() + 1;
    List<List<Integer>> out = new ArrayList<>();
    for (int g = 0; g < n; g++) {
      out.add(new ArrayList<>());
    }
    for (int j = 0; j < groupOf.length; j++) {
      out.get(groupOf[j]).add(j);
    }
    return out;
  }

  /**
   * Checks the group KKT conditions with a gradient from plain loops (bias column d unpenalised);
   * returns the kept groups. Nonzero group: G_G = -lambda M_G / ||M_G||_F; zero group:
   * ||G_G||_F <= lambda; bias: G_d = 0.
   */
  static int[] assertGroupKkt(GroupLassoProblem problem, int[] groupOf, DenseMatrix m, double lambda, double relTol) {
    double[][] g = LnrTestData.gradient(problem, m);
    double scale = problem.kktScale(lambda);
    int h = problem.outputs();
    int d = groupOf.length;
    double bias = 0;
    for (int i = 0; i < h; i++) {
      bias += g[i][d] * g[i][d];
    }
    assertTrue(Math.sqrt(bias) <= relTol * scale, "bias column: ||G_d|| = " + Math.sqrt(bias));
    List<Integer> kept = new ArrayList<>();
    List<List<Integer>> groups = members(groupOf);
    for (int k = 0; k < groups.size(); k++) {
      double mm = 0;
      double gg = 0;
      for (int j : groups.get(k)) {
        for (int i = 0; i < h; i++) {
          mm += m.get(i, j) * m.get(i, j);
          gg += g[i][j] * g[i][j];
        }
      }
      if (mm > 0) {
        kept.add(k);
        double res = 0;
        for (int j : groups.get(k)) {
          for (int i = 0; i < h; i++) {
            double t = g[i][j] + lambda * m.get(i, j) / Math.sqrt(mm);
            res += t * t;
          }
        }
        assertTrue(Math.sqrt(res) <= relTol * scale, "nonzero group " + k + ": residual " + Math.sqrt(res));
      } else {
        assertTrue(Math.sqrt(gg) <= lambda + relTol * scale,
            "zero group " + k + ": ||G_G|| = " + Math.sqrt(gg) + " > lambda " + lambda);
      }
    }
    return kept.stream().mapToInt(Integer::intValue).toArray();
  }

  @Test
  void kktConditionsHoldOverGroups() {
    for (int seed = 1; seed <= 4; seed++) {
      int d = 20 + 5 * seed; // up to 40
      LnrTestData data = LnrTestData.random(seed, 200, d, 7);
      int[] groupOf = randomGroups(d, 10 + seed, seed % 2 == 0);
      GroupLassoProblem problem = layer(data).withColumnGroups(groupOf);
      assertTrue(problem.hasColumnGroups());
      int groups = problem.groupCount();
      for (double frac : new double[] {0.5, 0.15}) {
        double lambda = frac * problem.lambdaMax();
        LnrResult r = new FistaGroupLasso().tolerance(TOL).solve(problem, lambda, null);
        assertTrue(r.converged, "seed " + seed + " at " + frac + " lambda_max");
        int[] kept = assertGroupKkt(problem, groupOf, r.lassoMatrix, lambda, 10 * TOL);
        assertArrayEquals(kept, r.keptGroups);
        assertTrue(kept.length > 0 && kept.length < groups,
            "nontrivial support, kept " + kept.length + " of " + groups);
        // keptColumns = every column of the kept groups
        int[] cols = Arrays.stream(kept).flatMap(k -> Arrays.stream(problem.groupColumns(k))).sorted().toArray();
        assertArrayEquals(cols, r.keptColumns);
        assertEquals(problem.kktResidual(r.lassoMatrix, lambda), r.kktResidual, 1e-9);
        // grouped BCD (block proximal steps) reaches the same certified solution (unique: R is
        // positive definite here); AUTO picks FISTA for groups
        LnrResult bcd = GroupLassoSolver.defaults().method(GroupLassoSolver.Method.BCD).tolerance(TOL)
            .debias(false).run(problem, lambda, null);
        assertEquals("bcd", bcd.method);
        assertTrue(bcd.converged);
        assertArrayEquals(kept, assertGroupKkt(problem, groupOf, bcd.lassoMatrix, lambda, 10 * TOL));
        assertArrayEquals(kept, bcd.keptGroups);
        double size = r.lassoMatrix.frobeniusNorm();
        assertTrue(bcd.lassoMatrix.maxAbsDiff(r.lassoMatrix) <= 1e-5 * size,
            "BCD vs FISTA " + bcd.lassoMatrix.maxAbsDiff(r.lassoMatrix));
        assertEquals(GroupLassoSolver.Method.FISTA, GroupLassoSolver.choose(problem, lambda, null));
      }
    }
  }

  @Test
  void lambdaMaxIsTheLargestGroupGradientAndIsTight() {
    LnrTestData data = LnrTestData.random(5, 200, 30, 6);
    int[] groupOf = randomGroups(30, 3, false);
    GroupLassoProblem problem = layer(data).withColumnGroups(groupOf);
    int d = 30;
    int h = 6;
    // M0: penalised columns 0, bias column = least squares C_d / R_dd
    DenseMatrix m0 = new DenseMatrix(h, d + 1);
    for (int i = 0; i < h; i++) {
      m0.set(i, d, problem.c.get(i, d) / problem.r.get(d, d));
    }
    double[][] g = LnrTestData.gradient(problem, m0);
    double want = 0;
    for (List<Integer> grp : members(groupOf)) {
      double s = 0;
      for (int j : grp) {
        for (int i = 0; i < h; i++) {
          s += g[i][j] * g[i][j];
        }
      }
      want = Math.max(want, Math.sqrt(s));
    }
    assertEquals(want, problem.lambdaMax(), 1e-10 * want);
    LnrResult above = new FistaGroupLasso().tolerance(TOL).solve(problem, want * 1.0001, null);
    assertEquals(0, above.keptGroupCount());
    assertEquals(0, above.keptCount());
    for (int j = 0; j < d; j++) {
      assertEquals(0.0, LnrTestData.columnNorm(above.lassoMatrix, j));
    }
    for (GroupLassoMethod method : new GroupLassoMethod[] {new FistaGroupLasso().tolerance(TOL),
        new GroupLassoBcd().tolerance(TOL)}) {
      LnrResult below = method.solve(problem, want * 0.99, null);
      assertTrue(below.keptGroupCount() >= 1, "just below lambda_max a group enters");
      assertGroupKkt(problem, groupOf, below.lassoMatrix, want * 0.99, 10 * TOL);
      LnrResult atMax = method.solve(problem, want * (1 + 1e-9), null);
      assertEquals(0, atMax.keptGroupCount());
    }
  }

  @Test
  void singletonGroupsGiveTheUngroupedSolution() {
    LnrTestData data = LnrTestData.random(6, 200, 24, 5);
    GroupLassoProblem plain = layer(data);
    // singleton groups with permuted ids: group perm[j] = {j}
    int[] perm = new int[24];
    for (int j = 0; j < 24; j++) {
      perm[j] = (7 * j + 3) % 24;
    }
    GroupLassoProblem single = plain.withColumnGroups(perm);
    assertFalse(single.hasNonSingletonGroups());
    assertEquals(plain.lambdaMax(), single.lambdaMax(), 0.0);
    for (double frac : new double[] {0.4, 0.1}) {
      double lambda = frac * plain.lambdaMax();
      for (GroupLassoSolver.Method method : GroupLassoSolver.Method.values()) {
        GroupLassoSolver s = GroupLassoSolver.defaults().method(method).tolerance(TOL);
        LnrResult a = s.run(plain, lambda, null);
        LnrResult b = s.run(single, lambda, null);
        assertEquals(a.method, b.method);
        assertTrue(a.lassoMatrix.maxAbsDiff(b.lassoMatrix) <= 1e-12,
            method + ": " + a.lassoMatrix.maxAbsDiff(b.lassoMatrix));
        assertTrue(a.matrix.maxAbsDiff(b.matrix) <= 1e-12, method + " debiased");
        assertArrayEquals(a.keptColumns, b.keptColumns);
        assertArrayEquals(a.keptColumns, a.keptGroups); // ungrouped: bias last, group = column
        int[] mapped = Arrays.stream(a.keptColumns).map(j -> perm[j]).sorted().toArray();
        assertArrayEquals(mapped, b.keptGroups);
      }
    }
  }

  @Test
  void targetSearchKeepsExactlyTheRequestedGroupsAndDebiasesOnTheirColumns() {
    LnrTestData data = LnrTestData.random(7, 300, 32, 6);
    int[] groupOf = new int[32];
    for (int j = 0; j < 32; j++) {
      groupOf[j] = j / 4; // 8 "channels" of 4 columns
    }
    GroupLassoProblem problem = layer(data).withColumnGroups(groupOf);
    assertEquals(8, problem.groupCount());
    assertArrayEquals(new int[] {12, 13, 14, 15}, problem.groupColumns(3));
    LambdaSearch search = new LambdaSearch(GroupLassoSolver.defaults().tolerance(TOL));
    for (int n : new int[] {1, 3, 6, 8}) {
      LambdaSearch.Result r = search.search(problem, LambdaSearch.Target.keepCount(n));
      assertTrue(r.targetReached, "keep " + n);
      assertEquals(n, r.solution.keptGroupCount());
      assertEquals(4 * n, r.solution.keptCount());
      int[] cols = Arrays.stream(r.solution.keptGroups).flatMap(g -> Arrays.stream(problem.groupColumns(g))).toArray();
      assertArrayEquals(cols, r.solution.keptColumns);
      // debiased: zero outside the kept groups and the bias, least squares on them (G_S = 0)
      DenseMatrix m = r.solution.matrix;
      boolean[] in = new boolean[33];
      for (int j : cols) {
        in[j] = true;
      }
      in[32] = true;
      double[][] g = LnrTestData.gradient(problem, m);
      for (int j = 0; j < 33; j++) {
        for (int i = 0; i < 6; i++) {
          if (!in[j]) {
            assertEquals(0.0, m.get(i, j), "column " + j + " of a dropped group");
          } else {
            assertEquals(0.0, g[i][j], 1e-8 * problem.kktScale(0), "gradient on the support, column " + j);
          }
        }
      }
    }
    LambdaSearch.Result half = search.search(problem, LambdaSearch.Target.keepFraction(0.5));
    assertEquals(4, half.solution.keptGroupCount());
    assertThrows(IllegalArgumentException.class, () -> search.search(problem, LambdaSearch.Target.keepCount(9)));
  }

  @Test
  void groupsAreValidated() {
    GroupLassoProblem p = layer(LnrTestData.random(8, 50, 6, 2)); // 7 columns, bias 6 unpenalised
    GroupLassoProblem full = p.withColumnGroups(new int[] {0, 0, 1, 1, 2, 2, -1}); // one entry per column
    assertArrayEquals(new int[] {4, 5}, full.groupColumns(2));
    assertEquals(-1, full.groupOf(6));
    assertEquals(1, full.groupOf(3));
    assertTrue(full.hasNonSingletonGroups());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> p.withColumnGroups(new int[] {0, 0, 1}));
    assertTrue(e.getMessage().contains("6") && e.getMessage().contains("7") && e.getMessage().contains("3"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> p.withColumnGroups(new int[] {0, 0, 2, 2, 3, 3}));
    assertTrue(e.getMessage().contains("missing: 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> p.withColumnGroups(new int[] {0, -1, 1, 1, 2, 2}));
    assertTrue(e.getMessage().contains("column 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> p.withColumnGroups(new int[] {0, 0, 1, 1, 2, 2, 0}));
    assertTrue(e.getMessage().contains("unpenalised column 6"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> full.groupColumns(3));
  }
}
