package io.nncompress.spark.codec;

import io.nncompress.codec.lowrank.Svd;
import io.nncompress.codec.lowrank.SymmetricEigen;
import io.nncompress.linalg.Blas;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.spark.autocorr.BadInputException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import org.netlib.util.intW;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Truncated SVD A ~ U_k diag(s_k) V_k^T of an m x n matrix whose rows are distributed
 * ({@code JavaRDD<double[]>}, m possibly far beyond one executor), by the randomized range finder
 * with subspace (power) iterations of Halko, Martinsson and Tropp (2011, algorithms 4.4 and 5.1):
 * <pre>
 *   l = k + oversampling; Omega n x l Gaussian (seeded, broadcast)
 *   Y = A Omega;  Q = orth(Y)                                  one pass over A
 *   q times:  Z = A^T Q (n x l, tree-reduced);  W = orth(Z) on the driver;
 *             Y = A W;  Q = orth(Y)                              two passes over A
 *   Z = A^T Q, B = Z^T = Q^T A (l x n, tree-reduced)           one pass over A
 *   B = U_B diag(s) V^T by LAPACK dgesdd on the driver;  U = Q U_B[:, :k], kept distributed
 * </pre>
 * 2 + 2q passes over A in all. Rows are processed in blocks of {@code blockRows} with BLAS dgemm
 * (A_b Omega, A_b^T Q_b) on the executors; the driver only ever holds n x l and l x l matrices.
 *
 * <p>orth(Y) of the distributed m x l matrix Y works on its Gram matrix G = Y^T Y (dsyrk per
 * block, tree-reduced), twice: first G = W diag(lambda) W^T (dsyevd) and Q1 = Y W_r lambda_r^(-1/2)
 * over the r eigenvalues above 100 l eps max(lambda) (the SVQB of Stathopoulos and Wu 2002,
 * robust to a rank-deficient Y: directions Y does not span are dropped, so Q1's columns are
 * orthonormal to about 1 / (100 l)); then Cholesky-QR of Q1: Q1^T Q1 = R^T R (dpotrf), Q = Q1 R^-1
 * (dtrsm), orthonormal to working precision. The Y and Q blocks are cached; nothing of size m
 * reaches the driver.
 *
 * <p>When A's numerical rank is below k, fewer than k components come back ({@code s.length < k}).
 * U's rows are in the input's order: partition by partition, rows in the order each partition
 * yields them; the input must yield its rows in the same order on every pass (cached, or
 * generated deterministically).
 */
public final class DistributedSvd {
  private static final Logger LOG = LoggerFactory.getLogger(DistributedSvd.class);
  /** Default rows per block of the dgemm calls. */
  public static final int DEFAULT_BLOCK_ROWS = 1024;

  /** Settings, with their defaults. */
  public static final class Options implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    /** Components k, 1..min(m, n). */
    public int rank = 10;
    /** Extra columns p of the sketch, l = k + p (Halko et al. recommend 5 to 10). */
    public int oversampling = 10;
    /** Subspace iterations q (each two passes over A). */
    public int powerIterations = 2;
    public long seed = 1L;
    public int blockRows = DEFAULT_BLOCK_ROWS;

    public Options rank(int k) {
      rank = k;
      return this;
    }

    public Options oversampling(int p) {
      oversampling = p;
      return this;
    }

    public Options powerIterations(int q) {
      powerIterations = q;
      return this;
    }

    public Options seed(long s) {
      seed = s;
      return this;
    }

