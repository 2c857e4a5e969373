package io.nncompress.model;

/** An architecture spec, or weights, that do not describe a runnable network; the message names the layer, tensor or key. */
public final class ModelSpecException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ModelSpecException(String message) {
    super(message);
  }

  public ModelSpecException(String message, Throwable cause) {
    super(message, cause);
  }
}
