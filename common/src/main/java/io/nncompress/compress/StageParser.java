package io.nncompress.compress;

import io.nncompress.codec.hashing.HashedTensor;
import io.nncompress.codec.kmeans.WeightSharing;
import io.nncompress.codec.prune.MagnitudePruner;
import io.nncompress.codec.quant.UniformQuantizer;
import io.nncompress.codec.quant.VectorQuantizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses a plan's text once into typed {@link Stage}s: the syntax, the names, the order of the
 * stages and every argument are checked here, with errors that name the stage and what it allows.
 */
final class StageParser {
  private static final Pattern STAGE = Pattern.compile("([a-z_]+)(?:\\(([^)]*)\\))?");
  private static final List<String> DEEP = List.of("prune", "prune_obd", "kmeans", "kmeans_aware", "huffman");
  private static final List<String> LOW_RANK = List.of("svd", "svd_aware");
  private static final List<String> OTHER = List.of("uniform", "binary", "pq", "rq", "hashed", "hashed_aware");
  // each stage's arguments, in order; uniform's second is optional
  private static final Map<String, List<String>> ARGUMENTS = Map.ofEntries(
      Map.entry("prune", List.of("sparsity")), Map.entry("prune_obd", List.of("sparsity")),
      Map.entry("kmeans", List.of("bits")), Map.entry("kmeans_aware", List.of("bits")),
      Map.entry("huffman", List.of()), Map.entry("uniform", List.of("bits", "row|tensor")),
      Map.entry("binary", List.of()),
      Map.entry("pq", List.of("sub-vector length", "clusters")),
      Map.entry("rq", List.of("sub-vector length", "clusters", "stages")),
      Map.entry("hashed", List.of("buckets")), Map.entry("hashed_aware", List.of("buckets")),
      Map.entry("svd", List.of("rank rule")), Map.entry("svd_aware", List.of("rank rule")));
  private static final String RANK_RULES = "one of energy=F, rank=R, error=E, bytes=N, bits=B";

  /** A stage as written: its name, its arguments as text, and the whole text. */
  private record Raw(String name, List<String> args, String text) {
    @Override
    public String toString() {
      return text;
    }
  }

  private StageParser() {}

  /** The typed stages of {@code a -> b(1) -> c} (or of a list of such strings). */
  static List<Stage> parse(List<String> items) {
    List<Raw> out = new ArrayList<>();
    for (String item : items) {
      for (String part : item.split("->")) {
        String s = part.trim().toLowerCase(Locale.ROOT);
        if (s.isEmpty()) {
          continue;
        }
        Matcher m = STAGE.matcher(s);
        if (!m.matches()) {
          throw new IllegalArgumentException("stage '" + part.trim() + "' is not name or name(args)");
        }
        String name = m.group(1);
        if (!DEEP.contains(name) && !OTHER.contains(name) && !LOW_RANK.contains(name)) {
          List<String> all = new ArrayList<>(DEEP);
          all.addAll(OTHER);
          all.addAll(LOW_RANK);
          throw new IllegalArgumentException("unknown stage '" + name + "', allowed: " + all);
        }
        List<String> args = new ArrayList<>();
        if (m.group(2) != null && !m.group(2).isBlank()) {
          for (String a : m.group(2).split(",")) {
            args.add(a.trim());
          }
        }
        List<String> allowed = ARGUMENTS.get(name);
        if (args.size() > allowed.size()) {
          throw new IllegalArgumentException("stage " + s + " takes " + (allowed.isEmpty() ? "no arguments"
              : (name.equals("uniform") ? "1 or 2" : allowed.size()) + " argument" + (allowed.size() == 1 ? "" : "s")
              + " (" + String.join(", ", allowed) + ")") + ", not " + args.size());
        }
        out.add(new Raw(name, List.copyOf(args), s));
      }
    }
    return typed(out);
  }

