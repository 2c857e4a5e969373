package io.nncompress.spark.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The conv part of an autocorr layer spec from the _layer.json nncompress_dump.py writes. */
class ConvSpecTest {
  static JsonNode json(String s) throws Exception {
    return new ObjectMapper().readTree(s.replace('\'', '"'));
  }

  @Test
  void squareConvBecomesAConvSpec() throws Exception {
    JsonNode info = json("{'type': 'Conv2d', 'kernel': [5, 5], 'stride': [2, 2], 'padding': [2, 2], "
        + "'dilation': [1, 1], 'groups': 1, 'shape': [3, 32, 32]}");
    assertEquals("shape=3x32x32,kernel=5,stride=2,padding=2,dilation=1", ConvSpec.of(info, 3 * 32 * 32));
    assertNull(ConvSpec.note(info, 3 * 32 * 32));
  }

  @Test
  void samePaddingIsANumber() throws Exception {
    JsonNode info = json("{'type': 'Conv2d', 'kernel': [3, 3], 'stride': [1, 1], 'padding': 'same', "
        + "'dilation': [2, 2], 'groups': 1, 'shape': [4, 8, 8]}");
    assertEquals("shape=4x8x8,kernel=3,stride=1,padding=2,dilation=2", ConvSpec.of(info, 256));
  }

  @Test
  void whatTheSpecCannotExpressIsADenseLayerWithANote() throws Exception {
    JsonNode rect = json("{'type': 'Conv2d', 'kernel': [1, 3], 'stride': [1, 1], 'padding': [0, 1], "
        + "'dilation': [1, 1], 'groups': 1, 'shape': [2, 4, 4]}");
    assertNull(ConvSpec.of(rect, 32));
    assertEquals("the conv's kernel [1,3] differs between the axes (the layer spec takes one value)",
        ConvSpec.note(rect, 32));
    JsonNode grouped = json("{'type': 'Conv2d', 'kernel': [3, 3], 'stride': [1, 1], 'padding': [1, 1], "
        + "'dilation': [1, 1], 'groups': 2, 'shape': [2, 4, 4]}");
    assertEquals("the conv has groups = 2 (nncompress's conv layers have none)", ConvSpec.note(grouped, 32));
    assertEquals("_layer.json's shape [2,4,4] does not match d = 33", ConvSpec.note(grouped, 33));
    assertNull(ConvSpec.of(json("{'type': 'Linear'}"), 8));
  }
}
