package io.nncompress.spark.ingest;

import io.nncompress.spark.autocorr.BadInputException;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FSDataInputStream;

/**
 * The header of a .npy file (format versions 1.0, 2.0 and 3.0): the magic {@code \x93NUMPY}, the
 * version, the header length (2 bytes in 1.0, 4 after), and a Python dict literal
 * {@code {'descr': '<f4', 'fortran_order': False, 'shape': (N, d), }}; the data follows.
 *
 * <p>Accepted: 2-D arrays of float32, float64 or float16 (either byte order) in C order. Anything
 * else is a {@link BadInputException} naming the file and what it holds.
 */
public final class NpyHeader {
  /** The longest header read; numpy's own are 64 to a few hundred bytes. */
  static final int MAX_HEADER_BYTES = 1 << 20;
  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR_STRING = Pattern.compile("['\"]descr['\"]\\s*:\\s*['\"]([^'\"]*)['\"]");
  private static final Pattern DESCR_ANY = Pattern.compile("['\"]descr['\"]\\s*:\\s*(\\S[^:]*?)\\s*,\\s*['\"]");
  private static final Pattern FORTRAN = Pattern.compile("['\"]fortran_order['\"]\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("['\"]shape['\"]\\s*:\\s*\\(([^)]*)\\)");

  private NpyHeader() {}

  /** Reads and checks the header of {@code file} (of {@code length} bytes), including the data length. */
  static ShardBlock read(String file, FSDataInputStream in, long length) throws IOException {
    byte[] prefix = new byte[12];
    int got = readAtMost(in, 0, prefix);
    for (int k = 0; k < MAGIC.length; k++) {
      if (got <= k || prefix[k] != MAGIC[k]) {
        throw new BadInputException("File " + file + " is not a .npy file: it does not start with the magic "
            + "\\x93NUMPY (" + length + " bytes)");
      }
    }
    if (got < 10) {
      throw new BadInputException("File " + file + " is truncated: " + length + " bytes, shorter than a .npy header");
    }
    int major = prefix[6] & 0xff;
    int headerStart;
    long headerLength;
    ByteBuffer b = ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN);
    if (major == 1) {
      headerStart = 10;
      headerLength = b.getShort(8) & 0xffff;
    } else if (major == 2 || major == 3) {
      if (got < 12) {
        throw new BadInputException("File " + file + " is truncated: " + length + " bytes, shorter than a .npy header");
      }
      headerStart = 12;
      headerLength = b.getInt(8) & 0xffffffffL;
    } else {
      throw new BadInputException("File " + file + ": .npy format version " + major + "." + (prefix[7] & 0xff)
          + " is not supported (1.0, 2.0 and 3.0 are)");
    }
    if (headerLength > MAX_HEADER_BYTES) {
      throw new BadInputException("File " + file + ": .npy header of " + headerLength + " bytes is over the limit of "
          + MAX_HEADER_BYTES);
    }
    if (headerStart + headerLength > length) {
      throw new BadInputException("File " + file + " is truncated: its .npy header needs " + (headerStart + headerLength)
          + " bytes, the file has " + length);
    }
    byte[] header = new byte[(int) headerLength];
    in.readFully(headerStart, header);
    String text = new String(header, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
    return parse(file, text, headerStart + headerLength, length);
  }

  /** Parses the dict literal; {@code dataOffset} is where the data begins, {@code length} the file size. */
  static ShardBlock parse(String file, String dict, long dataOffset, long length) {
    Matcher descr = DESCR_STRING.matcher(dict);
    if (!descr.find()) {
      Matcher any = DESCR_ANY.matcher(dict);
      throw new BadInputException("File " + file + ": dtype " + (any.find() ? any.group(1) : "(no 'descr' in the "
          + "header: " + dict.trim() + ")") + " is not supported; nncompress ingests float32, float64 and float16 "
          + "(a structured or record dtype is not a 2-D float array)");
    }
    String d = descr.group(1);
    ShardDtype dtype = dtype(d);
    if (dtype == null) {
      throw new BadInputException("File " + file + ": dtype " + describe(d) + " is not supported; nncompress ingests "
          + "float32, float64 and float16 (convert with arr.astype(np.float32))");
    }
    Matcher fortran = FORTRAN.matcher(dict);
    if (!fortran.find()) {
      throw new BadInputException("File " + file + ": the .npy header has no fortran_order: " + dict.trim());
    }
    Matcher shape = SHAPE.matcher(dict);
    if (!shape.find()) {
      throw new BadInputException("File " + file + ": the .npy header has no shape: " + dict.trim());
    }
    long[] dims = dims(file, shape.group(1));
    if (dims.length != 2) {
      throw new BadInputException("File " + file + " holds an array of shape " + shapeString(dims) + ", not 2-D "
          + "(rows x d); reshape it to (-1, d) before saving");
    }
    if (fortran.group(1).equals("True") && dims[0] > 1 && dims[1] > 1) {
      throw new BadInputException("File " + file + " holds a Fortran-order (column-major) array of shape "
          + shapeString(dims) + "; save it in C order (np.ascontiguousarray) so that each row is contiguous");
    }
    if (dims[1] < 1 || dims[1] > Integer.MAX_VALUE / 8) {
      throw new BadInputException("File " + file + ": shape " + shapeString(dims) + " has d = " + dims[1]
          + " values per row; must be between 1 and " + Integer.MAX_VALUE / 8);
    }
    ShardBlock block = new ShardBlock(file, null, dtype, d.charAt(0) != '>', dims[0], (int) dims[1], dataOffset);
    checkLength(block, length, dtype.label() + " " + shapeString(dims));
    return block;
  }

  /** The data must be exactly rows x d values long: shorter is truncation, longer is a wrong header. */
  static void checkLength(ShardBlock b, long fileLength, String what) {
    long expected = b.rows * b.rowBytes();
    long actual = fileLength - b.offset;
    if (actual < expected) {
      throw new BadInputException("File " + b.file + " is truncated: " + what + " needs " + expected
          + " bytes of data after byte " + b.offset + ", the file has " + Math.max(0, actual));
    }
    if (actual > expected && b.tensor == null) {
      throw new BadInputException("File " + b.file + " has " + actual + " bytes of data after byte " + b.offset
          + ", but " + what + " needs " + expected + "; the header does not describe the data");
    }
  }

  private static ShardDtype dtype(String descr) {
    if (descr.length() < 2) {
      return null;
    }
    char order = descr.charAt(0);
    String rest = descr.substring(1);
    if (order != '<' && order != '>' && order != '=' && order != '|') {
      order = '|';
      rest = descr;
    }
    if (order == '=' && java.nio.ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      return null; // native order on a big-endian writer is not recorded: refuse rather than guess
    }
    switch (rest) {
      case "f4":
        return ShardDtype.FLOAT32;
      case "f8":
        return ShardDtype.FLOAT64;
      case "f2":
        return ShardDtype.FLOAT16;
      default:
        return null;
    }
  }

  /** numpy's name for a descr, e.g. '<i8' -> int64 ('<i8'). */
  static String describe(String descr) {
    String rest = descr.length() > 1 && "<>=|".indexOf(descr.charAt(0)) >= 0 ? descr.substring(1) : descr;
    String name = null;
    if (rest.length() >= 2 && rest.substring(1).chars().allMatch(Character::isDigit)) {
      int bytes = Integer.parseInt(rest.substring(1));
      switch (rest.charAt(0)) {
        case 'i':
          name = "int" + 8 * bytes;
          break;
        case 'u':
          name = "uint" + 8 * bytes;
          break;
        case 'f':
          name = "float" + 8 * bytes;
          break;
        case 'c':
          name = "complex" + 8 * bytes;
          break;
        case 'b':
          name = "bool";
          break;
        default:
          break;
      }
    }
    return name != null ? name + " ('" + descr + "')" : "'" + descr + "'";
  }

  private static long[] dims(String file, String tuple) {
    List<Long> out = new ArrayList<>();
    for (String part : tuple.split(",")) {
      String p = part.trim();
      if (p.endsWith("L")) {
        p = p.substring(0, p.length() - 1);
      }
      if (p.isEmpty()) {
        continue;
      }
      try {
        long v = Long.parseLong(p);
        if (v < 0) {
          throw new NumberFormatException();
        }
        out.add(v);
      } catch (NumberFormatException e) {
        throw new BadInputException("File " + file + ": the .npy shape (" + tuple + ") is not a tuple of sizes");
      }
    }
    long[] dims = new long[out.size()];
    for (int k = 0; k < dims.length; k++) {
      dims[k] = out.get(k);
    }
    return dims;
  }

  static String shapeString(long[] dims) {
    StringBuilder s = new StringBuilder("(");
    for (int k = 0; k < dims.length; k++) {
      s.append(k > 0 ? ", " : "").append(dims[k]);
    }
    return s.append(dims.length == 1 ? ",)" : ")").toString();
  }

  /** Positional read of up to buf.length bytes from 0; returns how many were read. */
  private static int readAtMost(FSDataInputStream in, long position, byte[] buf) throws IOException {
    int n = 0;
    while (n < buf.length) {
      int r;
      try {
        r = in.read(position + n, buf, n, buf.length - n);
      } catch (EOFException e) {
        break;
      }
      if (r < 0) {
        break;
      }
      n += r;
    }
    return n;
  }
}
