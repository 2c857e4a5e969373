package io.nncompress.data;

import io.nncompress.linalg.DenseMatrix;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Labelled grey-scale images (MNIST, Fashion-MNIST): pixels kept as bytes (47 MB for 60000 28x28
 * images), scaled to [0, 1] (p / 255) when a batch is taken.
 */
public final class LabeledImages implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  /** Where Debian's dataset-fashion-mnist package installs the files. */
  public static final Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

  public final int height;
  public final int width;
  private final byte[] pixels;
  private final int[] labels;

  public LabeledImages(int height, int width, byte[] pixels, int[] labels) {
    if ((long) height * width * labels.length != pixels.length) {
      throw new IllegalArgumentException(labels.length + " images of " + height + "x" + width + " need "
          + (long) height * width * labels.length + " pixels, given: " + pixels.length);
    }
    this.height = height;
    this.width = width;
    this.pixels = pixels;
    this.labels = labels;
  }

  /** Reads an images file (IDX rank 3) and its labels file (IDX rank 1); their counts must agree. */
  public static LabeledImages read(Path images, Path labels) throws IOException {
    IdxReader.IdxArray im = IdxReader.read(images, 3);
    IdxReader.IdxArray lb = IdxReader.read(labels, 1);
    if (im.dims[0] != lb.dims[0]) {
      throw new IOException("IDX files " + images + " and " + labels + " disagree: " + im.dims[0] + " images, "
          + lb.dims[0] + " labels");
    }
    int[] y = new int[lb.dims[0]];
    for (int k = 0; k < y.length; k++) {
      y[k] = lb.get(k);
    }
    return new LabeledImages(im.dims[1], im.dims[2], im.values, y);
  }

  /** Fashion-MNIST from {@code dir}: train (60000) or test (t10k, 10000). */
  public static LabeledImages fashionMnist(Path dir, boolean train) throws IOException {
    String p = train ? "train" : "t10k";
    return read(dir.resolve(p + "-images-idx3-ubyte.gz"), dir.resolve(p + "-labels-idx1-ubyte.gz"));
  }

  public int size() {
    return labels.length;
  }

  /** Pixels per image. */
  public int features() {
    return height * width;
  }

  public int label(int k) {
    return labels[k];
  }

  public int[] labels() {
    return labels.clone();
  }

  /** Pixel j of image k in [0, 1]. */
  public float pixel(int k, int j) {
    return (pixels[k * features() + j] & 0xff) / 255f;
  }

  /** Images [from, to) as a features x (to-from) matrix, one image per column, values in [0, 1]. */
  public DenseMatrix batch(int from, int to) {
    int[] idx = new int[to - from];
    for (int k = 0; k < idx.length; k++) {
      idx[k] = from + k;
    }
    return batch(idx);
  }

  /** The given images as a features x idx.length matrix, one image per column, values in [0, 1]. */
  public DenseMatrix batch(int[] idx) {
    int d = features();
    DenseMatrix x = new DenseMatrix(d, idx.length);
    for (int s = 0; s < idx.length; s++) {
      int src = idx[s] * d;
      for (int j = 0; j < d; j++) {
        x.data[s * d + j] = (pixels[src + j] & 0xff) / 255.0;
      }
    }
    return x;
  }

  /** The labels of the given images. */
  public int[] labels(int[] idx) {
    int[] y = new int[idx.length];
    for (int s = 0; s < idx.length; s++) {
      y[s] = labels[idx[s]];
    }
    return y;
  }
}
