package io.nncompress.spark.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * An output directory as its files and their bytes: relative path to SHA-256, with the random job id
 * Spark puts in a part file's name ({@code part-00000-UUID-c000.snappy.parquet}) left out, so that two
 * runs' outputs compare byte for byte. Two files of compress's output say how the run went, not what it
 * computed: in {@code metrics.json} the keys {@link #RUN_KEYS} (wall-clock seconds; the passes over the
 * data, fewer in a run resumed from checkpoints) are left out before its digest, and {@code report.html}
 * (which shows those timings) and the checksums of both count by their presence only. Also the watch of an
 * output path while a run writes it.
 */
public final class OutputSnapshot {
  private static final Pattern UUID = Pattern.compile(
      "-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  /** The keys of metrics.json, at any depth, that describe the run rather than its result. */
  public static final java.util.Set<String> RUN_KEYS = java.util.Set.of("seconds", "timings", "passes_over_data");
  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  private OutputSnapshot() {}

  /** Relative path (job id left out) to the SHA-256 of the file; null if {@code dir} does not exist. */
  public static Map<String, String> of(Path dir) throws IOException {
    return walk(dir, true);
  }

  /** The relative paths only (cheap, for a watch); null if {@code dir} does not exist. */
  static Map<String, String> names(Path dir) throws IOException {
    return walk(dir, false);
  }

  private static Map<String, String> walk(Path dir, boolean bytes) throws IOException {
    if (!Files.isDirectory(dir)) {
      return null;
    }
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        String rel = UUID.matcher(dir.relativize(p).toString()).replaceAll("");
        if (Files.isDirectory(p)) {
          out.put(rel + "/", "");
        } else {
          out.put(rel, bytes ? digest(p) : "");
        }
      }
    }
    return out;
  }

  private static String digest(Path p) throws IOException {
    String name = p.getFileName().toString();
    if (name.equals("report.html") || name.equals(".report.html.crc") || name.equals(".metrics.json.crc")) {
      return "(present)";
    }
    if (name.equals("metrics.json")) {
      com.fasterxml.jackson.databind.JsonNode m = JSON.readTree(p.toFile());
      withoutRunKeys(m);
      return sha256(new java.io.ByteArrayInputStream(JSON.writeValueAsBytes(m)));
    }
    try (InputStream in = Files.newInputStream(p)) {
      return sha256(in);
    }
  }

  private static void withoutRunKeys(com.fasterxml.jackson.databind.JsonNode n) {
    if (n instanceof com.fasterxml.jackson.databind.node.ObjectNode o) {
      o.remove(RUN_KEYS);
    }
    n.forEach(OutputSnapshot::withoutRunKeys);
  }

  private static String sha256(InputStream in) throws IOException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
      StringBuilder sb = new StringBuilder();
      for (byte b : md.digest()) {
        sb.append(String.format("%02x", b));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The first difference of two snapshots, or null when they are equal. */
  public static String difference(Map<String, String> expected, Map<String, String> actual) {
    if (expected == null || actual == null) {
      return expected == actual ? null : (actual == null ? "the output is missing" : "an output exists");
    }
    for (Map.Entry<String, String> e : expected.entrySet()) {
      String a = actual.get(e.getKey());
      if (a == null) {
        return "missing " + e.getKey();
      }
      if (!a.equals(e.getValue())) {
        return "different bytes in " + e.getKey();
      }
    }
    for (String k : actual.keySet()) {
      if (!expected.containsKey(k)) {
        return "extra " + k;
      }
    }
    return null;
  }

  /**
   * Watches {@code output} while a run writes it (every 10 ms, on a daemon thread): whenever it exists it
   * must hold exactly the files of a complete output ({@code complete}, by name), so that no reader ever
   * sees a half-written output or a {@code _temporary}. {@link #stop} returns the first violation, or null.
   */
  public static final class Watch implements AutoCloseable {
    private final Thread thread;
    private volatile boolean running = true;
    private volatile String violation;

    public Watch(Path output, Map<String, String> complete) {
      Map<String, String> names = new TreeMap<>();
      complete.keySet().forEach(k -> names.put(k, ""));
      thread = new Thread(() -> {
        while (running && violation == null) {
          try {
            Map<String, String> seen = names(output);
            if (seen != null) {
              String d = difference(names, seen);
              if (d != null && Files.isDirectory(output)) { // not an output renamed away while listed
                violation = "while the run wrote, " + output + " was visible incomplete: " + d;
              }
            }
          } catch (NoSuchFileException | java.io.UncheckedIOException e) {
            // renamed away (an --overwrite) while listed: look again
          } catch (IOException e) {
            violation = "could not list " + output + ": " + e;
          }
          try {
            Thread.sleep(10);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "output-watch");
      thread.setDaemon(true);
      thread.start();
    }

    /** Stops watching; the first violation seen, or null. */
    public String stop() {
      running = false;
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return violation;
    }

    @Override
    public void close() {
      stop();
    }
  }
}
