package io.nncompress.spark.autocorr;

/** Input that cannot be used: the message names the dataset, column, file, row or key. */
public class BadInputException extends IllegalArgumentException {
  public BadInputException(String message) {
    super(message);
  }

  public BadInputException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The first BadInputException in a cause chain (Spark wraps task failures), or null. */
  public static BadInputException find(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof BadInputException) {
        return (BadInputException) c;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }
}
