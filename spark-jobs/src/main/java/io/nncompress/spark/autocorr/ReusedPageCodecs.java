package io.nncompress.spark.autocorr;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopCodecs;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdException;
import org.xerial.snappy.Snappy;

/**
 * Parquet's codecs for {@link ParquetFileInput}'s reads, with Snappy and Zstandard pages
 * decompressed into reused arrays.
 *
 * <p>parquet-hadoop's own heap decompressor allocates (and zeroes) a new array for every page and
 * copies each page three times on the way (heap to direct, Snappy, direct to heap; Zstandard
 * goes through a stream). Here a page goes from the column chunk's array straight into one of a few
 * arrays that the column chunk reuses: one call to Snappy (snappy-java) or Zstandard (zstd-jni, the
 * libraries parquet-hadoop uses), no allocation. Reading rows of 4 KiB on one core took 4.5-4.9 us
 * a row with parquet-hadoop's Snappy, 3.2-3.5 us with this one (Zstandard 8.7 and 7.3-7.4; README,
 * bench autocorr).
 *
 * <p>Reuse has to respect how long parquet-hadoop holds on to a page. It asks for one decompressor
 * per column chunk of a row group. A dictionary page is held for the whole chunk, so every
 * decompressor starts out giving fresh arrays, as long as the column readers are being set up
 * (that is when dictionaries are read). After {@link #reuseFromNow()}, each decompressor cycles
 * through {@value #RING} arrays of its own: a data page is read only while it is its column's
 * current page, and the values taken from it are used before that column has moved on twice (the
 * reader takes each row's values, then adds them, before the next row). {@link #nextRowGroup()}
 * gives the arrays back once the previous row group is closed. Other codecs are parquet-hadoop's.
 */
final class ReusedPageCodecs implements CompressionCodecFactory {

  // arrays per column chunk: its current page, the one before (values of the row being added)
  // and one spare
  static final int RING = 3;

  private final Configuration conf;
  private CompressionCodecFactory others;
  private final List<ReusedPages> chunks = new ArrayList<>();
  private final ArrayDeque<byte[]> free = new ArrayDeque<>();
  private long pagesDecompressed;
  private long arraysAllocated;

  ReusedPageCodecs(Configuration conf) {
    this.conf = conf;
  }

  /** Call before reading the next row group (the previous one closed): its arrays are free again. */
  void nextRowGroup() {
    for (ReusedPages d : chunks) {
      d.giveBack();
    }
    chunks.clear();
  }

  /** Call once the row group's column readers exist: from now on data pages go into reused arrays. */
  void reuseFromNow() {
    for (ReusedPages d : chunks) {
      d.reuse = true;
    }
  }

  /** Pages decompressed here (for tests). */
  long pagesDecompressed() {
    return pagesDecompressed;
  }

  /** Arrays allocated for pages so far (for tests: bounded when reused). */
  long arraysAllocated() {
    return arraysAllocated;
  }

  @Override
  public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
    if (codec == CompressionCodecName.SNAPPY || codec == CompressionCodecName.ZSTD) {
      ReusedPages d = new ReusedPages(codec);
      chunks.add(d);
      return d;
    }
    return others().getDecompressor(codec);
  }

  @Override
  public BytesInputCompressor getCompressor(CompressionCodecName codec) {
    return others().getCompressor(codec);
  }

  // called by ParquetFileReader.close(): this factory outlives the file (its arrays serve the next)
  @Override
  public void release() {
    if (others != null) {
      others.release();
      others = null;
    }
  }

  private CompressionCodecFactory others() {
    if (others == null) {
      others = HadoopCodecs.newFactory(conf, 0);
    }
    return others;
  }

  private byte[] array(int size) {
    for (byte[] a : free) {
      if (a.length >= size) {
        free.remove(a);
        return a;
      }
    }
    // sizes rounded up to 64 KiB, so that pages of one file fit each other's arrays
    arraysAllocated++;
    return new byte[(int) Math.min(Integer.MAX_VALUE - 8, ((size + 65535L) >>> 16) << 16)];
  }

  private final class ReusedPages implements BytesInputDecompressor {
    final CompressionCodecName codec;
    final byte[][] ring = new byte[RING][];
    int next;
    boolean reuse;

    ReusedPages(CompressionCodecName codec) {
      this.codec = codec;
    }

    void giveBack() {
      for (int k = 0; k < RING; k++) {
        if (ring[k] != null) {
          free.add(ring[k]);
          ring[k] = null;
        }
      }
    }

    @Override
    public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
      ByteBuffer in = bytes.toByteBuffer();
      byte[] src;
      int off;
      int len = in.remaining();
      if (in.hasArray()) {
        src = in.array();
        off = in.arrayOffset() + in.position();
      } else {
        src = new byte[len];
        in.duplicate().get(src);
        off = 0;
      }
      int size = uncompressedSize;
      if (codec == CompressionCodecName.SNAPPY && Snappy.uncompressedLength(src, off, len) != size) {
        throw new IOException("Snappy page of " + len + " bytes holds " + Snappy.uncompressedLength(src, off, len)
            + " bytes, its header says " + size);
      }
      byte[] out;
      if (reuse) {
        out = ring[next];
        if (out == null || out.length < size) {
          if (out != null) {
            free.add(out);
          }
          out = array(size);
          ring[next] = out;
        }
        next = (next + 1) % RING;
      } else {
        out = new byte[size];
        arraysAllocated++;
      }
      long n = uncompress(src, off, len, out, size);
      if (n != size) {
        throw new IOException(codec + " page decompressed to " + n + " bytes, expected " + size);
      }
      pagesDecompressed++;
      return BytesInput.from(out, 0, size);
    }

    @Override
    public void decompress(ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
        throws IOException {
      // parquet-hadoop's direct-buffer path (not taken with heap buffers); kept simple and correct
      ByteBuffer in = input.duplicate();
      in.limit(in.position() + compressedSize);
      byte[] src = new byte[compressedSize];
      in.get(src);
      byte[] out = new byte[uncompressedSize];
      long n = uncompress(src, 0, compressedSize, out, uncompressedSize);
      if (n != uncompressedSize) {
        throw new IOException(codec + " page decompressed to " + n + " bytes, expected " + uncompressedSize);
      }
      output.put(out);
    }

    // into out[0, size): the decompressed length
    private long uncompress(byte[] src, int off, int len, byte[] out, int size) throws IOException {
      if (codec == CompressionCodecName.SNAPPY) {
        return Snappy.uncompress(src, off, len, out, 0);
      }
      try {
        return Zstd.decompressByteArray(out, 0, size, src, off, len);
      } catch (ZstdException e) {
        throw new IOException("ZSTD page of " + len + " bytes does not decompress to " + size + " bytes: "
            + e.getMessage(), e);
      }
    }

    @Override
    public void release() {}
  }
}
