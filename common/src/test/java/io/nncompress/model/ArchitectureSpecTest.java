package io.nncompress.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The spec's YAML text round-trips exactly (issue 17, item 5). */
class ArchitectureSpecTest {
  static final String TRICKY = "name: \"1e3\"\ninput: [4]\nlayers:\n"
      + "  - {name: \"0\", type: dense, units: 6}\n  - {name: \"1\", type: relu}\n"
      + "  - {name: \"2\", type: dense, units: 5}\n  - {name: \"null\", type: tanh}\n"
      + "  - {name: \"true\", type: dense, units: 5, bias: \"~\"}\n  - {name: \"yes\", type: identity}\n"
      + "  - {name: \"1e3\", type: dense, units: 4, weight: \"1:20\"}\n"
      + "  - {name: \"null2\", type: dense, units: 3, weight: \"0x1F\", bias: \".inf\"}\n";

  static List<String> describe(ArchitectureSpec s) {
    return s.layers.stream().map(l -> l.name + "|" + l.type.id + "|" + l.weight + "|" + l.bias + "|" + l.units)
        .toList();
  }

  @Test
  void namesThatLookLikeNumbersBooleansOrNullRoundTrip() {
    ArchitectureSpec spec = ArchitectureSpec.parse("tricky.yaml", TRICKY);
    assertEquals(List.of("0", "1", "2", "null", "true", "yes", "1e3", "null2"),
        spec.layers.stream().map(l -> l.name).toList());
    String yaml = spec.toYaml();
    ArchitectureSpec back = ArchitectureSpec.parse("written", yaml);
    assertEquals(describe(spec), describe(back), yaml);
    assertEquals("1e3", back.name);
    assertEquals("~", back.layers.get(4).bias);
    assertEquals("1:20", back.layers.get(6).weight);
    assertEquals(yaml, back.toYaml());
  }

  @Test
  void ordinaryNamesKeepTheMinimalQuoting() {
    ArchitectureSpec spec = ArchitectureSpec.parse("mlp.yaml", "name: mlp\ninput: [4]\nlayers:\n"
        + "  - {name: fc1, type: dense, units: 3}\n  - {type: relu}\n");
    String yaml = spec.toYaml();
    assertTrue(yaml.contains("name: fc1") && yaml.contains("type: dense"), yaml);
    assertEquals(describe(spec), describe(ArchitectureSpec.parse("written", yaml)));
  }

  @Test
  void aSpecPathThatIsAMissingFileOrADirectoryIsNamedAsSuch(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    java.nio.file.Path missing = dir.resolve("no.yaml");
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(ModelSpecException.class, () -> ArchitectureSpec.read(missing));
    assertEquals("the architecture spec file " + missing + " does not exist", e.getMessage());
    // before: "... cannot be read: java.io.IOException: Is a directory"
    Exception d = org.junit.jupiter.api.Assertions.assertThrows(ModelSpecException.class, () -> ArchitectureSpec.read(dir));
    assertEquals("the architecture spec file " + dir + " is a directory, not a YAML file", d.getMessage());
  }
}
