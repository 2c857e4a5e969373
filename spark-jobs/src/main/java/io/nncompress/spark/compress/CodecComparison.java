package io.nncompress.spark.compress;

import io.nncompress.compress.Evaluation;
import io.nncompress.compress.LayerChain;
import io.nncompress.compress.LnrCompressor;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.model.Layer;
import io.nncompress.model.Network;
import io.nncompress.progress.Phase;
import io.nncompress.progress.Progress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Several stage plans, each applied alone after the same LNR result, compared at their real sizes. */
final class CodecComparison {
  private static final Logger LOG = LoggerFactory.getLogger(CodecComparison.class);

  private CodecComparison() {}

  /**
   * Every plan applied alone after the same LNR result (e.g. the demo's comparison of codecs at
   * comparable sizes): one record per plan with the real bytes and the accuracy on the evaluation
   * data. Data-aware plans use the compressed network's layer statistics (one more pass, shared).
   */
  static List<CompressionJob.StageRecord> run(CompressionJob job, CompressionConfig config, org.apache.spark.sql.SparkSession spark,
      CompressionJob.Outcome lnr, List<io.nncompress.compress.StagePlan> plans,
      SparkStatistics stats) {
    LnrCompressor.Result r = lnr.result;
    LayerChain chain = LayerChain.of(r.compressed);
    int features = r.original.inputShape().size();
    InputData test = InputData.open(spark, config.evaluation, config.inputColumn, config.labelColumn, features);
    List<int[]> keptOutputs = NetworkEvaluation.keptOutputs(r);
    io.nncompress.stats.AutocorrelationStats[] rs = null;
    List<CompressionJob.StageRecord> out = new ArrayList<>();
    for (io.nncompress.compress.StagePlan plan : plans) {
      Phase phase = Progress.phase("codec").stage(plan.toString()).step(out.size(), plans.size()).start();
      if (plan.needsStatistics() && rs == null) {
        int[] idx = new int[chain.size()];
        for (int k = 0; k < idx.length; k++) {
          idx[k] = chain.networkIndex(k);
        }
        rs = stats.inputs(r.compressed, idx);
      }
      List<io.nncompress.codec.EncodedTensor> enc = new ArrayList<>();
      Map<String, Long> lb = new LinkedHashMap<>();
      Map<String, Long> lw = new LinkedHashMap<>();
      long bytes = 0;
      for (int k = 0; k < chain.size(); k++) {
        DenseMatrix w = LayerChain.weight(chain.layer(k));
        DenseMatrix rk = rs == null ? null : rs[k].autocorrelation().selectSymmetric(range(w.cols));
        io.nncompress.codec.EncodedTensor e = plan.encode(w, rk);
        enc.add(e);
        double[] b = LayerChain.bias(chain.layer(k));
        long lbytes = e.encode().length + (b == null ? 0 : 4L * b.length);
        lb.put(chain.layer(k).name(), lbytes);
        lw.put(chain.layer(k).name(), weightsOf(w));
        bytes += lbytes;
      }
      Network decoded = NetworkEvaluation.withWeights(r.compressed, chain, enc);
      Evaluation e = job.evaluateOutputs(r.original, decoded, keptOutputs, test);
      out.add(new CompressionJob.StageRecord(plan.toString(), bytes, NetworkEvaluation.params(decoded), e.accuracyCompressed, e.agreement, lb, lw));
      LOG.info("Codec {}: {} bytes, accuracy {}", plan, bytes, e.accuracyCompressed);
      phase.result(bytes + " bytes").close();
    }
    return out;
  }

  private static int[] range(int n) {
    int[] r = new int[n];
    for (int i = 0; i < n; i++) {
      r[i] = i;
    }
    return r;
  }

  private static long weightsOf(DenseMatrix w) {
    return (long) w.rows * w.cols;
  }

  private static long weightsOf(Layer l) {
    return (long) LayerChain.weightRows(l) * LayerChain.weightCols(l);
  }

}
