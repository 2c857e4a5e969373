package io.nncompress.codec.huffman;

import io.nncompress.codec.BitReader;
import io.nncompress.codec.BitWriter;
import java.util.Arrays;

/**
 * A canonical Huffman code over the symbols 0 .. alphabetSize-1.
 *
 * <p>Code lengths come from Huffman's algorithm (two-queue merge over the symbols sorted by
 * (frequency, symbol), ties to the earlier node: deterministic). When the longest code exceeds the
 * limit, the frequencies are halved (rounding up, so a used symbol keeps frequency >= 1) and the
 * lengths are rebuilt, until they fit: a standard heuristic (not the optimal package-merge), which
 * terminates because equal frequencies give a balanced tree of depth ceil(log2 used) <= limit.
 * Codes are then assigned canonically (DEFLATE, RFC 1951 section 3.2.2): by increasing length, and
 * by symbol within a length. One used symbol gets length 1; no used symbol, an empty code.
 *
 * <p>In a {@link BitWriter} stream a code is written most significant bit first, so decoding walks
 * the canonical code one bit at a time (as zlib's puff does).
 */
public final class HuffmanCode {
  /** Default limit on the code length. */
  public static final int DEFAULT_MAX_LENGTH = 24;
  /** Largest supported limit; lengths are serialised in {@link #LENGTH_FIELD_BITS} bits. */
  public static final int MAX_LENGTH_LIMIT = 31;
  /** Bits of one code length in {@link #writeLengths}. */
  public static final int LENGTH_FIELD_BITS = 5;

  private final int[] lengths; // per symbol, 0 = unused
  private final int[] reversed; // per symbol, the code bit-reversed over its length (LSB-first write)
  private final int maxLength;
  private final int[] countPerLength; // countPerLength[l] = number of codes of length l
  private final int[] sortedSymbols; // by (length, symbol), used symbols only

  private HuffmanCode(int[] lengths) {
    this.lengths = lengths;
    int max = 0;
    for (int l : lengths) {
      max = Math.max(max, l);
    }
    this.maxLength = max;
    countPerLength = new int[max + 1];
    int used = 0;
    for (int l : lengths) {
      if (l > 0) {
        countPerLength[l]++;
        used++;
      }
    }
    // Kraft: sum 2^-l <= 1, else the lengths are no prefix code
    long kraft = 0; // in units of 2^-max
    for (int l = 1; l <= max; l++) {
      kraft += (long) countPerLength[l] << (max - l);
    }
    if (max > 0 && kraft > (1L << max)) {
      throw new IllegalArgumentException("Code lengths violate the Kraft inequality: sum 2^-l = "
          + (double) kraft / (1L << max) + " > 1");
    }
    sortedSymbols = new int[used];
    int[] offset = new int[max + 2];
    for (int l = 1; l <= max; l++) {
      offset[l + 1] = offset[l] + countPerLength[l];
    }
    for (int s = 0; s < lengths.length; s++) {
      if (lengths[s] > 0) {
        sortedSymbols[offset[lengths[s]]++] = s;
      }
    }
    // canonical codes: next[l] = (next[l-1] + count[l-1]) << 1
    int[] next = new int[max + 1];
    int code = 0;
    for (int l = 1; l <= max; l++) {
      code = (code + countPerLength[l - 1]) << 1;
      next[l] = code;
    }
    reversed = new int[lengths.length];
    for (int s = 0; s < lengths.length; s++) {
      int l = lengths[s];
      if (l > 0) {
        reversed[s] = Integer.reverse(next[l]++) >>> (32 - l);
      }
    }
  }

  /** The code of the given frequencies with lengths at most {@code maxLength} (1..31). */
  public static HuffmanCode fromFrequencies(long[] freq, int maxLength) {
    if (maxLength < 1 || maxLength > MAX_LENGTH_LIMIT) {
      throw new IllegalArgumentException("maxLength must be in 1.." + MAX_LENGTH_LIMIT + ", cannot be: " + maxLength);
    }
    int used = 0;
    for (int s = 0; s < freq.length; s++) {
      if (freq[s] < 0) {
        throw new IllegalArgumentException("freq[" + s + "] must be >= 0, cannot be: " + freq[s]);
      }
      if (freq[s] > 0) {
        used++;
      }
    }
    if (used > (1L << maxLength)) {
      throw new IllegalArgumentException(
          used + " used symbols do not fit codes of at most maxLength = " + maxLength + " bits");
    }
    long[] f = freq.clone();
    while (true) {
      int[] lengths = huffmanLengths(f);
      int max = 0;
      for (int l : lengths) {
        max = Math.max(max, l);
      }
      if (max <= maxLength) {
        return new HuffmanCode(lengths);
      }
      for (int s = 0; s < f.length; s++) {
        if (f[s] > 0) {
          f[s] = (f[s] + 1) >>> 1; // ceil(f / 2) >= 1
        }
      }
    }
  }

  /** The code of {@code symbols} (each in 0..alphabetSize-1) from their counts. */
  public static HuffmanCode fromSymbols(int[] symbols, int alphabetSize, int maxLength) {
    return fromFrequencies(frequencies(symbols, alphabetSize), maxLength);
  }

  /** Counts of each symbol 0..alphabetSize-1. */
  public static long[] frequencies(int[] symbols, int alphabetSize) {
    long[] f = new long[alphabetSize];
    for (int i = 0; i < symbols.length; i++) {
      int s = symbols[i];
      if (s < 0 || s >= alphabetSize) {
        throw new IllegalArgumentException("symbols[" + i + "] must be in 0.." + (alphabetSize - 1) + ", cannot be: " + s);
      }
      f[s]++;
    }
    return f;
  }

