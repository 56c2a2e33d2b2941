package io.corral.router.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.cluster.backends.BackendId;
import io.corral.cluster.backends.BackendKind;
import io.corral.discovery.fingerprint.Fingerprint;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What {@code corral backend health} tells an operator when the cluster's view and a probe from here disagree. */
class BackendAdviceTest {

  static final BackendId ID = BackendId.of("10.0.0.7:11434");

  static ClusterBackend seen(String kind, String health, List<String> models) {
    return new ClusterBackend(ID.value(), kind, health, 2, 0, models, List.of(), health.equals("up") ? "" : "boom",
        "member-2", 1, health.equals("circuit_open") ? "5 of 10 failed" : "");
  }

  static Fingerprint answers(BackendKind kind, boolean ready, String error) {
    return new Fingerprint(kind, true, ready, "1.0", List.of("llama3:latest"), List.of(), 0, error);
  }

  static BackendAdvice.Verdict advise(ClusterBackend known, Fingerprint here) {
    return BackendAdvice.advise(ID, Optional.ofNullable(known), Optional.ofNullable(here));
  }

  @Test
  void upInTheClusterAndReadyFromHereIsHealthyWithNothingToFix() {
    BackendAdvice.Verdict v = advise(seen("ollama", "up", List.of("llama3:latest")),
        answers(BackendKind.OLLAMA, true, ""));
    assertThat(v.healthy()).isTrue();
    assertThat(v.fixes()).isEmpty();
  }

  @Test
  void downInTheClusterButReachableFromHereBlamesTheMembersNetworkPath() {
    BackendAdvice.Verdict v = advise(seen("ollama", "down", List.of()), answers(BackendKind.OLLAMA, true, ""));
    assertThat(v.healthy()).isFalse();
    assertThat(v.fixes()).singleElement().asString().contains("answers from this machine", "member-2",
        "path from the members' hosts");
  }

  @Test
  void upInTheClusterButUnreachableFromHereBlamesThePathFromHere() {
    BackendAdvice.Verdict v = advise(seen("ollama", "up", List.of("llama3:latest")),
        Fingerprint.unreachable("connection timed out: /10.0.0.7:11434"));
    assertThat(v.healthy()).isFalse();
    assertThat(v.fixes()).anySatisfy(f -> assertThat(f).contains("firewall", "curl -v http://10.0.0.7:11434/"))
        .anySatisfy(f -> assertThat(f).contains("network path from here"));
  }

  @Test
  void anOpenCircuitIsUnhealthyAndSaysWhyItOpened() {
    BackendAdvice.Verdict v = advise(seen("ollama", "circuit_open", List.of("llama3:latest")),
        answers(BackendKind.OLLAMA, true, ""));
    assertThat(v.healthy()).isFalse();
    assertThat(v.fixes()).singleElement().asString().contains("circuit breaker is open", "5 of 10 failed");
  }

  @Test
  void aLlamaServerStillLoadingItsModelIsToldApartFromADeadOne() {
    BackendAdvice.Verdict v = advise(seen("llama-server", "down", List.of()),
        answers(BackendKind.LLAMA_SERVER, false, "GET /health answered 503"));
    assertThat(v.healthy()).isFalse();
    assertThat(v.fixes()).singleElement().asString().contains("still loading its model", "503");
  }

  @Test
  void aKindThatDoesNotMatchWhatAnswersSaysWhichKindToConfigure() {
    BackendAdvice.Verdict v = advise(seen("ollama", "up", List.of("llama3:latest")),
        answers(BackendKind.LLAMA_SERVER, true, ""));
    assertThat(v.fixes()).singleElement().asString().contains("treats it as ollama", "kind=llama-server");
  }

  @Test
  void anOllamaWithNoModelsIsToldToPullOne() {
    BackendAdvice.Verdict v = advise(seen("ollama", "up", List.of()), answers(BackendKind.OLLAMA, true, ""));
    assertThat(v.fixes()).singleElement().asString().contains("ollama pull");
  }

  @Test
  void somethingThatAnswersHttpButNoKnownProtocolAsksWhetherThePortIsRight() {
    BackendAdvice.Verdict v = advise(null, new Fingerprint(BackendKind.UNKNOWN, true, false, "", List.of(),
        List.of(), 0, "answers none of ..."));
    assertThat(v.healthy()).isFalse();
    assertThat(v.fixes()).anySatisfy(f -> assertThat(f).contains("right port"));
  }
}
