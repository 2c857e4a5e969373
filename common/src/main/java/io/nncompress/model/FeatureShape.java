package io.nncompress.model;

import java.util.Arrays;

/**
 * The shape of one sample between two layers: flat (d features) or a C x H x W feature map stored
 * row-major in PyTorch's (c, h, w) order. A batch holds one sample per column of length {@link #size()}.
 */
public final class FeatureShape {
  public final int channels;
  public final int height;
  public final int width;
  public final boolean spatial;

  private FeatureShape(int channels, int height, int width, boolean spatial) {
    if (channels <= 0 || height <= 0 || width <= 0) {
      throw new IllegalArgumentException(
          "Feature shape must be positive, cannot be: " + channels + "x" + height + "x" + width);
    }
    this.channels = channels;
    this.height = height;
    this.width = width;
    this.spatial = spatial;
  }

  public static FeatureShape flat(int features) {
    return new FeatureShape(features, 1, 1, false);
  }

  public static FeatureShape map(int channels, int height, int width) {
    return new FeatureShape(channels, height, width, true);
  }

  /** From [d] or [C, H, W]. */
  public static FeatureShape of(int[] dims) {
    if (dims.length == 1) {
      return flat(dims[0]);
    }
    if (dims.length == 3) {
      return map(dims[0], dims[1], dims[2]);
    }
    throw new IllegalArgumentException("A shape must be [features] or [channels, height, width], cannot be: "
        + Arrays.toString(dims));
  }

  /** Values per sample. */
  public int size() {
    return channels * height * width;
  }

  public int[] dims() {
    return spatial ? new int[] {channels, height, width} : new int[] {channels};
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FeatureShape && Arrays.equals(dims(), ((FeatureShape) o).dims());
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims());
  }

  @Override
  public String toString() {
    return spatial ? channels + "x" + height + "x" + width : String.valueOf(channels);
  }
}
