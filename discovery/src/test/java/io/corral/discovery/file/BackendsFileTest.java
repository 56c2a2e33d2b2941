package io.corral.discovery.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.cluster.backends.BackendKind;
import io.corral.discovery.BackendSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendsFileTest {

  @Test
  void listsOneBackendALineWithCommentsBlankLinesAndTheFlagOptions() {
    List<BackendSpec> specs = BackendsFile.parse("""
        # the GPU box
        127.0.0.1:11434
          http://127.0.0.2:8080;slots=4;kind=llama-server   # trailing comment

        127.0.0.3:11434;slots=2
        """);
    assertThat(specs).extracting(s -> s.id().value())
        .containsExactly("http://127.0.0.1:11434", "http://127.0.0.2:8080", "http://127.0.0.3:11434");
    assertThat(specs.get(1).kind()).isEqualTo(BackendKind.LLAMA_SERVER);
    assertThat(specs.get(1).slots()).isEqualTo(4);
    assertThat(specs.get(2).slots()).isEqualTo(2);
  }

  @Test
  void anEmptyOrAllCommentFileListsNothing() {
    assertThat(BackendsFile.parse("")).isEmpty();
    assertThat(BackendsFile.parse("# nothing yet\n\n")).isEmpty();
  }

  @Test
  void aLaterLineForTheSameBackendReplacesTheEarlierOne() {
    assertThat(BackendsFile.parse("127.0.0.1:11434\n127.0.0.1:11434;slots=3\n"))
        .singleElement().extracting(BackendSpec::slots).isEqualTo(3);
  }

  @Test
  void aBadLineIsRefusedWithItsLineNumber() {
    assertThatThrownBy(() -> BackendsFile.parse("127.0.0.1:11434\n127.0.0.1:11434;slots=many\n"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("line 2:").hasMessageContaining("many");
    assertThatThrownBy(() -> BackendsFile.parse("# ok\n127.0.0.1:11434 127.0.0.2:11434\n"))
        .hasMessageStartingWith("line 2:").hasMessageContaining("one backend per line");
    assertThatThrownBy(() -> BackendsFile.parse("ftp://127.0.0.1:21\n")).hasMessageStartingWith("line 1:");
  }
}
