package io.corral.router.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.cluster.admin.AdminTokens;
import io.corral.router.RouterNode;
import io.corral.router.TestCluster;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who may make admin and model-management calls, by where the API listens and whether the cluster has a token. */
class AdminAccessTest {

  @Test
  void withoutATokenOnlyAMemberListeningOnLoopbackLetsAdminCallsThroughAndTheRefusalNamesTheFix() {
    try (TestCluster cluster = new TestCluster()) {
      RouterNode member = cluster.member(List.of());
      AdminTokens none = new AdminTokens(member.member().hazelcast()).start();
      assertThat(new AdminAccess(none, true).refusal(null)).isNull();
      String refusal = new AdminAccess(none, false).refusal("Bearer anything");
      assertThat(refusal).contains("serves beyond loopback", "CORRAL_ADMIN_TOKEN", "POST /admin/token");
    }
  }

  @Test
  void withATokenEveryMemberWantsIt() {
    try (TestCluster cluster = new TestCluster()) {
      RouterNode member = cluster.member(List.of());
      AdminTokens tokens = new AdminTokens(member.member().hazelcast()).start();
      tokens.adopt("a-token-of-some-length-123");
      for (boolean loopback : new boolean[] {true, false}) {
        AdminAccess access = new AdminAccess(tokens, loopback);
        assertThat(access.refusal(null)).contains("needs the cluster's admin token");
        assertThat(access.refusal("Bearer nope")).isEqualTo("wrong admin token");
        assertThat(access.refusal("bearer a-token-of-some-length-123")).isNull();
      }
    }
  }
}
