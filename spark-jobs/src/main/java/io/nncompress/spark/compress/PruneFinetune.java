package io.nncompress.spark.compress;

import io.nncompress.codec.EncodedTensor;
import io.nncompress.compress.LayerChain;
import io.nncompress.compress.Stage;
import io.nncompress.compress.StagePlan;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Network;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.finetune.DataParallelTrainer;
import io.nncompress.spark.finetune.FinetuneStage;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.SparkSession;

/**
 * Fine-tuning after prune ({@code finetune.after: [prune]}, Deep Compression's prune -> retrain with
 * the mask -> kmeans): the layers' plans are split at their prune stage. First the prune stage alone
 * runs on the LNR result (the other layers' weights as they are), then the pruned network is trained
 * with its pruned zeros frozen ({@link FinetuneStage#afterPrune}); then the whole plans run on the
 * trained weights ({@link #trained}), their prune stage keeping exactly the zeros that pruning left
 * (no other weight pruned, see {@link io.nncompress.compress.StageChain#run(StagePlan, DenseMatrix,
 * DenseMatrix, boolean)}), so that kmeans and huffman share and code the trained weights. Prune must be
 * a plan's first stage (after a low-rank stage it would prune factors the training does not see). The
 * network is trained in the driver's memory, so no layer is encoded without collecting it here.
 */
final class PruneFinetune {
  private PruneFinetune() {}

  /** The layers whose plan has a prune stage (prune(s) or prune_obd(s)), by name. */
  static Set<String> pruning(StagePipeline.Layers layers) {
    Set<String> pruned = new LinkedHashSet<>();
    for (int k = 0; k < layers.size(); k++) {
      if (layers.plan(k).stages().stream().anyMatch(s -> s instanceof Stage.Prune)) {
        pruned.add(layers.name(k));
      }
    }
    return pruned;
  }

  /**
   * With fine-tuning after prune, bad input naming finetune.after unless some layer of {@code chain}
   * prunes and every one that does prunes first (checked before any work: {@link CompressionJob#validate}).
   */
  static void check(CompressionConfig config, LayerChain chain) {
    if (!FinetuneStage.afterPrune(config)) {
      return;
    }
    List<String> names = new java.util.ArrayList<>();
    for (int k = 0; k < chain.size(); k++) {
      names.add(chain.layer(k).name());
    }
    checkPlans(config, names, config::stagesOf);
  }

  /** As {@link #check}: {@code plans} gives the plan of each layer of {@code names}. */
  static void checkPlans(CompressionConfig config, List<String> names,
      java.util.function.Function<String, StagePlan> plans) {
    boolean any = false;
    for (String name : names) {
      List<Stage> stages = plans.apply(name).stages();
      for (int i = 0; i < stages.size(); i++) {
        if (stages.get(i) instanceof Stage.Prune && i > 0) {
          throw new BadInputException("Config " + config.source + ", key finetune.after: prune: layer " + name
              + "'s stages '" + plans.apply(name) + "' prune after " + stages.get(0).text()
              + "; fine-tuning after prune needs prune first (e.g. prune(0.8) -> kmeans(4) -> huffman)");
        }
        any |= stages.get(i) instanceof Stage.Prune;
      }
    }
    if (!any) {
      throw new BadInputException("Config " + config.source + ", key finetune.after: prune: no layer's stages prune "
          + "(stages.plan has no prune(s) or prune_obd(s))");
    }
  }

