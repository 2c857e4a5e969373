package io.nncompress.stats;

import dev.ludovic.netlib.blas.BLAS;
import io.nncompress.linalg.Blas;
import io.nncompress.linalg.ConvGeometry;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * Accumulates S = sum_n x~_n x~_n^T, x~ = [x; 1] (bias-augmented, optional), together with N, the
 * feature sums, minima and maxima, in double precision.
 *
 * <p>Samples are packed as the columns of a p x b block (p = d + 1 with the bias) and the block is
 * added with one level-3 BLAS call per tile: DSYRK on diagonal tiles (upper triangle), DGEMM on
 * off-diagonal ones. Memory is the tiles plus one block, whatever the number of samples.
 *
 * <p>The whole upper triangle is one tile unless the accumulator is given a subset of the tiles of a
 * T x T tiling (the tiled mode for large d, where several tasks each hold a bounded number of tiles).
 *
 * <p>A dense layer adds one sample per row; a conv layer adds every patch vec(X^(u,v)) of the
 * row's C x H x W map (LNR's extension to convolution), see {@link ConvGeometry}.
 *
 * <p>By default every value is checked as its row is added. With {@link #deferChecks(boolean)}, dense
 * rows of floats are only converted into the block and their minima/maxima taken in float; the sums
 * are S's bias column (without the bias, one DGEMV per block), and the values are checked after the
 * block's DSYRK, on the diagonal.
 */
public final class AutocorrelationAccumulator implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Default number of samples per BLAS call. */
  public static final int DEFAULT_BLOCK_SAMPLES = 1024;
  /** A block never holds more doubles than this (64 MiB), whatever p. */
  static final int MAX_BLOCK_DOUBLES = 8 << 20;

  private final int inputSize;
  private final int dim;
  private final boolean biasAugmented;
  private final int p;
  private final ConvGeometry conv;
  private final int tileSize;
  private final int[] tileRows;
  private final int[] tileCols;
  // diagonal tiles fill only their upper triangle (DSYRK), and only that is serialized
  private transient double[][] tiles;
  private final int blockSamples;

  private long samples;
  private long rows;
  private final double[] sum;
  // false when the sums are S's bias column (see sumsInTile): then nothing adds them row by row
  private final boolean keepSums;
  private final double[] min;
  private final double[] max;

  private transient double[] block;
  private transient int filled;
  private transient double[] scratch;
  private boolean deferChecks;
  // deferred mode: minima/maxima of the float rows added since the last flush, and a vector of ones
  private transient float[] pendingMin;
  private transient float[] pendingMax;
  private transient float[] rowScratch;
  private transient double[] ones;

  private AutocorrelationAccumulator(int inputSize, int dim, boolean biasAugmented, ConvGeometry conv,
      int tileSize, int[] tileRows, int[] tileCols, int blockSamples) {
    if (blockSamples < 1) {
      throw new IllegalArgumentException("blockSamples must be at least 1, cannot be: " + blockSamples);
    }
    this.inputSize = inputSize;
    this.dim = dim;
    this.biasAugmented = biasAugmented;
    this.p = dim + (biasAugmented ? 1 : 0);
    this.conv = conv;
    this.tileSize = tileSize;
    this.tileRows = tileRows;
    this.tileCols = tileCols;
    this.tiles = new double[tileRows.length][];
    for (int t = 0; t < tiles.length; t++) {
      tiles[t] = new double[tileExtent(tileRows[t]) * tileExtent(tileCols[t])];
    }
    int perSample = p;
    int minSamples = conv == null ? 1 : conv.positions();
    this.blockSamples = Math.max(minSamples, Math.min(blockSamples, Math.max(1, MAX_BLOCK_DOUBLES / perSample)));
    this.sum = new double[dim];
    this.keepSums = !sumsInTile();
    this.min = new double[dim];
    this.max = new double[dim];
    Arrays.fill(min, Double.POSITIVE_INFINITY);
    Arrays.fill(max, Double.NEGATIVE_INFINITY);
  }

  /** A dense layer with d inputs; the whole matrix as one tile. */
  public static AutocorrelationAccumulator dense(int d, boolean biasAugmented, int blockSamples) {
    requirePositive(d);
    int p = d + (biasAugmented ? 1 : 0);
    return new AutocorrelationAccumulator(d, d, biasAugmented, null, p, new int[] {0}, new int[] {0}, blockSamples);
  }

  /** A conv layer: rows are C x H x W maps, samples are patches of length C*kh*kw. */
  public static AutocorrelationAccumulator conv(ConvGeometry g, boolean biasAugmented, int blockSamples) {
    int p = g.patchSize() + (biasAugmented ? 1 : 0);
    return new AutocorrelationAccumulator(g.inputSize(), g.patchSize(), biasAugmented, g, p, new int[] {0},
        new int[] {0}, blockSamples);
  }

  /**
   * Accumulates only the given tiles (tileRow <= tileCol) of the tiling of the p x p matrix into
   * tileSize x tileSize tiles. {@code conv} is null for a dense layer of d inputs.
   */
  public static AutocorrelationAccumulator tiled(int d, ConvGeometry conv, boolean biasAugmented, int tileSize,
      List<int[]> tileCoordinates, int blockSamples) {
    int dim = conv == null ? d : conv.patchSize();
    requirePositive(dim);
    if (tileSize < 1) {
      throw new IllegalArgumentException("tileSize must be at least 1, cannot be: " + tileSize);
    }
    int p = dim + (biasAugmented ? 1 : 0);
    int nt = tileCount(p, tileSize);
    int[] tr = new int[tileCoordinates.size()];
    int[] tc = new int[tr.length];
    for (int t = 0; t < tr.length; t++) {
      int[] ij = tileCoordinates.get(t);
      if (ij[0] < 0 || ij[0] > ij[1] || ij[1] >= nt) {
        throw new IllegalArgumentException("Tile (" + ij[0] + ", " + ij[1] + ") is not an upper tile of a "
            + nt + "x" + nt + " tiling");
      }
      tr[t] = ij[0];
      tc[t] = ij[1];
    }
    return new AutocorrelationAccumulator(conv == null ? d : conv.inputSize(), dim, biasAugmented, conv, tileSize,
        tr, tc, blockSamples);
  }

  /** The number of tile rows (and columns) of a p x p matrix in tiles of size t. */
  public static int tileCount(int p, int t) {
    return (p + t - 1) / t;
  }

  private static void requirePositive(int d) {
    if (d < 1) {
      throw new IllegalArgumentException("The input dimension must be at least 1, cannot be: " + d);
    }
  }

  private int tileExtent(int tileIndex) {
    return Math.min(tileSize, p - tileIndex * tileSize);
  }

  /** Values one row must have: d for a dense layer, C*H*W for a conv layer. */
  public int inputSize() {
    return inputSize;
  }

  private double[] block() {
    if (block == null) {
      // + p slack: netlib's bounds check counts a sub-matrix at an offset as lda * k long
      block = new double[blockSamples * p + p];
      filled = 0;
    }
    return block;
  }

  /**
   * Checks the dense rows of floats block by block instead of row by row (default false): a
   * non-finite value then surfaces at the next {@link #flush()} (or {@link #finish()}), and its
   * {@link NonFiniteValueException#pendingRow()} tells which of the rows added since the previous
   * flush it was in. For readers that can map that index back to a file and row.
   */
  public AutocorrelationAccumulator deferChecks(boolean on) {
    if (on && (tiles.length != 1 || tileSize < p)) {
      throw new IllegalStateException("Deferred checks need the whole matrix in one tile (its diagonal)");
    }
    flush();
    this.deferChecks = on;
    return this;
  }

  /** Rows added since the last flush (dense layers: also the block's filled samples). */
  public int pendingRows() {
    return conv == null ? filled : 0;
  }

  /** Adds one row of {@link #inputSize()} floats starting at {@code off}. */
  public void addRow(float[] v, int off) {
    if (conv == null && deferChecks) {
      addRowDeferred(v, off);
      return;
    }
    if (conv != null) {
      double[] s = scratch();
      for (int k = 0; k < inputSize; k++) {
        s[k] = v[off + k];
      }
      addMap(s);
      return;
    }
    double[] b = block();
    int base = filled * p;
    for (int k = 0; k < dim; k++) {
      double x = v[off + k];
      b[base + k] = x;
    }
    finishSample(b, base);
  }

  // the deferred path: conversion and float minima/maxima only (vectorized loops), checks at flush
  private void addRowDeferred(float[] row, int off) {
    float[] v = row;
    if (off != 0) {
      // the loops below index the row from 0: JDK 17's C2 vectorizes Math.min/max over v[k] but
      // not over v[off + k] (measured 0.3 us against 2.6 us a row of 1024)
      if (rowScratch == null) {
        rowScratch = new float[dim];
      }
      System.arraycopy(row, off, rowScratch, 0, dim);
      v = rowScratch;
    }
    double[] b = block();
    if (pendingMin == null) {
      pendingMin = new float[dim];
      pendingMax = new float[dim];
      resetPending();
    }
    int base = filled * p;
    for (int k = 0; k < dim; k++) {
      b[base + k] = v[k];
    }
    // a NaN makes its minimum and maximum NaN, and is reported from the diagonal of the sums
    // (see flush)
    float[] lo = pendingMin;
    float[] hi = pendingMax;
    for (int k = 0; k < dim; k++) {
      float x = v[k];
      float l = lo[k];
      lo[k] = Math.min(x, l);
      float h = hi[k];
      hi[k] = Math.max(x, h);
    }
    if (biasAugmented) {
      b[base + dim] = 1.0;
    }
    samples++;
    rows++;
    if (++filled == blockSamples) {
      flush();
    }
  }

  private void resetPending() {
    Arrays.fill(pendingMin, Float.POSITIVE_INFINITY);
    Arrays.fill(pendingMax, Float.NEGATIVE_INFINITY);
  }

  // deferred mode, after the block was added: a NaN or an infinity anywhere in it made a diagonal
  // sum non-finite (a float's square cannot overflow a double); then the block names the row
  private void checkPending() {
    double[] c = tiles[0];
    for (int k = 0; k < dim; k++) {
      if (!Double.isFinite(c[k * p + k])) {
        for (int s = 0; s < filled; s++) {
          for (int j = 0; j < dim; j++) {
            double x = block[s * p + j];
            if (!Double.isFinite(x)) {
              filled = 0;
              resetPending();
              throw new NonFiniteValueException(j, x, s);
            }
          }
        }
      }
    }
  }

  // deferred mode, before the block is added: folds the float extremes in, adds the column sums
  private void foldPending(BLAS blas) {
    float[] lo = pendingMin;
    float[] hi = pendingMax;
    for (int k = 0; k < dim; k++) {
      min[k] = Math.min(min[k], lo[k]);
      max[k] = Math.max(max[k], hi[k]);
    }
    resetPending();
    if (!keepSums) {
      return;
    }
    if (ones == null || ones.length < filled) {
      ones = new double[blockSamples];
      Arrays.fill(ones, 1.0);
    }
    // sum_k += sum_s block[k, s]: the block is p x filled, column-major
    blas.dgemv("N", dim, filled, 1.0, block, p, ones, 1, 1.0, sum, 1);
  }

  /** Adds one row of {@link #inputSize()} doubles starting at {@code off}. */
  public void addRow(double[] v, int off) {
    if (deferChecks) {
      throw new IllegalStateException("Deferred checks take rows of floats only");
    }
    if (conv != null) {
      double[] s = scratch();
      System.arraycopy(v, off, s, 0, inputSize);
      addMap(s);
      return;
    }
    double[] b = block();
    int base = filled * p;
    System.arraycopy(v, off, b, base, dim);
    finishSample(b, base);
  }

  private double[] scratch() {
    if (scratch == null) {
      scratch = new double[inputSize];
    }
    return scratch;
  }

  // checks the sample just packed at b[base..base+dim), updates the feature statistics
  private void finishSample(double[] b, int base) {
    for (int k = 0; k < dim; k++) {
      double x = b[base + k];
      if (!Double.isFinite(x)) {
        throw new NonFiniteValueException(k, x);
      }
      if (keepSums) {
        sum[k] += x;
      }
      min[k] = Math.min(min[k], x); // -0.0 below 0.0, as Math.min orders them everywhere here
      max[k] = Math.max(max[k], x);
    }
    if (biasAugmented) {
      b[base + dim] = 1.0;
    }
    samples++;
    rows++;
    if (++filled == blockSamples) {
      flush();
    }
  }

  private void addMap(double[] map) {
    for (int k = 0; k < inputSize; k++) {
      if (!Double.isFinite(map[k])) {
        throw new NonFiniteValueException(k, map[k]);
      }
    }
    int positions = conv.positions();
    if (filled + positions > blockSamples) {
      flush();
    }
    double[] b = block();
    conv.extractPatches(map, 0, b, filled * p, p);
    for (int s = filled; s < filled + positions; s++) {
      int base = s * p;
      for (int k = 0; k < dim; k++) {
        double x = b[base + k];
        if (keepSums) {
          sum[k] += x;
        }
        min[k] = Math.min(min[k], x);
        max[k] = Math.max(max[k], x);
      }
      if (biasAugmented) {
        b[base + dim] = 1.0;
      }
    }
    filled += positions;
    samples += positions;
    rows++;
    if (filled == blockSamples) {
      flush();
    }
  }

  /** Adds the packed samples to the tiles: S_IJ += X_I X_J^T. */
  public void flush() {
    if (block == null || filled == 0) {
      return;
    }
    BLAS blas = Blas.blas();
    boolean deferred = deferChecks && pendingMin != null;
    if (deferred) {
      foldPending(blas);
    }
    for (int t = 0; t < tiles.length; t++) {
      int i0 = tileRows[t] * tileSize;
      int j0 = tileCols[t] * tileSize;
      int m = tileExtent(tileRows[t]);
      int n = tileExtent(tileCols[t]);
      if (tileRows[t] == tileCols[t]) {
        // upper triangle of X_I X_I^T
        Blas.dsyrk("U", "N", m, filled, 1.0, block, i0, p, 1.0, tiles[t], 0, m);
      } else {
        Blas.dgemm("N", "T", m, n, filled, 1.0, block, i0, p, block, j0, p, 1.0, tiles[t], 0, m);
      }
    }
    if (deferred) {
      checkPending();
    }
    filled = 0;
  }

  /** Flushes and releases the block (before the accumulator is serialized or merged). */
  public AutocorrelationAccumulator finish() {
    flush();
    block = null;
    scratch = null;
    return this;
  }

  /** Adds another accumulator of the same layer and tiles into this one. */
  public AutocorrelationAccumulator merge(AutocorrelationAccumulator o) {
    if (o.p != p || o.tileSize != tileSize || !Arrays.equals(o.tileRows, tileRows)
        || !Arrays.equals(o.tileCols, tileCols)) {
      throw new IllegalArgumentException("Cannot merge accumulators of different layouts: p " + p + " vs " + o.p);
    }
    finish();
    o.finish();
    for (int t = 0; t < tiles.length; t++) {
      double[] a = tiles[t];
      double[] b = o.tiles[t];
      for (int k = 0; k < a.length; k++) {
        a[k] += b[k];
      }
    }
    samples += o.samples;
    rows += o.rows;
    for (int k = 0; k < dim; k++) {
      sum[k] += o.sum[k];
      min[k] = Math.min(min[k], o.min[k]);
      max[k] = Math.max(max[k], o.max[k]);
    }
    return this;
  }

  public long samples() {
    return samples;
  }

  /** Samples per BLAS call (the block's columns). */
  public int blockSamples() {
    return blockSamples;
  }

  public long rows() {
    return rows;
  }

  public int dim() {
    return dim;
  }

  public int augmentedDim() {
    return p;
  }

  public int tileSize() {
    return tileSize;
  }

  public int tileCount() {
    return tiles.length;
  }

  public int tileRow(int t) {
    return tileRows[t];
  }

  public int tileCol(int t) {
    return tileCols[t];
  }

  private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
    finish();
    out.defaultWriteObject();
    for (int t = 0; t < tileRows.length; t++) {
      double[] tile = tiles[t];
      if (tileRows[t] == tileCols[t]) {
        int m = tileExtent(tileRows[t]);
        double[] upper = new double[m * (m + 1) / 2];
        for (int j = 0, k = 0; j < m; j++) {
          System.arraycopy(tile, j * m, upper, k, j + 1);
          k += j + 1;
        }
        out.writeObject(upper);
      } else {
        out.writeObject(tile);
      }
    }
  }

  private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
    in.defaultReadObject();
    tiles = new double[tileRows.length][];
    for (int t = 0; t < tileRows.length; t++) {
      double[] v = (double[]) in.readObject();
      if (tileRows[t] == tileCols[t]) {
        int m = tileExtent(tileRows[t]);
        double[] tile = new double[m * m];
        for (int j = 0, k = 0; j < m; j++) {
          System.arraycopy(v, k, tile, j * m, j + 1);
          k += j + 1;
        }
        tiles[t] = tile;
      } else {
        tiles[t] = v;
      }
    }
  }

  /** Tile t's sum (not divided by N), column-major, tileExtent rows. */
  public double[] tileSum(int t) {
    finish();
    return tiles[t];
  }

  /** Bytes held by the tiles and the block: what a task holds, independent of N. */
  public long heldBytes() {
    long b = (long) blockSamples * p;
    for (double[] t : tiles) {
      b += t.length;
    }
    return 8 * b;
  }

  /** The statistics; requires the accumulator to hold the whole matrix as one tile. */
  public AutocorrelationStats toStats() {
    finish();
    if (tiles.length != 1 || tileSize < p) {
      throw new IllegalStateException("toStats needs the whole matrix in one tile; this one holds " + tiles.length
          + " tiles of size " + tileSize);
    }
    return AutocorrelationStats.fromSum(dim, biasAugmented, samples, rows, tiles[0], sums(), min, max);
  }

  /** The feature statistics alone (for the tiled mode, where R lives in tiles). */
  public double[] sums() {
    if (keepSums) {
      return sum;
    }
    finish();
    double[] c = tiles[0];
    double[] s = new double[dim];
    System.arraycopy(c, (p - 1) * p, s, 0, dim);
    return s;
  }

  // whole and bias-augmented: S's last column is sum_n [x_n; 1], the feature sums, for every mode
  // of adding rows and across merges (the deferred mode does not keep them apart)
  private boolean sumsInTile() {
    return biasAugmented && tiles.length == 1 && tileSize >= p;
  }

  public double[] minima() {
    return min;
  }

  public double[] maxima() {
    return max;
  }

  public boolean biasAugmented() {
    return biasAugmented;
  }
}
