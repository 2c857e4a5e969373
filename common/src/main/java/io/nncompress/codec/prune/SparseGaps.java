package io.nncompress.codec.prune;

import java.util.Arrays;

/**
 * Relative-index coding of the nonzero positions of a matrix, as Deep Compression stores its sparse
 * layers (Han et al. 2016, section 2 and figure 2), here over the row-major flattening of the matrix:
 * a CSR whose gaps run on across row ends, so no row pointers are stored (the column count gives
 * the row of every position; empty and all-zero rows cost nothing unless a gap overflows).
 *
 * <p>With g bits per symbol and {@code PAD = 2^g - 1}: a nonzero at position p after the previous
 * one at q (q = -1 at the start) has gap {@code d = p - q - 1} zeros before it. While d >= PAD a
 * padding symbol PAD is emitted, standing for PAD zeros (the paper's filler zeros, which carry no
 * value: they need no codebook index) and d -= PAD; then the symbol d (< PAD) places the nonzero.
 * Zeros after the last nonzero are implied by the matrix size.
 */
public final class SparseGaps {
  private SparseGaps() {}

  /** Checks 1 <= gapBits <= 16. */
  public static void checkGapBits(int gapBits) {
    if (gapBits < 1 || gapBits > 16) {
      throw new IllegalArgumentException("gapBits must be in 1..16, cannot be: " + gapBits);
    }
  }

  /** The padding symbol 2^gapBits - 1. */
  public static int pad(int gapBits) {
    return (1 << gapBits) - 1;
  }

  /** Gap symbols of strictly increasing positions (>= 0). */
  public static int[] encode(int[] positions, int gapBits) {
    checkGapBits(gapBits);
    int pad = pad(gapBits);
    int[] out = new int[positions.length + 16];
    int len = 0;
    long q = -1;
    for (int t = 0; t < positions.length; t++) {
      long p = positions[t];
      if (p <= q) {
        throw new IllegalArgumentException("positions must increase strictly: positions[" + t + "] = " + p
            + " after " + q);
      }
      long d = p - q - 1;
      long need = len + d / pad + 1 + (positions.length - t - 1);
      if (need > out.length) {
        out = Arrays.copyOf(out, (int) Math.max(need, Math.min(Integer.MAX_VALUE - 8, 2L * out.length)));
      }
      while (d >= pad) {
        out[len++] = pad; // filler: pad zeros, no value
        d -= pad;
      }
      out[len++] = (int) d;
      q = p;
    }
    return Arrays.copyOf(out, len);
  }

  /** Positions of the nonzeros from gap symbols; every position must be below {@code size}. */
  public static int[] decode(int[] symbols, int gapBits, long size) {
    checkGapBits(gapBits);
    int pad = pad(gapBits);
    int values = 0;
    for (int s : symbols) {
      if (s != pad) {
        values++;
      }
    }
    int[] pos = new int[values];
    int v = 0;
    long q = -1;
    for (int s : symbols) {
      if (s < 0 || s > pad) {
        throw new IllegalArgumentException("gap symbol must be in 0.." + pad + ", cannot be: " + s);
      }
      if (s == pad) {
        q += pad;
      } else {
        q += s + 1L;
        if (q >= size) {
          throw new IllegalArgumentException("gap symbols place a nonzero at position " + q + " of a " + size
              + "-entry matrix");
        }
        pos[v++] = (int) q;
      }
    }
    return pos;
  }

  /** Number of values (non-padding symbols). */
  public static int countValues(int[] symbols, int gapBits) {
    int pad = pad(gapBits);
    int c = 0;
    for (int s : symbols) {
      if (s != pad) {
        c++;
      }
    }
    return c;
  }
}