    public Options blockRows(int b) {
      blockRows = b;
      return this;
    }
  }

  /** s and V on the driver; U distributed. */
  public static final class Result {
    /** Singular values, descending, at most k. */
    public final double[] s;
    /** Right singular vectors, n x s.length, orthonormal columns. */
    public final DenseMatrix v;
    /** Rows of U (each of length s.length), in the input's row order; computed from cached blocks of Q. */
    public final JavaRDD<double[]> u;
    /** Rows m of A. */
    public final long rows;
    /** Passes over A. */
    public final int passes;
    private final JavaRDD<double[]> q;

    Result(double[] s, DenseMatrix v, JavaRDD<double[]> u, long rows, int passes, JavaRDD<double[]> q) {
      this.s = s;
      this.v = v;
      this.u = u;
      this.rows = rows;
      this.passes = passes;
      this.q = q;
    }

    /** Drops the cached blocks of Q that {@link #u} is computed from. */
    public void release() {
      q.unpersist(false);
    }
  }

  private DistributedSvd() {}

  /**
   * The truncated SVD of the matrix whose rows (each of length {@code cols}) are {@code rows}.
   *
   * @throws IllegalArgumentException a bad option, an empty matrix, k above min(m, n), or a row of
   *     the wrong length or with a non-finite entry (naming its partition and position)
   */
  public static Result compute(JavaRDD<double[]> rows, int cols, Options o) {
    if (cols < 1) {
      throw new IllegalArgumentException("cols must be at least 1, cannot be: " + cols);
    }
    if (o.rank < 1) {
      throw new IllegalArgumentException("rank must be at least 1, cannot be: " + o.rank);
    }
    if (o.rank > cols) {
      throw new IllegalArgumentException("rank must be at most the " + cols + " columns, cannot be: " + o.rank);
    }
    if (o.oversampling < 0) {
      throw new IllegalArgumentException("oversampling must be >= 0, cannot be: " + o.oversampling);
    }
    if (o.powerIterations < 0) {
      throw new IllegalArgumentException("powerIterations must be >= 0, cannot be: " + o.powerIterations);
    }
    if (o.blockRows < 1) {
      throw new IllegalArgumentException("blockRows must be at least 1, cannot be: " + o.blockRows);
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(rows.context());
    final int n = cols;
    final int blockRows = o.blockRows;
    int l = Math.min(o.rank + o.oversampling, n);

    // Omega: n x l standard Gaussian, seeded
    DenseMatrix omega = new DenseMatrix(n, l);
    SplittableRandom rnd = new SplittableRandom(o.seed);
    for (int t = 0; t < omega.data.length; t++) {
      omega.data[t] = gaussian(rnd);
    }
    long t0 = System.nanoTime();
    // pass 1: Y = A Omega (rows checked), its Gram matrix and m in the same job
    JavaRDD<double[]> y = times(jsc, rows, n, omega, blockRows, true);
    y.persist(StorageLevel.MEMORY_AND_DISK());
    double[] gm = DistributedWeightSharing.run(() -> gramAndRows(y, l));
    long m = (long) gm[l * l];
    if (m == 0) {
      y.unpersist(false);
      throw new IllegalArgumentException("The matrix has no rows");
    }
    if (o.rank > m) {
      y.unpersist(false);
      throw new IllegalArgumentException("rank must be at most the " + m + " rows, cannot be: " + o.rank);
    }
    int passes = 1;
    LOG.debug("pass 1: Y = A Omega ({} x {}) in {} ms", m, l, (System.nanoTime() - t0) / 1000000);
    Orth q = orth(jsc, y, l, gram(gm, l));
    for (int it = 0; it < o.powerIterations; it++) {
      // Z = A^T Q (n x r), orthonormalised on the driver, then Y = A Z (Q is materialised in that pass)
      DenseMatrix z = transposeTimes(rows, q.blocks, n, q.cols, blockRows);
      passes++;
      q.source.unpersist(false);
      q.blocks.unpersist(false);
      DenseMatrix w = orthLocal(z);
      JavaRDD<double[]> y2 = times(jsc, rows, n, w, blockRows, false);
      y2.persist(StorageLevel.MEMORY_AND_DISK());
      passes++;
      q = orth(jsc, y2, w.cols, gram(gramAndRows(y2, w.cols), w.cols));
      LOG.debug("power iteration {} in {} ms", it + 1, (System.nanoTime() - t0) / 1000000);
    }
    // B^T = A^T Q (n x r); B = U_B diag(s) V^T
    DenseMatrix bt = transposeTimes(rows, q.blocks, n, q.cols, blockRows);
    passes++;
    q.source.unpersist(false);
    LOG.debug("B = Q^T A in {} ms", (System.nanoTime() - t0) / 1000000);
    Svd svd = Svd.of(bt.transpose());
    int k = Math.min(o.rank, svd.size());
    double[] s = new double[k];
    System.arraycopy(svd.s, 0, s, 0, k);
    DenseMatrix v = new DenseMatrix(n, k);
    for (int c = 0; c < k; c++) {
      for (int j = 0; j < n; j++) {
        v.data[j + c * n] = svd.vt.get(c, j); // V = (V^T)^T, first k columns
      }
    }
    // U = Q U_B[:, :k], computed block by block from the cached Q
    int r = q.cols;
    double[] ub = new double[r * k];
    System.arraycopy(svd.u.data, 0, ub, 0, r * k); // first k columns of the r x r U_B
    Broadcast<double[]> bub = jsc.broadcast(ub);
    final int kk = k;
    JavaRDD<double[]> u = q.blocks.flatMap(qb -> {
      int b = qb.length / r;
      double[] ublock = new double[b * kk];
      // U_b (b x k) = Q_b (b x r) U_B (r x k)
      Blas.dgemm("N", "N", b, kk, r, 1.0, qb, b, bub.value(), r, 0.0, ublock, b);
      List<double[]> out = new ArrayList<>(b);
      for (int i = 0; i < b; i++) {
        double[] row = new double[kk];
        for (int c = 0; c < kk; c++) {
          row[c] = ublock[i + c * b];
        }
        out.add(row);
      }
      return out.iterator();
    });
    return new Result(s, v, u, m, passes, q.blocks);
  }

  /** Blocks of an orthonormal basis, cached, and its column count. */
  private static final class Orth {
    /** Q's blocks, marked for caching: materialised by the next pass that reads them. */
    final JavaRDD<double[]> blocks;
    final int cols;
    /** The cached Y that Q is computed from, to release once Q is materialised. */
    final JavaRDD<double[]> source;

    Orth(JavaRDD<double[]> blocks, int cols, JavaRDD<double[]> source) {
      this.blocks = blocks;
      this.cols = cols;
      this.source = source;
    }
  }

  /** Y_b = A_b X per block (b x c, column-major), X n x c; the first pass also checks every row. */
  private static JavaRDD<double[]> times(JavaSparkContext jsc, JavaRDD<double[]> rows, int n, DenseMatrix x,
      int blockRows, boolean check) {
    Broadcast<double[]> bx = jsc.broadcast(x.data);
    int c = x.cols;
    return rows.mapPartitionsWithIndex((part, it) -> {
      Iterator<double[]> blocks = blocks(it, n, blockRows, check ? part : -1);
      return new Iterator<double[]>() {
        @Override
        public boolean hasNext() {
          return blocks.hasNext();
        }

        @Override
        public double[] next() {
          double[] at = blocks.next(); // A_b^T, n x b column-major (the rows, one after another)
          int b = at.length / n;
          double[] yb = new double[b * c];
          // Y_b = (A_b^T)^T X
          Blas.dgemm("T", "N", b, c, n, 1.0, at, n, bx.value(), n, 0.0, yb, b);
          return yb;
        }
      };
    }, true);
  }

  /** Z = A^T Q = sum_b A_b^T Q_b (n x c), Q's blocks aligned with A's, tree-reduced. */
  private static DenseMatrix transposeTimes(JavaRDD<double[]> rows, JavaRDD<double[]> q, int n, int c,
      int blockRows) {
    double[] z = rows.zipPartitions(q, (ait, qit) -> {
      double[] acc = new double[n * c];
      Iterator<double[]> blocks = blocks(ait, n, blockRows, -1);
      while (blocks.hasNext()) {
        double[] at = blocks.next();
        double[] qb = qit.next();
        int b = at.length / n;
        // Z += A_b^T Q_b: (n x b)(b x c)
        Blas.dgemm("N", "N", n, c, b, 1.0, at, n, qb, b, 1.0, acc, n);
      }
      return Collections.singletonList(acc).iterator();
    }).treeReduce(DistributedSvd::addInPlace);
    return new DenseMatrix(n, c, z);
  }

  private static double[] addInPlace(double[] a, double[] b) {
    for (int i = 0; i < a.length; i++) {
      a[i] += b[i];
    }
    return a;
  }

  /**
   * Orthonormal basis of the range of the distributed Y (blocks b x l, cached) from its Gram
   * matrix G = Y^T Y: SVQB, then Cholesky-QR.
   */
  private static Orth orth(JavaSparkContext jsc, JavaRDD<double[]> y, int l, DenseMatrix g) {
    // T1 = W_r lambda_r^(-1/2)
    DenseMatrix t1 = svqb(g);
    int r = t1.cols;
    Broadcast<double[]> bt1 = jsc.broadcast(t1.data);
    JavaRDD<double[]> q1 = y.map(yb -> {
      int b = yb.length / l;
      double[] qb = new double[b * r];
      // Q1_b = Y_b T1
      Blas.dgemm("N", "N", b, r, l, 1.0, yb, b, bt1.value(), l, 0.0, qb, b);
      return qb;
    });
    // Q1^T Q1 = R^T R; Q = Q1 R^-1
    DenseMatrix rr = cholesky(gram(gramAndRows(q1, r), r));
    Broadcast<double[]> br = jsc.broadcast(rr.data);
    JavaRDD<double[]> q = q1.map(qb -> {
      int b = qb.length / r;
      Blas.blas().dtrsm("R", "U", "N", "N", b, r, 1.0, br.value(), r, qb, b);
      return qb;
    });
    q.persist(StorageLevel.MEMORY_AND_DISK());
    return new Orth(q, r, y);
  }

  /** Orthonormal basis of the range of a local n x c matrix, by the same two steps. */
  private static DenseMatrix orthLocal(DenseMatrix z) {
    int n = z.rows;
    DenseMatrix g = new DenseMatrix(z.cols, z.cols);
    Blas.dsyrk("U", "T", z.cols, n, 1.0, z.data, n, 0.0, g.data, z.cols);
    DenseMatrix q1 = z.times(svqb(g.symmetrizeFromUpper()));
    int r = q1.cols;
    DenseMatrix g2 = new DenseMatrix(r, r);
    Blas.dsyrk("U", "T", r, n, 1.0, q1.data, n, 0.0, g2.data, r);
    DenseMatrix rr = cholesky(g2);
    Blas.blas().dtrsm("R", "U", "N", "N", n, r, 1.0, rr.data, r, q1.data, n);
    return q1;
  }

  /** [G = sum_b Y_b^T Y_b (upper triangle, c x c), rows] over blocks b x c, in one job. */
  private static double[] gramAndRows(JavaRDD<double[]> blocks, int c) {
    return blocks.mapPartitions(it -> {
      double[] acc = new double[c * c + 1];
      while (it.hasNext()) {
        double[] yb = it.next();
        int b = yb.length / c;
        // upper triangle of acc += Y_b^T Y_b
        Blas.dsyrk("U", "T", c, b, 1.0, yb, Math.max(1, b), 1.0, acc, c);
        acc[c * c] += b;
      }
      return Collections.singletonList(acc).iterator();
    }).treeReduce(DistributedSvd::addInPlace);
  }

  /** The c x c Gram matrix (both triangles) from a {@link #gramAndRows} result. */
  private static DenseMatrix gram(double[] gramAndRows, int c) {
    return new DenseMatrix(c, c, java.util.Arrays.copyOf(gramAndRows, c * c)).symmetrizeFromUpper();
  }

  /**
   * T = W_r diag(lambda_r^(-1/2)) from G = W diag(lambda) W^T, over the r eigenvalues above
   * 100 c eps max(lambda), largest first: Y T has orthonormal columns up to about 1 / (100 c).
   */
  private static DenseMatrix svqb(DenseMatrix g) {
    SymmetricEigen e = SymmetricEigen.of(g);
    int c = g.rows;
    double max = e.values[c - 1];
    double cut = 100.0 * c * Math.ulp(1.0) * max;
    int r = 0;
    for (int i = c - 1; i >= 0 && e.values[i] > cut; i--) {
      r++;
    }
    if (r == 0) {
      throw new ArithmeticException("The sketch of the matrix is zero: the matrix has rank 0");
    }
    DenseMatrix t = new DenseMatrix(c, r);
    for (int col = 0; col < r; col++) {
      int src = c - 1 - col; // eigenvalues ascending: largest first
      double f = 1.0 / Math.sqrt(e.values[src]);
      for (int i = 0; i < c; i++) {
        t.data[i + col * c] = e.vectors.data[i + src * c] * f;
      }
    }
    return t;
  }

  /** Upper R with G = R^T R (LAPACK dpotrf); the strict lower triangle zeroed. */
  private static DenseMatrix cholesky(DenseMatrix g) {
    int c = g.rows;
    double[] a = g.data.clone();
    intW info = new intW(0);
    Blas.lapack().dpotrf("U", c, a, c, info);
    if (info.val != 0) {
      throw new ArithmeticException("dpotrf: the Gram matrix of the orthonormalised sketch (" + c + "x" + c
          + ") is not positive definite (info=" + info.val + ")");
    }
    for (int j = 0; j < c; j++) {
      for (int i = j + 1; i < c; i++) {
        a[i + j * c] = 0;
      }
    }
    return new DenseMatrix(c, c, a);
  }

  /**
   * Groups rows into blocks of up to {@code blockRows} rows, each the rows one after another (A_b^T,
   * n x b column-major). With {@code part >= 0}, checks every row's length and entries.
   */
  private static Iterator<double[]> blocks(Iterator<double[]> rows, int n, int blockRows, int part) {
    return new Iterator<double[]>() {
      long seen;

      @Override
      public boolean hasNext() {
        return rows.hasNext();
      }

      @Override
      public double[] next() {
        if (!rows.hasNext()) {
          throw new NoSuchElementException();
        }
        double[] buf = new double[blockRows * n];
        int b = 0;
        while (b < blockRows && rows.hasNext()) {
          double[] row = rows.next();
          if (part >= 0) {
            check(row, n, part, seen);
          }
          System.arraycopy(row, 0, buf, b * n, n);
          b++;
          seen++;
        }
        return b == blockRows ? buf : java.util.Arrays.copyOf(buf, b * n);
      }
    };
  }

  private static void check(double[] row, int n, int part, long pos) {
    if (row == null || row.length != n) {
      throw new BadInputException("Row " + pos + " of partition " + part + " has " + (row == null ? "no" : row.length)
          + " entries, expected " + n);
    }
    for (int j = 0; j < n; j++) {
      if (!Double.isFinite(row[j])) {
        throw new BadInputException("Entry (row " + pos + " of partition " + part + ", column " + j
            + ") must be finite, cannot be: " + row[j]);
      }
    }
  }

  private static double gaussian(SplittableRandom rnd) {
    // Box-Muller, one of the pair
    double u = 1.0 - rnd.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
  }
}
