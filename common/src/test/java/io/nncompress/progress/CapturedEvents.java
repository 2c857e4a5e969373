package io.nncompress.progress;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A real {@link StreamSink} writing JSON Lines into memory, installed for the duration of a test;
 * every line is parsed back as JSON.
 */
public final class CapturedEvents implements AutoCloseable {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final ProgressSink previous;

  public CapturedEvents(double intervalSeconds) {
    this(LogFormat.JSON, true, intervalSeconds);
  }

  public CapturedEvents(LogFormat format, boolean progress, double intervalSeconds) {
    previous = Progress.install(new StreamSink(new PrintStream(bytes, true, StandardCharsets.UTF_8), format, progress,
        intervalSeconds));
  }

  public String text() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /** Every line, parsed (fails the test on a line that is not a JSON object). */
  public List<JsonNode> events() {
    List<JsonNode> out = new ArrayList<>();
    ObjectMapper m = new ObjectMapper();
    for (String line : text().split("\n")) {
      if (line.isEmpty()) {
        continue;
      }
      try {
        JsonNode n = m.readTree(line);
        assertTrue(n.isObject() && n.has("ts") && n.has("level") && n.has("event"), line);
        out.add(n);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + line, e);
      }
    }
    return out;
  }

  public List<JsonNode> events(Predicate<JsonNode> p) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode n : events()) {
      if (p.test(n)) {
        out.add(n);
      }
    }
    return out;
  }

  public static Predicate<JsonNode> event(String kind) {
    return n -> kind.equals(n.path("event").asText());
  }

  @Override
  public void close() {
    Progress.install(previous);
  }
}
