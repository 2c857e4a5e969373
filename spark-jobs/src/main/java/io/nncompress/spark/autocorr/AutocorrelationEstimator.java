package io.nncompress.spark.autocorr;

import io.nncompress.linalg.ConvGeometry;
import java.util.List;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

/**
 * The autocorrelation job as a Spark ML Estimator, for notebooks:
 * {@code new AutocorrelationEstimator().setInputCol("fc1").fit(df)} returns a model holding R, N
 * and the per-feature statistics of that column. Same computation as {@link AutocorrelationJob}.
 */
public final class AutocorrelationEstimator extends Estimator<AutocorrelationModel> {
  private static final long serialVersionUID = 1L;
  private final String uid;

  private final Param<String> inputCol;
  private final BooleanParam biasAugmented;
  private final IntParam blockSamples;
  private final IntArrayParam shape;
  private final IntParam kernel;
  private final IntParam stride;
  private final IntParam padding;
  private final IntParam dilation;

  public AutocorrelationEstimator() {
    this(Identifiable$.MODULE$.randomUID("autocorr"));
  }

  public AutocorrelationEstimator(String uid) {
    this.uid = uid;
    inputCol = new Param<>(this, "inputCol", "column holding the layer input (array<float>, array<double>, "
        + "vector or binary float32 LE)");
    biasAugmented = new BooleanParam(this, "biasAugmented", "append the constant 1 that carries the bias");
    blockSamples = new IntParam(this, "blockSamples", "samples per BLAS call", ParamValidators.gtEq(1));
    shape = new IntArrayParam(this, "shape", "C, H, W of a conv layer's input map (empty: a dense layer)");
    kernel = new IntParam(this, "kernel", "conv kernel size", ParamValidators.gtEq(1));
    stride = new IntParam(this, "stride", "conv stride", ParamValidators.gtEq(1));
    padding = new IntParam(this, "padding", "conv padding", ParamValidators.gtEq(0));
    dilation = new IntParam(this, "dilation", "conv dilation", ParamValidators.gtEq(1));
    setDefault(biasAugmented, true);
    setDefault(blockSamples, 1024);
    setDefault(shape, new int[0]);
    setDefault(kernel, 3);
    setDefault(stride, 1);
    setDefault(padding, 0);
    setDefault(dilation, 1);
  }

  public AutocorrelationEstimator setInputCol(String v) {
    set(inputCol, v);
    return this;
  }

  public AutocorrelationEstimator setBiasAugmented(boolean v) {
    set(biasAugmented, v);
    return this;
  }

  public AutocorrelationEstimator setBlockSamples(int v) {
    set(blockSamples, v);
    return this;
  }

  /** A conv layer: input maps C x H x W, and the kernel geometry. */
  public AutocorrelationEstimator setConv(int c, int h, int w, int k, int s, int pad, int dil) {
    set(shape, new int[] {c, h, w});
    set(kernel, k);
    set(stride, s);
    set(padding, pad);
    set(dilation, dil);
    return this;
  }

  public Param<String> inputCol() {
    return inputCol;
  }

  public BooleanParam biasAugmented() {
    return biasAugmented;
  }

  public IntParam blockSamples() {
    return blockSamples;
  }

  public IntArrayParam shape() {
    return shape;
  }

  public IntParam kernel() {
    return kernel;
  }

  public IntParam stride() {
    return stride;
  }

  public IntParam padding() {
    return padding;
  }

  public IntParam dilation() {
    return dilation;
  }

  @Override
  public AutocorrelationModel fit(Dataset<?> dataset) {
    if (!isDefined(inputCol)) {
      throw new BadInputException("AutocorrelationEstimator: inputCol is not set");
    }
    String col = $(inputCol);
    int[] chw = $(shape);
    ConvGeometry conv = null;
    if (chw.length != 0) {
      if (chw.length != 3) {
        throw new BadInputException("AutocorrelationEstimator: shape must be C, H, W, cannot be: "
            + java.util.Arrays.toString(chw));
      }
      conv = new ConvGeometry(chw[0], chw[1], chw[2], (Integer) $(kernel), (Integer) $(stride), (Integer) $(padding),
          (Integer) $(dilation));
    }
    AutocorrelationJob.Options o = new AutocorrelationJob.Options();
    o.biasAugmented = (Boolean) $(biasAugmented);
    o.blockSamples = (Integer) $(blockSamples);
    o.tileThreshold = Integer.MAX_VALUE; // the model holds R whole
    LayerInput layer = new LayerInput(col, "DataFrame", col, null, conv);
    @SuppressWarnings("unchecked")
    Dataset<Row> df = (Dataset<Row>) dataset.toDF();
    AutocorrelationJob.LayerResult r =
        new AutocorrelationJob(dataset.sparkSession(), o).computeDataset("DataFrame", df, List.of(layer)).get(0);
    return copyValues(new AutocorrelationModel(uid, r.stats), extractParamMap()).setParent(this);
  }

  @Override
  public StructType transformSchema(StructType schema) {
    ParquetInputs.encodingOf("DataFrame", schema, $(inputCol));
    return schema;
  }

  @Override
  public AutocorrelationEstimator copy(ParamMap extra) {
    return (AutocorrelationEstimator) defaultCopy(extra);
  }

  @Override
  public String uid() {
    return uid;
  }
}
