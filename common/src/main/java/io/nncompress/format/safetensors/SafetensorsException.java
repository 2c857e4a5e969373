package io.nncompress.format.safetensors;

import java.io.IOException;
import java.nio.file.Path;

/** A safetensors file that cannot be read; the message names the file and, when known, the tensor. */
public final class SafetensorsException extends IOException {
  private static final long serialVersionUID = 1L;

  public SafetensorsException(Path file, String tensor, String problem) {
    super(message(file.toString(), tensor, problem));
  }

  public SafetensorsException(String file, String tensor, String problem) {
    super(message(file, tensor, problem));
  }

  public SafetensorsException(String file, String tensor, String problem, Throwable cause) {
    super(message(file, tensor, problem), cause);
  }

  private static String message(String file, String tensor, String problem) {
    return "safetensors file " + file + (tensor == null ? "" : ", tensor '" + tensor + "'") + ": " + problem;
  }
}
