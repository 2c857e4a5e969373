package io.nncompress.spark.compress;

import io.nncompress.codec.BitReader;
import io.nncompress.codec.BitWriter;
import io.nncompress.codec.huffman.HuffmanCode;
import java.io.Serializable;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.Function2;
import scala.Tuple2;

/**
 * The bit streams of {@link DistributedLayers}: each partition (a block of consecutive rows) writes
 * its rows' codes, fixed-width or Huffman coded, on the executors; the driver joins the streams in
 * row order.
 */
final class CodeStreams {
  private CodeStreams() {}

  /** One partition's rows: the first row, how many, the count of each code, and its bit stream. */
  static final class Piece implements Serializable {
    private static final long serialVersionUID = 1L;
    final int partition;
    final long firstRow;
    final long rows;
    final long[] counts;
    final long bits;
    final byte[] stream;

    Piece(int partition, long firstRow, long rows, long[] counts, long bits, byte[] stream) {
      this.partition = partition;
      this.firstRow = firstRow;
      this.rows = rows;
      this.counts = counts;
      this.bits = bits;
      this.stream = stream;
    }
  }

  /** Per partition: its first row, rows, code counts and its codes packed bits wide (as the dense deepcomp form). */
  static Function2<Integer, Iterator<Tuple2<Long, byte[]>>, Iterator<Piece>> fixedWidth(int cols, int bits) {
    return (p, it) -> {
      long[] counts = new long[1 << bits];
      BitWriter w = new BitWriter();
      long first = -1;
      long n = 0;
      long expect = -1;
      while (it.hasNext()) {
        Tuple2<Long, byte[]> t = it.next();
        if (first < 0) {
          first = t._1;
          expect = first;
        }
        if (t._1 != expect) {
          throw new IllegalStateException("partition " + p + ": row " + t._1 + " where row " + expect + " was due");
        }
        expect++;
        n++;
        for (int c : BitReader.unpack(t._2, 0, cols, bits)) {
          counts[c]++;
          w.write(c, bits);
        }
      }
      return Collections.singletonList(new Piece(p, first, n, counts, w.bitLength(), w.toByteArray())).iterator();
    };
  }

  /** Per partition: its rows' codes as Huffman codes of the given lengths. */
  static Function2<Integer, Iterator<Tuple2<Long, byte[]>>, Iterator<Piece>> huffmanCoded(int cols, int bits,
      int[] lengths) {
    return (p, it) -> {
      HuffmanCode code = HuffmanCode.fromLengths(lengths);
      BitWriter w = new BitWriter();
      long first = -1;
      long n = 0;
      while (it.hasNext()) {
        Tuple2<Long, byte[]> t = it.next();
        if (first < 0) {
          first = t._1;
        }
        n++;
        for (int c : BitReader.unpack(t._2, 0, cols, bits)) {
          code.encode(c, w);
        }
      }
      return Collections.singletonList(new Piece(p, first, n, null, w.bitLength(), w.toByteArray())).iterator();
    };
  }

  /** The partitions' streams joined in row order, behind the Huffman code lengths when given. */
  static byte[] join(List<Piece> pieces, int rows, HuffmanCode code) {
    pieces.sort(Comparator.comparingInt(p -> p.partition));
    long bits = 0;
    for (Piece p : pieces) {
      bits += p.bits;
    }
    BitWriter w = new BitWriter((int) Math.min(Integer.MAX_VALUE - 8, BitWriter.bytesFor(bits) + 64));
    if (code != null) {
      code.writeLengths(w);
    }
    long next = 0;
    for (Piece p : pieces) {
      if (p.rows == 0) {
        continue;
      }
      if (p.firstRow != next) {
        throw new IllegalStateException("partition " + p.partition + " starts at row " + p.firstRow + ", row " + next
            + " was due");
      }
      next += p.rows;
      w.append(p.stream, p.bits);
    }
    if (next != rows) {
      throw new IllegalStateException("the partitions hold " + next + " rows, the layer has " + rows);
    }
    return w.toByteArray();
  }
}