  // the order of the stages, then their arguments
  private static List<Stage> typed(List<Raw> stages) {
    for (int i = 1; i < stages.size(); i++) {
      if (LOW_RANK.contains(stages.get(i).name)) {
        throw new IllegalArgumentException("stages " + stages + ": " + stages.get(i).name + " must come first (the "
            + "stages after it apply to both factors)");
      }
    }
    List<Stage> out = new ArrayList<>();
    if (!stages.isEmpty() && LOW_RANK.contains(stages.get(0).name)) {
      // the low-rank stage's own arguments; the rest is a plan of its own, checked as one
      Raw s = stages.get(0);
      out.add(new Stage.Svd(rank(s), s.name.equals("svd_aware"), s.text));
      out.addAll(typed(stages.subList(1, stages.size())));
      return out;
    }
    boolean other = stages.stream().anyMatch(s -> OTHER.contains(s.name));
    if (other && stages.size() > 1) {
      throw new IllegalArgumentException("stages " + stages + ": " + "uniform, binary, pq, rq, "
          + "hashed and hashed_aware stand alone (after LNR, or after svd / svd_aware), not chained with other stages");
    }
    int last = -1;
    for (Raw s : stages) {
      int order = DEEP.indexOf(s.name) < 0 ? 99 : (s.name.startsWith("prune") ? 0 : s.name.startsWith("kmeans") ? 1 : 2);
      if (order <= last && order != 99) {
        throw new IllegalArgumentException("stages " + stages + ": Deep Compression stages go prune -> kmeans -> "
            + "huffman, each at most once");
      }
      last = order;
    }
    for (Raw s : stages) {
      out.add(typed(s));
    }
    boolean huffman = out.stream().anyMatch(s -> s instanceof Stage.Huffman);
    boolean shares = out.stream().anyMatch(s -> s instanceof Stage.KMeans);
    boolean prunes = out.stream().anyMatch(s -> s instanceof Stage.Prune p && p.sparsity() != 0);
    if (huffman && !shares && !prunes) {
      throw new IllegalArgumentException("stages " + stages + ": huffman needs kmeans or prune before it");
    }
    return out;
  }

  private static Stage typed(Raw s) {
    switch (s.name) {
      case "prune":
      case "prune_obd": {
        double sparsity = number(s, 0, "sparsity");
        MagnitudePruner.prunedCount(0, sparsity); // validates the sparsity
        return new Stage.Prune(sparsity, s.name.equals("prune_obd"), s.text);
      }
      case "kmeans":
      case "kmeans_aware": {
        int bits = integer(s, 0, "bits");
        if (bits < 1 || bits > 8) { // 2^bits shared values
          throw new IllegalArgumentException("stage " + s + ": bits must be in 1..8 (2 to 256 shared values), "
              + "cannot be: " + bits);
        }
        WeightSharing.checkBits(bits);
        return new Stage.KMeans(bits, s.name.equals("kmeans_aware"), s.text);
      }
      case "huffman":
        return new Stage.Huffman(s.text);
      case "uniform": {
        int bits = integer(s, 0, "bits");
        boolean perRow = s.args.size() > 1 && s.args.get(1).equals("row");
        if (s.args.size() > 1 && !s.args.get(1).equals("row") && !s.args.get(1).equals("tensor")) {
          throw new IllegalArgumentException("stage " + s + ": the second argument must be row or tensor");
        }
        if (bits < UniformQuantizer.MIN_BITS || bits > UniformQuantizer.MAX_BITS) {
          throw new IllegalArgumentException("stage " + s + ": bits must be in 2..8, cannot be: " + bits);
        }
        return new Stage.Uniform(bits, perRow, s.text);
      }
      case "binary":
        return new Stage.Binary(s.text);
      case "pq":
      case "rq": {
        boolean product = s.name.equals("pq");
        int len = integer(s, 0, "sub-vector length");
        Stage.Budget budget = s.args.size() > 1 && s.args.get(1).contains("=") ? budget(s, 1) : null;
        int k = budget != null ? 1 : integer(s, 1, "clusters");
        int t = product ? 1 : integer(s, 2, "stages");
        if (len < 1) {
          throw new IllegalArgumentException("stage " + s + ": sub-vector length must be at least 1, cannot be: " + len);
        }
        if (k < 1 || k > VectorQuantizer.MAX_CLUSTERS) {
          throw new IllegalArgumentException("stage " + s + ": clusters must be in 1.." + VectorQuantizer.MAX_CLUSTERS
              + ", cannot be: " + k);
        }
        if (t < 1) {
          throw new IllegalArgumentException("stage " + s + ": stages must be at least 1, cannot be: " + t);
        }
        int clusters = budget != null ? 0 : k;
        return product ? new Stage.Pq(len, clusters, budget, s.text) : new Stage.Rq(len, clusters, budget, t, s.text);
      }
      case "hashed":
      case "hashed_aware": {
        boolean aware = s.name.equals("hashed_aware");
        if (s.args.size() == 1 && s.args.get(0).contains("=")) {
          Stage.Budget budget = budget(s, 0);
          if (budget.bytes() && HashedTensor.bucketsWithin((long) Math.floor(budget.value())) < 1) {
            throw new IllegalArgumentException("stage " + s + ": " + (long) budget.value() + " bytes do not hold one "
                + "bucket (" + HashedTensor.bytesOf(1) + " bytes)");
          }
          return new Stage.Hashed(0, budget, aware, s.text);
        }
        int k = integer(s, 0, "buckets");
        if (k < 1) {
          throw new IllegalArgumentException("stage " + s + ": buckets must be at least 1, cannot be: " + k);
        }
        return new Stage.Hashed(k, null, aware, s.text);
      }
      default:
        throw new IllegalStateException(s.name);
    }
  }

