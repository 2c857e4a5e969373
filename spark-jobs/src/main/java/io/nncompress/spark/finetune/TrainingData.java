package io.nncompress.spark.finetune;

import io.nncompress.data.LabeledImages;
import io.nncompress.linalg.DenseMatrix;
import io.nncompress.spark.autocorr.BadInputException;
import io.nncompress.spark.compress.InputData;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * The samples fine-tuning reads once per step, cached on the executors: one block per partition
 * (float32 inputs, one sample per column, and labels), partition p holding the samples of global
 * index offsets[p] .. offsets[p + 1] - 1. A mini-batch is a list of global indices; each task takes
 * those in its block.
 */
public final class TrainingData implements AutoCloseable {
  /** The samples of one partition. */
  public static final class Block implements Serializable {
    private static final long serialVersionUID = 1L;
    final int features;
    final int size;
    final float[] x;
    final int[] labels;

    Block(int features, int size, float[] x, int[] labels) {
      this.features = features;
      this.size = size;
      this.x = x;
      this.labels = labels;
    }

    /** The inputs of the local samples {@code idx} (features x idx.length). */
    DenseMatrix inputs(int[] idx, int count) {
      DenseMatrix m = new DenseMatrix(features, count);
      for (int s = 0; s < count; s++) {
        int from = idx[s] * features;
        int to = s * features;
        for (int j = 0; j < features; j++) {
          m.data[to + j] = x[from + j];
        }
      }
      return m;
    }

    int[] labels(int[] idx, int count) {
      if (labels == null) {
        return null;
      }
      int[] y = new int[count];
      for (int s = 0; s < count; s++) {
        y[s] = labels[idx[s]];
      }
      return y;
    }
  }

  final JavaRDD<Block> blocks;
  final long[] offsets;
  final String source;
  final boolean labelled;

  private TrainingData(JavaRDD<Block> blocks, String source, boolean labelled) {
    this.blocks = blocks.persist(StorageLevel.MEMORY_AND_DISK());
    this.source = source;
    this.labelled = labelled;
    List<Integer> sizes = this.blocks.map(b -> b.size).collect();
    offsets = new long[sizes.size() + 1];
    for (int p = 0; p < sizes.size(); p++) {
      offsets[p + 1] = offsets[p] + sizes.get(p);
    }
    if (size() == 0) {
      throw new BadInputException("Dataset " + source + ": the dataset has no rows");
    }
    if (size() > Integer.MAX_VALUE) {
      throw new BadInputException("Dataset " + source + ": fine-tuning takes at most " + Integer.MAX_VALUE
          + " samples, has " + size());
    }
  }

  /** The rows of a Parquet dataset, one block per partition (read once, then cached). */
  public static TrainingData of(InputData data, int readBatch) {
    return of(data, readBatch, Integer.MAX_VALUE);
  }

  /**
   * Like {@link #of(InputData, int)} in at most {@code maxPartitions} blocks: more partitions are
   * merged (coalesced, no shuffle), e.g. into one per task slot so that an epoch can run as one
   * exchanged job ({@link ExchangedEpoch#maxPartitions}).
   */
  public static TrainingData of(InputData data, int readBatch, int maxPartitions) {
    boolean labelled = data.labelColumn != null;
    JavaRDD<org.apache.spark.sql.catalyst.InternalRow> rows = data.rows();
    if (rows.getNumPartitions() > maxPartitions) {
      rows = rows.coalesce(maxPartitions);
    }
    JavaRDD<Block> blocks = rows.mapPartitions(it -> {
      List<float[]> xs = new ArrayList<>();
      List<int[]> ys = new ArrayList<>();
      int[] n = {0};
      data.forEachBatch(it, readBatch, (batch, labels) -> {
        float[] f = new float[batch.data.length];
        for (int e = 0; e < f.length; e++) {
          f[e] = (float) batch.data[e];
        }
        xs.add(f);
        ys.add(labels);
        n[0] += batch.cols;
      });
      float[] x = new float[n[0] * data.features];
      int[] y = labelled ? new int[n[0]] : null;
      int at = 0;
      for (int b = 0; b < xs.size(); b++) {
        System.arraycopy(xs.get(b), 0, x, at * data.features, xs.get(b).length);
        if (y != null) {
          System.arraycopy(ys.get(b), 0, y, at, ys.get(b).length);
        }
        at += xs.get(b).length / data.features;
      }
      return Collections.singletonList(new Block(data.features, n[0], x, y)).iterator();
    });
    return new TrainingData(blocks, data.dataset, labelled);
  }

