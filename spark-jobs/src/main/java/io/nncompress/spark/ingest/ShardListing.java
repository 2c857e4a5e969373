package io.nncompress.spark.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nncompress.spark.autocorr.BadInputException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the layers and shards of an ingest input with Hadoop's FileSystem, and reads and checks
 * every shard's header (never its data): dtype, 2-D, the data's length, one d per layer.
 *
 * <p>The input is a folder of layer folders (as nncompress_dump.py writes them), or one layer's
 * folder of shards. Shards are {@code *.npy} and {@code *.safetensors} files, taken in natural
 * name order (part-2 before part-10); names starting with '.' or '_' are hidden (a layer folder's
 * {@code _layer.json} is read for its conv geometry), other files are skipped with a warning.
 */
public final class ShardListing {
  private static final Logger LOG = LoggerFactory.getLogger(ShardListing.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String LAYER_INFO = "_layer.json";

  private ShardListing() {}

  public static List<LayerShards> list(Configuration conf, String input) {
    Path in = new Path(input);
    try {
      FileSystem fs = in.getFileSystem(conf);
      FileStatus st;
      try {
        st = fs.getFileStatus(in);
      } catch (FileNotFoundException e) {
        throw new BadInputException("Input " + input + " does not exist");
      }
      if (!st.isDirectory()) {
        throw new BadInputException("Input " + input + " is a file; give the folder that holds the layer folders "
            + "(or one layer's folder of shards)");
      }
      // paths as the user wrote them: without file: (or the default file system) when the input had no scheme
      boolean plain = in.toUri().getScheme() == null;
      List<FileStatus> shards = new ArrayList<>();
      List<FileStatus> dirs = new ArrayList<>();
      split(fs, in, shards, dirs, plain);
      List<LayerShards> layers = new ArrayList<>();
      if (!shards.isEmpty()) {
        if (!dirs.isEmpty()) {
          throw new BadInputException("Input folder " + input + " holds both shard files (" + shards.get(0).getPath()
              + ") and layer folders (" + dirs.get(0).getPath() + "); give one layer's folder or a folder of layers");
        }
        layers.add(layer(fs, in.getName(), plain ? in : st.getPath(), shards));
      } else {
        for (FileStatus dir : dirs) {
          List<FileStatus> files = new ArrayList<>();
          List<FileStatus> sub = new ArrayList<>();
          split(fs, dir.getPath(), files, sub, plain);
          if (files.isEmpty()) {
            throw new BadInputException("Layer folder " + dir.getPath() + " holds no .npy or .safetensors shards");
          }
          layers.add(layer(fs, dir.getPath().getName(), dir.getPath(), files));
        }
      }
      if (layers.isEmpty()) {
        throw new BadInputException("Input folder " + input + " is empty: it holds no .npy or .safetensors shards "
            + "and no layer folders of them");
      }
      return layers;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + input, e);
    }
  }

  private static void split(FileSystem fs, Path folder, List<FileStatus> shards, List<FileStatus> dirs,
      boolean plain) throws IOException {
    for (FileStatus f : fs.listStatus(folder)) {
      if (plain) {
        f.setPath(Path.getPathWithoutSchemeAndAuthority(f.getPath()));
      }
      String name = f.getPath().getName();
      if (name.startsWith(".") || name.startsWith("_")) {
        continue;
      }
      if (f.isDirectory()) {
        dirs.add(f);
      } else if (isShard(name)) {
        shards.add(f);
      } else {
        LOG.warn("Skipping {}: not a .npy or .safetensors shard", f.getPath());
      }
    }
    Comparator<FileStatus> natural = (a, b) -> naturalCompare(a.getPath().getName(), b.getPath().getName());
    shards.sort(natural);
    dirs.sort(natural);
  }

  static boolean isShard(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    return n.endsWith(".npy") || n.endsWith(".safetensors");
  }

  private static LayerShards layer(FileSystem fs, String name, Path folder, List<FileStatus> files)
      throws IOException {
    List<ShardBlock> blocks = new ArrayList<>();
    ShardBlock first = null;
    for (FileStatus f : files) {
      String file = f.getPath().toString();
      List<ShardBlock> bs;
      try (FSDataInputStream in = fs.open(f.getPath())) {
        bs = f.getPath().getName().toLowerCase(Locale.ROOT).endsWith(".npy")
            ? List.of(NpyHeader.read(file, in, f.getLen())) : SafetensorsShard.read(file, in, f.getLen());
      }
      for (ShardBlock b : bs) {
        if (first == null) {
          first = b;
        } else if (b.d != first.d) {
          throw new BadInputException("Layer " + name + ": " + b.where() + " has d = " + b.d + " values per row, but "
              + first.where() + " has d = " + first.d + "; every shard of a layer must have the same d");
        }
        blocks.add(b);
      }
    }
    LayerShards layer = new LayerShards(name, folder.toString(), blocks, files.size(), info(fs, folder));
    if (layer.rows() == 0) {
      throw new BadInputException("Layer " + name + ": its shards in " + folder + " hold no rows");
    }
    return layer;
  }

  private static JsonNode info(FileSystem fs, Path folder) throws IOException {
    Path p = new Path(folder, LAYER_INFO);
    if (!fs.exists(p)) {
      return null;
    }
    try (FSDataInputStream in = fs.open(p)) {
      return JSON.readTree(in.readAllBytes());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      LOG.warn("Ignoring {}: not valid JSON ({})", p, e.getOriginalMessage());
      return null;
    }
  }

  /** Compares names with runs of digits as numbers: part-2 before part-10. */
  static int naturalCompare(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      char ca = a.charAt(i);
      char cb = b.charAt(j);
      if (Character.isDigit(ca) && Character.isDigit(cb)) {
        int ei = i;
        int ej = j;
        while (ei < a.length() && Character.isDigit(a.charAt(ei))) {
          ei++;
        }
        while (ej < b.length() && Character.isDigit(b.charAt(ej))) {
          ej++;
        }
        String na = a.substring(i, ei).replaceFirst("^0+(?=.)", "");
        String nb = b.substring(j, ej).replaceFirst("^0+(?=.)", "");
        int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
        if (c != 0) {
          return c;
        }
        i = ei;
        j = ej;
      } else {
        if (ca != cb) {
          return Character.compare(ca, cb);
        }
        i++;
        j++;
      }
    }
    int c = Integer.compare(a.length() - i, b.length() - j);
    return c != 0 ? c : a.compareTo(b);
  }
}
