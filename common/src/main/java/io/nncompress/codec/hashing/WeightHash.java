package io.nncompress.codec.hashing;

/**
 * The HashedNets hash pair of a layer: bucket h(i, j) in [0, K) and sign xi(i, j) in {-1, +1},
 * stable across languages. All arithmetic is on unsigned 64-bit integers modulo 2^64, {@code >>}
 * is a logical shift:
 *
 * <pre>
 * mix64(z):  z = (z ^ (z &gt;&gt; 30)) * 0xBF58476D1CE4E5B9
 *            z = (z ^ (z &gt;&gt; 27)) * 0x94D049BB133111EB
 *            return z ^ (z &gt;&gt; 31)                        (the splitmix64 finaliser)
 * key     = i * 2^32 + j                                  (row i, column j, each 0 .. 2^31 - 1)
 * x       = mix64(seed + 0x9E3779B97F4A7C15 * (key + 1))  (output key + 1 of splitmix64 seeded with seed)
 * h(i, j) = x mod K
 * xi(i,j) = +1 if the top bit (bit 63) of mix64(x) is 0, else -1
 * </pre>
 *
 * The seed is a signed 64-bit value read as its two's-complement bits. Test vectors: with seed 0,
 * x(0, 0) = 0xE220A8397B1DCDAF (splitmix64's first output from state 0); with seed 42,
 * x(0, 0) = 0xBDD732262FEB6E95, h = 3 (K = 10), xi = -1.
 */
public final class WeightHash {
  static final long GAMMA = 0x9E3779B97F4A7C15L;

  private final long seed;
  private final int buckets;

  public WeightHash(long seed, int buckets) {
    if (buckets < 1) {
      throw new IllegalArgumentException("buckets K must be at least 1, cannot be: " + buckets);
    }
    this.seed = seed;
    this.buckets = buckets;
  }

  public long seed() {
    return seed;
  }

  public int buckets() {
    return buckets;
  }

  /** The splitmix64 finaliser. */
  public static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** x(i, j) = mix64(seed + GAMMA (i 2^32 + j + 1)). */
  public long raw(int i, int j) {
    long key = ((long) i << 32) | (j & 0xFFFFFFFFL);
    return mix64(seed + GAMMA * (key + 1));
  }

  /** h(i, j) = x mod K (unsigned). */
  public int bucket(int i, int j) {
    return (int) Long.remainderUnsigned(raw(i, j), buckets);
  }

  /** xi(i, j) = +1 when bit 63 of mix64(x) is 0, else -1. */
  public int sign(int i, int j) {
    return mix64(raw(i, j)) >= 0 ? 1 : -1;
  }

  /** Fills buckets and signs of a rows x cols matrix, row-major (one hash per entry). */
  void fill(int rows, int cols, int[] bucketOut, byte[] signOut) {
    for (int i = 0; i < rows; i++) {
      fillRow(i, cols, bucketOut, signOut, i * cols);
    }
  }

  /** Fills buckets and signs of row i, columns 0..cols-1, into out[0..cols). */
  void fillRow(int i, int cols, int[] bucketOut, byte[] signOut) {
    fillRow(i, cols, bucketOut, signOut, 0);
  }

  private void fillRow(int i, int cols, int[] bucketOut, byte[] signOut, int off) {
    for (int j = 0; j < cols; j++) {
      long x = raw(i, j);
      bucketOut[off + j] = (int) Long.remainderUnsigned(x, buckets);
      signOut[off + j] = (byte) (mix64(x) >= 0 ? 1 : -1);
    }
  }
}