  private static Stage.RankRule rank(Raw s) {
    if (s.args.size() != 1 || !s.args.get(0).contains("=")) {
      throw new IllegalArgumentException("stage " + s + " takes " + RANK_RULES);
    }
    String[] kv = s.args.get(0).split("=", 2);
    double v;
    try {
      v = Double.parseDouble(kv[1].trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("stage " + s + ": " + kv[0] + " must be a number, cannot be: " + kv[1]);
    }
    String kind = kv[0].trim();
    if (!List.of("energy", "rank", "error", "bytes", "bits").contains(kind)) {
      throw new IllegalArgumentException("stage " + s + " takes " + RANK_RULES + ", cannot take: " + kv[0]);
    }
    if (kind.equals("bytes")) {
      wholeNumber(s, v);
    }
    Stage.RankRule rule = new Stage.RankRule(kind, v);
    try {
      rule.selector(4); // checks the value
    } catch (IllegalArgumentException e) {
      throw e.getMessage().startsWith("stage ") ? e : new IllegalArgumentException("stage " + s + ": "
          + e.getMessage(), e);
    }
    return rule;
  }

  private static long wholeNumber(Raw s, double v) {
    if (v != Math.rint(v) || v < 1) {
      throw new IllegalArgumentException("stage " + s + ": bytes must be a whole number >= 1, cannot be: " + v);
    }
    return (long) v;
  }

  // argument i as bytes=N (N bytes) or bits=B (B bits per weight)
  private static Stage.Budget budget(Raw s, int i) {
    String[] kv = s.args.get(i).split("=", 2);
    double v;
    try {
      v = Double.parseDouble(kv[1].trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("stage " + s + ": " + kv[0] + " must be a number, cannot be: " + kv[1]);
    }
    switch (kv[0].trim()) {
      case "bytes":
        return new Stage.Budget(true, wholeNumber(s, v));
      case "bits":
        if (!(v > 0 && v <= 64)) {
          throw new IllegalArgumentException("stage " + s + ": bits per weight must be in (0, 64], cannot be: " + v);
        }
        return new Stage.Budget(false, v);
      default:
        throw new IllegalArgumentException("stage " + s + " takes " + (s.name.startsWith("hashed") ? "K" : "clusters k")
            + ", bytes=N or bits=B" + (i == 0 ? "" : " as argument " + (i + 1)) + ", cannot take: " + kv[0]);
    }
  }

  private static int integer(Raw s, int i, String what) {
    if (s.args.size() <= i) {
      throw new IllegalArgumentException("stage " + s + ": missing argument " + (i + 1) + " (" + what + ")");
    }
    try {
      return Integer.parseInt(s.args.get(i));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("stage " + s + ": " + what + " must be an integer, cannot be: "
          + s.args.get(i));
    }
  }

  private static double number(Raw s, int i, String what) {
    if (s.args.size() <= i) {
      throw new IllegalArgumentException("stage " + s + ": missing argument " + (i + 1) + " (" + what + ")");
    }
    try {
      return Double.parseDouble(s.args.get(i));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("stage " + s + ": " + what + " must be a number, cannot be: "
          + s.args.get(i));
    }
  }
}
