package io.nncompress.compress;

import java.util.Locale;

/**
 * How the layers of a network are reconstructed one after the other (the LNR talk, "Three chaining
 * strategies"), for layer k with original input Z_k, compressed-network input Z^_k and weights W_k:
 * <ul>
 *   <li>{@link #PARALLEL}: Y = W_k Z_k, X = Z_k; every layer from the original network's statistics;</li>
 *   <li>{@link #TOP_DOWN}: Y = W_k Z_k, X = Z^_k; from the first layer on, each layer reconstructs
 *       the original output from the already compressed upstream network (needs the cross statistic
 *       E[Z_k Z^_k^T], one pass over the data per layer);</li>
 *   <li>{@link #BOTTOM_UP}: Y = C_{k+1}^T W_k Z_k, X = Z_k; from the last layer down, each layer
 *       reconstructs only the outputs the next layer still reads.</li>
 * </ul>
 */
public enum ChainingStrategy {
  PARALLEL("parallel"),
  TOP_DOWN("top-down"),
  BOTTOM_UP("bottom-up");

  public final String id;

  ChainingStrategy(String id) {
    this.id = id;
  }

  public static ChainingStrategy parse(String s) {
    for (ChainingStrategy c : values()) {
      if (c.id.equals(s.trim().toLowerCase(Locale.ROOT))) {
        return c;
      }
    }
    throw new IllegalArgumentException("strategy must be one of parallel, top-down, bottom-up, cannot be: " + s);
  }
}