  /** The canonical code of given lengths (0 = unused symbol); they must satisfy Kraft's inequality. */
  public static HuffmanCode fromLengths(int[] lengths) {
    for (int s = 0; s < lengths.length; s++) {
      if (lengths[s] < 0 || lengths[s] > MAX_LENGTH_LIMIT) {
        throw new IllegalArgumentException(
            "lengths[" + s + "] must be in 0.." + MAX_LENGTH_LIMIT + ", cannot be: " + lengths[s]);
      }
    }
    return new HuffmanCode(lengths.clone());
  }

  /** Huffman's code lengths (unlimited) of the used symbols; one used symbol gets length 1. */
  static int[] huffmanLengths(long[] f) {
    int a = f.length;
    int[] lengths = new int[a];
    int used = 0;
    for (long x : f) {
      if (x > 0) {
        used++;
      }
    }
    if (used == 0) {
      return lengths;
    }
    Integer[] order = new Integer[used];
    int t = 0;
    for (int s = 0; s < a; s++) {
      if (f[s] > 0) {
        order[t++] = s;
      }
    }
    if (used == 1) {
      lengths[order[0]] = 1;
      return lengths;
    }
    Arrays.sort(order, (p, q) -> f[p] != f[q] ? Long.compare(f[p], f[q]) : Integer.compare(p, q));
    // nodes 0..used-1 are leaves (sorted), used.. are internal, created in nondecreasing weight
    int total = 2 * used - 1;
    long[] weight = new long[total];
    int[] parent = new int[total];
    for (int i = 0; i < used; i++) {
      weight[i] = f[order[i]];
    }
    int leaf = 0;
    int internal = used;
    int next = used;
    while (next < total) {
      int[] pick = new int[2];
      for (int p = 0; p < 2; p++) {
        // the lighter head of the two queues; ties to the leaf
        if (leaf < used && (internal >= next || weight[leaf] <= weight[internal])) {
          pick[p] = leaf++;
        } else {
          pick[p] = internal++;
        }
      }
      weight[next] = weight[pick[0]] + weight[pick[1]];
      parent[pick[0]] = next;
      parent[pick[1]] = next;
      next++;
    }
    // depth(node) = depth(parent) + 1, the root (total-1) at depth 0; parents come after children
    int[] depth = new int[total];
    for (int i = total - 2; i >= 0; i--) {
      depth[i] = depth[parent[i]] + 1;
    }
    for (int i = 0; i < used; i++) {
      lengths[order[i]] = depth[i];
    }
    return lengths;
  }

  public int alphabetSize() {
    return lengths.length;
  }

  /** Code length of each symbol (0 = unused), a copy. */
  public int[] lengths() {
    return lengths.clone();
  }

  public int length(int symbol) {
    return lengths[symbol];
  }

  /** The canonical code of a symbol, most significant bit first over {@link #length}. */
  public int code(int symbol) {
    int l = lengths[symbol];
    return l == 0 ? 0 : Integer.reverse(reversed[symbol]) >>> (32 - l);
  }

  public int maxLength() {
    return maxLength;
  }

  /** sum_s freq[s] length(s): the bits {@link #encode} writes for those counts. */
  public long encodedBits(long[] freq) {
    long bits = 0;
    for (int s = 0; s < freq.length; s++) {
      bits += freq[s] * lengths[s];
    }
    return bits;
  }

  /** Writes one symbol's code. */
  public void encode(int symbol, BitWriter out) {
    int l = symbol >= 0 && symbol < lengths.length ? lengths[symbol] : 0;
    if (l == 0) {
      throw new IllegalArgumentException("Symbol " + symbol + " has no code in this Huffman code");
    }
    out.write(reversed[symbol], l);
  }

  /** Writes the codes of all symbols. */
  public void encode(int[] symbols, BitWriter out) {
    for (int s : symbols) {
      encode(s, out);
    }
  }

  /** Reads one symbol. */
  public int decode(BitReader in) {
    int code = 0; // the bits read so far, MSB first
    int first = 0; // first canonical code of the current length
    int index = 0; // index in sortedSymbols of that first code
    for (int l = 1; l <= maxLength; l++) {
      code |= in.readBit();
      int count = countPerLength[l];
      if (code - first < count) {
        return sortedSymbols[index + code - first];
      }
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    throw new IllegalArgumentException("Invalid Huffman code in the bit stream (no code matches after "
        + maxLength + " bits)");
  }

  /** Reads {@code count} symbols. */
  public int[] decode(BitReader in, int count) {
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = decode(in);
    }
    return out;
  }

  /** Writes the code as its lengths, {@link #LENGTH_FIELD_BITS} bits per symbol of the alphabet. */
  public void writeLengths(BitWriter out) {
    for (int l : lengths) {
      out.write(l, LENGTH_FIELD_BITS);
    }
  }

  /** Reads a code written by {@link #writeLengths}; the alphabet size is known to the reader. */
  public static HuffmanCode readLengths(BitReader in, int alphabetSize) {
    int[] lengths = new int[alphabetSize];
    for (int s = 0; s < alphabetSize; s++) {
      lengths[s] = in.read(LENGTH_FIELD_BITS);
    }
    return fromLengths(lengths);
  }
}
