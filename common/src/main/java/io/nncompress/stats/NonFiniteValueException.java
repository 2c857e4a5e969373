package io.nncompress.stats;

/** A NaN or infinite value met while accumulating statistics; the caller adds dataset, column and row. */
public final class NonFiniteValueException extends IllegalArgumentException {
  private final int feature;
  private final double value;

  public NonFiniteValueException(int feature, double value) {
    super("non-finite value " + value + " at feature " + feature);
    this.feature = feature;
    this.value = value;
  }

  public int feature() {
    return feature;
  }

  public double value() {
    return value;
  }
}