  /**
   * Prunes the LNR result {@code compressed} (chain {@code chain}) with each layer's prune stage and
   * trains it with the zeros frozen; returns the trained network (a network of its own). With
   * finetune.prune.rounds R > 1, iterative pruning: round r prunes the network the round before trained
   * to density d^(r/R) per layer (d its plan's final density; the last round is the plan's prune) and
   * trains it. The curves go into {@code tuned} as "prune_round1", ..., and "prune" (the last round).
   */
  static Network pruneAndTrain(SparkSession spark, CompressionConfig config, Network original, Network compressed,
      LayerChain chain, StagePipeline.Layers layers, Set<String> pruned,
      Map<String, List<DataParallelTrainer.Epoch>> tuned, String checkpointDir) {
    int rounds = config.finetune.pruneRounds;
    Network[] out = {compressed};
    for (int round = 1; round <= rounds; round++) {
      int r = round;
      Network base = out[0];
      LayerChain baseChain = r == 1 ? chain : LayerChain.of(base);
      StagePipeline.Layers step = new Delegate(layers) {
        @Override
        public StagePlan plan(int k) {
          return pruned.contains(name(k)) ? roundPlan(layers.plan(k), r, rounds) : StagePlan.none();
        }

        @Override
        public DenseMatrix weight(int k) {
          return LayerChain.weight(baseChain.layer(k));
        }
      };
      String label = r == rounds ? "prune" : "prune_round" + r;
      new StagePipeline(spark).run(step, stage -> {
        Network p = NetworkEvaluation.withWeights(base, baseChain, stage.encoded);
        FinetuneStage.afterPrune(spark, config, original, p, pruned, label, tuned, checkpointDir);
        out[0] = p;
        return nonzeroParams(p) + " nonzero parameters trained" + (rounds == 1 ? "" : ", round " + r + " of " + rounds);
      });
    }
    return out[0];
  }

  /**
   * The prune stage of round {@code r} of {@code rounds} of {@code plan} (its first stage): the plan's
   * own in the last round, else its sparsity s as 1 - (1 - s)^(r/rounds).
   */
  static StagePlan roundPlan(StagePlan plan, int r, int rounds) {
    Stage.Prune p = (Stage.Prune) plan.stages().get(0);
    // within the whole plan, a data-aware kmeans makes prune rank by saliency too (StageChain): so here
    boolean aware = plan.stages().stream().anyMatch(s -> s instanceof Stage.KMeans k && k.aware());
    if (r == rounds && (p.obd() || !aware)) {
      return plan.prefix(1);
    }
    double s = r == rounds ? p.sparsity() : 1 - Math.pow(1 - p.sparsity(), (double) r / rounds);
    return StagePlan.parse((p.obd() || aware ? "prune_obd" : "prune") + "("
        + (r == rounds ? Double.toString(s) : String.format(java.util.Locale.ROOT, "%.6f", s)) + ")");
  }

  /** {@code layers} with the weights of {@code trained} (chain {@code chain}), the pruned layers' zeros kept. */
  static StagePipeline.Layers trained(StagePipeline.Layers layers, LayerChain chain, Set<String> pruned) {
    return new Delegate(layers) {
      @Override
      public DenseMatrix weight(int k) {
        return LayerChain.weight(chain.layer(k));
      }

      @Override
      public boolean pruned(int k) {
        return pruned.contains(name(k));
      }
    };
  }

  /** Weights and biases of the weighted layers that are not zero (a pruned weight is a removed parameter). */
  static long nonzeroParams(Network net) {
    return NetworkEvaluation.nonzeroParams(net);
  }

  // the layers as given, encoded in tasks (never elsewhere: the network is in memory to be trained)
  private static class Delegate implements StagePipeline.Layers {
    private final StagePipeline.Layers layers;

    Delegate(StagePipeline.Layers layers) {
      this.layers = layers;
    }

    @Override
    public int size() {
      return layers.size();
    }

    @Override
    public String name(int k) {
      return layers.name(k);
    }

    @Override
    public StagePlan plan(int k) {
      return layers.plan(k);
    }

    @Override
    public DenseMatrix weight(int k) {
      return layers.weight(k);
    }

    @Override
    public DenseMatrix autocorrelation(int k) {
      return layers.autocorrelation(k);
    }

    @Override
    public EncodedTensor encodeElsewhere(int k, StagePlan prefix) {
      return null;
    }
  }
}
