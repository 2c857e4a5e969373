package io.nncompress.report;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** metrics.json to and from {@link Metrics}: the one place that knows how it is written. */
public final class MetricsJson {
  // NaN and infinities: written as Jackson writes them by default ("NaN"), read in both forms
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .enable(JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS);

  private MetricsJson() {}

  /** The JSON text of {@code m}, indented, as metrics.json holds it. */
  public static byte[] write(Metrics m) {
    try {
      return JSON.writeValueAsBytes(m);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Parses metrics.json's text; IllegalArgumentException (naming {@code source}) when it is not metrics. */
  public static Metrics read(byte[] json, String source) {
    try {
      return check(JSON.readValue(json, Metrics.class), source);
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new IllegalArgumentException(source + ": not a metrics.json: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Metrics read(Path file) throws IOException {
    return read(Files.readAllBytes(file), file.toString());
  }

  /** The metrics a map in metrics.json's form holds (Java numbers and arrays are fine). */
  public static Metrics fromMap(Map<String, ?> map) {
    try {
      return check(JSON.convertValue(map, Metrics.class), "metrics");
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("metrics: not in metrics.json's form: " + e.getMessage(), e);
    }
  }

  private static Metrics check(Metrics m, String source) {
    if (m.schemaVersion() > Metrics.SCHEMA_VERSION) {
      throw new IllegalArgumentException(source + ": schema_version " + m.schemaVersion() + "; this nncompress reads "
          + "up to " + Metrics.SCHEMA_VERSION);
    }
    return m;
  }
}
