package io.nncompress.stats;

/** A NaN or infinite value met while accumulating statistics; the caller adds dataset, column and row. */
public final class NonFiniteValueException extends IllegalArgumentException {
  private final int feature;
  private final double value;
  private final int pendingRow;

  public NonFiniteValueException(int feature, double value) {
    this(feature, value, -1);
  }

  /** A value found when a block of rows was checked: the bad row is {@code pendingRow} of that block. */
  public NonFiniteValueException(int feature, double value, int pendingRow) {
    super("non-finite value " + value + " at feature " + feature);
    this.feature = feature;
    this.value = value;
    this.pendingRow = pendingRow;
  }

  /**
   * Which of the rows added since the last flush held the value (0 = the first), or -1 when it was
   * the row being added.
   */
  public int pendingRow() {
    return pendingRow;
  }

  public int feature() {
    return feature;
  }

  public double value() {
    return value;
  }
}
