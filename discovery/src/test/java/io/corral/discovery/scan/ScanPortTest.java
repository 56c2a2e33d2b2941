package io.corral.discovery.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScanPortTest {

  @Test
  void portsAreParsedWithTheirKinds() {
    assertThat(ScanPort.parseList("11434:ollama,8080:llama,50052:rpc")).containsExactly(
        new ScanPort(11434, PortKind.OLLAMA), new ScanPort(8080, PortKind.LLAMA_SERVER),
        new ScanPort(50052, PortKind.RPC_SERVER));
  }

  @ParameterizedTest
  @CsvSource({"llama-server, LLAMA_SERVER", "LLAMA, LLAMA_SERVER", "openai, OPENAI", "rpc-server, RPC_SERVER",
      "rpc, RPC_SERVER", "auto, AUTO", "Ollama, OLLAMA"})
  void everySpellingOfAKindIsAccepted(String spelling, PortKind kind) {
    assertThat(ScanPort.parse("9000:" + spelling)).isEqualTo(new ScanPort(9000, kind));
  }

  @Test
  void aBarePortTakesTheKindItIsWellKnownForOrElseAuto() {
    assertThat(ScanPort.parseList("11434, 8080, 50052, 9000")).extracting(ScanPort::kind)
        .containsExactly(PortKind.OLLAMA, PortKind.LLAMA_SERVER, PortKind.RPC_SERVER, PortKind.AUTO);
  }

  @Test
  void theDefaultsAreOllamaLlamaServerAndRpcServerOnTheirOwnPorts() {
    assertThat(ScanPort.DEFAULTS).extracting(ScanPort::toString)
        .containsExactly("11434:ollama", "8080:llama-server", "50052:rpc-server");
  }

  @Test
  void onlyRpcServerPortsAreKeptAwayFromHttp() {
    assertThat(PortKind.RPC_SERVER.speaksHttp()).isFalse();
    assertThat(PortKind.AUTO.speaksHttp()).isTrue();
    assertThat(PortKind.AUTO.expected()).isNull();
    assertThat(PortKind.OLLAMA.speaksHttp()).isTrue();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "0:ollama    | port must be 1-65535",
      "65536       | port must be 1-65535",
      "-1:rpc      | port must be 1-65535",
      "http:ollama | 'http' is not a number",
      "8000:vllm   | allowed: ollama, llama, llama-server, openai, rpc, rpc-server, auto",
      "8000:unknown| allowed: ollama, llama, llama-server, openai, rpc, rpc-server, auto",
      "8000:       | allowed: ollama, llama, llama-server, openai, rpc, rpc-server, auto"})
  void aBadEntryIsRefusedNamingItAndWhatIsWrong(String entry, String why) {
    assertThatThrownBy(() -> ScanPort.parse(entry))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + entry + "'")
        .hasMessageContaining(why);
  }

  @Test
  void aPortListedTwiceIsRefused() {
    assertThatThrownBy(() -> ScanPort.parseList("8080:llama,11434,8080:ollama"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("8080 is listed twice");
  }

  @Test
  void anEmptyPortListIsRefused() {
    assertThatThrownBy(() -> ScanPort.parseList(" , ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no scan ports");
  }
}