  /** Images, loaded where the blocks are made (a task: the images are not shipped with every task). */
  @FunctionalInterface
  public interface ImagesLoader extends Serializable {
    LabeledImages load() throws java.io.IOException;
  }

  /** Images split into {@code partitions} contiguous blocks, each task loading them (tests, benchmarks). */
  public static TrainingData of(JavaSparkContext jsc, ImagesLoader images, int partitions) {
    return of(jsc, images, partitions, true);
  }

  /** In-memory images (small: they travel in the tasks' closure once, when the blocks are made). */
  public static TrainingData of(JavaSparkContext jsc, LabeledImages images, int partitions) {
    return inMemory(jsc, images, partitions, true);
  }

  /** Like {@link #of(JavaSparkContext, LabeledImages, int)} without the labels (distillation alone). */
  public static TrainingData unlabelled(JavaSparkContext jsc, LabeledImages images, int partitions) {
    return inMemory(jsc, images, partitions, false);
  }

  private static TrainingData inMemory(JavaSparkContext jsc, LabeledImages images, int partitions, boolean labelled) {
    int n = images.size();
    int d = images.features();
    float[] x = new float[n * d];
    for (int s = 0; s < n; s++) {
      for (int j = 0; j < d; j++) {
        x[s * d + j] = images.pixel(s, j);
      }
    }
    int[] y = images.labels();
    return of(jsc, partitions, labelled, p -> slice(x, y, d, p, partitions, labelled));
  }

  private static TrainingData of(JavaSparkContext jsc, ImagesLoader loader, int partitions, boolean labelled) {
    return of(jsc, partitions, labelled, p -> {
      LabeledImages images = loader.load();
      int n = images.size();
      int d = images.features();
      int from = (int) ((long) n * p / partitions);
      int to = (int) ((long) n * (p + 1) / partitions);
      float[] x = new float[(to - from) * d];
      int[] y = new int[to - from];
      for (int s = from; s < to; s++) {
        for (int j = 0; j < d; j++) {
          x[(s - from) * d + j] = images.pixel(s, j);
        }
        y[s - from] = images.label(s);
      }
      return new Block(d, to - from, x, labelled ? y : null);
    });
  }

  // samples n p / partitions .. n (p + 1) / partitions - 1
  private static Block slice(float[] x, int[] y, int d, int p, int partitions, boolean labelled) {
    int n = y.length;
    int from = (int) ((long) n * p / partitions);
    int to = (int) ((long) n * (p + 1) / partitions);
    return new Block(d, to - from, java.util.Arrays.copyOfRange(x, from * d, to * d),
        labelled ? java.util.Arrays.copyOfRange(y, from, to) : null);
  }

  private static TrainingData of(JavaSparkContext jsc, int partitions, boolean labelled,
      org.apache.spark.api.java.function.Function<Integer, Block> block) {
    List<Integer> parts = new ArrayList<>();
    for (int p = 0; p < partitions; p++) {
      parts.add(p);
    }
    return new TrainingData(jsc.parallelize(parts, partitions).map(block), "images", labelled);
  }

  public long size() {
    return offsets[offsets.length - 1];
  }

  public int partitions() {
    return offsets.length - 1;
  }

  @Override
  public void close() {
    blocks.unpersist(false);
  }
}
