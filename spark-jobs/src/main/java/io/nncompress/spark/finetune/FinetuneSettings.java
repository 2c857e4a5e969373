package io.nncompress.spark.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.train.DistillationLoss;
import java.io.Serializable;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The {@code finetune} section of the compression job's config:
 * <pre>
 * finetune:
 *   epochs: 3                # passes over data.calibration
 *   batch_size: 256          # samples per synchronous step (all partitions together)
 *   learning_rate: 1.0e-4    # Adam's, with a cosine schedule over all steps
 *   seed: 1                  # the sample order of each epoch
 *   after: [lnr, kmeans]     # where it runs: after LNR (all values), after the stages (the centroids
 *                            # of the layers a kmeans stage shares; then Huffman is redone), and/or
 *                            # prune: after the layers' prune(s)/prune_obd(s) stage, every value but
 *                            # the pruned zeros, which stay zero; the stages after prune then run on
 *                            # the trained weights
 *   distill: {temperature: 4, alpha: 0.5}   # optional: the original network is the teacher
 *   lnr: {epochs: 6, learning_rate: 1.0e-3}  # optional, per place: its own epochs and learning rate
 *   kmeans: {epochs: 1, learning_rate: 1.0e-4}
 *   prune: {epochs: 4, learning_rate: 2.0e-3, rounds: 3, final_epochs: 6}   # rounds: iterative pruning, see
 *                            # {@link #pruneRounds}; final_epochs: after the last round, see {@link #pruneFinalEpochs}
 * </pre>
 * The training after a place runs with {@link #at(String)}: these settings with that place's own.
 */
public final class FinetuneSettings implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final Set<String> KEYS = Set.of("epochs", "batch_size", "learning_rate", "seed", "after", "distill",
      "lnr", "kmeans", "prune");
  /** The keys of a place's own settings (finetune.lnr, finetune.kmeans, finetune.prune). */
  public static final Set<String> PLACE = Set.of("epochs", "learning_rate");
  /** The keys of finetune.prune: a place's, and the rounds of iterative pruning. */
  public static final Set<String> PRUNE_PLACE = Set.of("epochs", "learning_rate", "rounds", "final_epochs");
  public static final Set<String> DISTILL = Set.of("temperature", "alpha");
  static final Set<String> AFTER = Set.of("lnr", "kmeans", "prune");

  public int epochs = 3;
  public int batchSize = 256;
  public double learningRate = 1e-4;
  public long seed = 1;
  /** Null: cross entropy on the labels alone. */
  public DistillationLoss distill;
  public List<String> after = List.of("lnr");
  /** The epochs of a place ("lnr", "kmeans", "prune") when it has its own (else {@link #epochs}). */
  public final java.util.Map<String, Integer> placeEpochs = new java.util.TreeMap<>();
  /**
   * finetune.prune.rounds: iterative pruning (Deep Compression, Han et al. 2015: prune, retrain, prune
   * more): round r of R prunes each layer to density d^(r/R), d = 1 - s its plan's final density (the
   * weights pruned before are the smallest, so they stay pruned), then trains the epochs after prune.
   */
  public int pruneRounds = 1;
  /**
   * finetune.prune.final_epochs: the epochs of the training after the last round of pruning (the one at the
   * plans' final density, where the accuracy is lost); null: the prune place's epochs, as every round.
   */
  public Integer pruneFinalEpochs;
  /** The learning rate of a place when it has its own (else {@link #learningRate}). */
  public final java.util.Map<String, Double> placeLearningRates = new java.util.TreeMap<>();

  /** The settings of the training after {@code place} ("lnr", "kmeans", "prune"): its own epochs and rate, if any. */
  public FinetuneSettings at(String place) {
    FinetuneSettings s = new FinetuneSettings();
    s.epochs = placeEpochs.getOrDefault(place, epochs);
    s.batchSize = batchSize;
    s.learningRate = placeLearningRates.getOrDefault(place, learningRate);
    s.seed = seed;
    s.distill = distill;
    s.after = after;
    return s;
  }

  /**
   * The settings of the training labelled {@code label} after {@code place}: {@link #at(String)}, and
   * after the last round of pruning (label "prune"; earlier rounds are "prune_roundR") its final_epochs.
   */
  public FinetuneSettings at(String place, String label) {
    FinetuneSettings s = at(place);
    if (place.equals("prune") && label.equals("prune") && pruneFinalEpochs != null) {
      s.epochs = pruneFinalEpochs;
    }
    return s;
  }

  public DistillationLoss loss() {
    return distill == null ? DistillationLoss.CROSS_ENTROPY : distill;
  }

  @Override
  public String toString() {
    return "epochs=" + epochs + ", batch_size=" + batchSize + ", learning_rate=" + learningRate + ", seed=" + seed
        + (distill == null ? "" : ", distill={temperature=" + distill.temperature + ", alpha=" + distill.alpha + "}")
        + places();
  }

  private String places() {
    StringBuilder b = new StringBuilder();
    for (String p : AFTER.stream().sorted().toList()) {
      List<String> own = new java.util.ArrayList<>();
      if (placeEpochs.containsKey(p)) {
        own.add("epochs=" + placeEpochs.get(p));
      }
      if (placeLearningRates.containsKey(p)) {
        own.add("learning_rate=" + placeLearningRates.get(p));
      }
      if (p.equals("prune") && pruneRounds != 1) {
        own.add("rounds=" + pruneRounds);
      }
      if (p.equals("prune") && pruneFinalEpochs != null) {
        own.add("final_epochs=" + pruneFinalEpochs);
      }
      if (!own.isEmpty()) {
        b.append(", ").append(p).append("={").append(String.join(", ", own)).append("}");
      }
    }
    return b.toString();
  }

  /** Parses the section (null or absent: no fine-tuning). */
  public static FinetuneSettings parse(String source, JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    if (!n.isObject()) {
      throw new BadInputException("Config " + source + ", key finetune: must be a mapping, cannot be: " + n);
    }
    keys(source, "finetune.", n, KEYS);
    FinetuneSettings s = new FinetuneSettings();
    if (n.has("epochs")) {
      s.epochs = integer(source, "finetune.epochs", n.get("epochs"), 1, 100_000);
    }
    if (n.has("batch_size")) {
      s.batchSize = integer(source, "finetune.batch_size", n.get("batch_size"), 1, 1 << 20);
    }
    if (n.has("learning_rate")) {
      s.learningRate = rate(source, "finetune.learning_rate", n.get("learning_rate"));
    }
    if (n.has("seed")) {
      JsonNode v = n.get("seed");
      if (!v.isIntegralNumber() || !v.canConvertToLong()) {
        throw new BadInputException("Config " + source + ", key finetune.seed: must be an integer, cannot be: " + v);
      }
      s.seed = v.asLong();
    }
    if (n.has("after")) {
      JsonNode a = n.get("after");
      List<String> after = new java.util.ArrayList<>();
      for (JsonNode x : a.isArray() ? a : List.of(a)) {
        if (!x.isTextual() || !AFTER.contains(x.asText())) {
          throw new BadInputException("Config " + source + ", key finetune.after: must be one or a list of "
              + AFTER.stream().sorted().toList() + ", cannot be: " + x);
        }
        after.add(x.asText());
      }
      s.after = List.copyOf(after);
    }
    JsonNode d = n.get("distill");
    if (d != null && !d.isNull()) {
      if (!d.isObject()) {
        throw new BadInputException("Config " + source + ", key finetune.distill: must be a mapping, cannot be: " + d);
      }
      keys(source, "finetune.distill.", d, DISTILL);
      double t = number(source, "finetune.distill.temperature", d.has("temperature") ? d.get("temperature") : null,
          4.0, 1e-3, 1e3);
      double alpha = number(source, "finetune.distill.alpha", d.has("alpha") ? d.get("alpha") : null, 0.5, 0, 1);
      s.distill = new DistillationLoss(t, alpha);
    }
    for (String place : AFTER.stream().sorted().toList()) {
      JsonNode p = n.get(place);
      if (p == null || p.isNull()) {
        continue;
      }
      String key = "finetune." + place;
      Set<String> allowed = place.equals("prune") ? PRUNE_PLACE : PLACE;
      if (!p.isObject()) {
        throw new BadInputException("Config " + source + ", key " + key + ": must be a mapping of " + allowed.stream()
            .sorted().toList() + ", cannot be: " + p);
      }
      keys(source, key + ".", p, allowed);
      if (!s.after.contains(place)) {
        throw new BadInputException("Config " + source + ", key " + key + ": fine-tuning does not run after " + place
            + " (finetune.after is " + s.after + ")");
      }
      if (p.has("epochs")) {
        s.placeEpochs.put(place, integer(source, key + ".epochs", p.get("epochs"), 1, 100_000));
      }
      if (p.has("learning_rate")) {
        s.placeLearningRates.put(place, rate(source, key + ".learning_rate", p.get("learning_rate")));
      }
      if (p.has("rounds")) {
        s.pruneRounds = integer(source, key + ".rounds", p.get("rounds"), 1, 100);
      }
      if (p.has("final_epochs")) {
        s.pruneFinalEpochs = integer(source, key + ".final_epochs", p.get("final_epochs"), 1, 100_000);
      }
    }
    return s;
  }

  private static double rate(String source, String key, JsonNode v) {
    if (v == null || !v.isNumber() || !(v.asDouble() > 0 && v.asDouble() <= 10)) {
      throw new BadInputException("Config " + source + ", key " + key + ": must be a number in (0, 10], cannot be: "
          + v);
    }
    return v.asDouble();
  }

  private static void keys(String source, String prefix, JsonNode n, Set<String> allowed) {
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!allowed.contains(k)) {
        throw new BadInputException("Config " + source + ": unknown key '" + prefix + k + "'; allowed here: "
            + allowed.stream().sorted().toList());
      }
    }
  }

  private static int integer(String source, String key, JsonNode n, int min, int max) {
    if (n == null || !n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < min || n.asInt() > max) {
      throw new BadInputException("Config " + source + ", key " + key + ": must be an integer in " + min + ".." + max
          + ", cannot be: " + n);
    }
    return n.asInt();
  }

  private static double number(String source, String key, JsonNode n, double dflt, double min, double max) {
    if (n == null) {
      return dflt;
    }
    if (!n.isNumber() || !(n.asDouble() >= min && n.asDouble() <= max)) {
      throw new BadInputException("Config " + source + ", key " + key + ": must be a number in [" + min + ", " + max
          + "], cannot be: " + n);
    }
    return n.asDouble();
  }
}
