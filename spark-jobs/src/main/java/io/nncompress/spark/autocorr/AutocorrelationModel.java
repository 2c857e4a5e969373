package io.nncompress.spark.autocorr;

import io.nncompress.linalg.DenseMatrix;
import io.nncompress.stats.AutocorrelationStats;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.linalg.Matrices;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/** What {@link AutocorrelationEstimator#fit} returns: R, N and the per-feature statistics. */
public final class AutocorrelationModel extends Model<AutocorrelationModel> {
  private static final long serialVersionUID = 1L;
  private final String uid;
  private final AutocorrelationStats stats;

  AutocorrelationModel(String uid, AutocorrelationStats stats) {
    this.uid = uid;
    this.stats = stats;
  }

  /** The statistics in nncompress' own types (what the solvers take). */
  public AutocorrelationStats stats() {
    return stats;
  }

  /** R = E[x~ x~^T] as a Spark ML matrix. */
  public Matrix autocorrelation() {
    DenseMatrix r = stats.autocorrelation();
    return Matrices.dense(r.rows, r.cols, r.data.clone());
  }

  public Vector mean() {
    return Vectors.dense(stats.mean().clone());
  }

  /** N: rows of a dense layer, patches of a conv layer. */
  public long count() {
    return stats.samples();
  }

  /** The statistics do not add columns: the data passes through unchanged. */
  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    return dataset.toDF();
  }

  @Override
  public StructType transformSchema(StructType schema) {
    return schema;
  }

  @Override
  public AutocorrelationModel copy(ParamMap extra) {
    return copyValues(new AutocorrelationModel(uid, stats), extra).setParent(parent());
  }

  @Override
  public String uid() {
    return uid;
  }
}
