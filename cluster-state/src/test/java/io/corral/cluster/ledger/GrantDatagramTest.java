package io.corral.cluster.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The direct grant notice on the wire, and the addresses it may be sent to. */
class GrantDatagramTest {

  @Test
  void aNoticeReadsBackAsTheGrantItCarries() {
    Grant g = new Grant("ticket-1", "member-1", "http://127.0.0.1:11434", "127.0.0.1:5701");
    assertThat(GrantDatagram.decode(GrantDatagram.encode(g))).isEqualTo(new Grant("ticket-1", "member-1",
        "http://127.0.0.1:11434"));
  }

  @Test
  void anythingElseIsNotAGrant() {
    assertThat(GrantDatagram.decode("hello".getBytes(StandardCharsets.UTF_8))).isNull();
    assertThat(GrantDatagram.decode("corral-grant-1\nm\n\nb".getBytes(StandardCharsets.UTF_8))).isNull();
    assertThat(GrantDatagram.decode("corral-grant-1\nm\nt\nb\nextra".getBytes(StandardCharsets.UTF_8))).isNull();
    assertThat(GrantDatagram.decode(new byte[GrantDatagram.MAX_BYTES + 1])).isNull();
  }

  @Test
  void noticesGoOnlyToIpv4LiteralsSoAPartitionThreadNeverWaitsForANameLookup() {
    assertThat(GrantNotifier.literalAddress("127.0.0.1:5701")).get()
        .satisfies(a -> assertThat(a.getPort()).isEqualTo(5701));
    assertThat(GrantNotifier.literalAddress("localhost:5701")).isEmpty();
    assertThat(GrantNotifier.literalAddress("127.0.0.1")).isEmpty();
    assertThat(GrantNotifier.literalAddress("127.0.0.1:0")).isEmpty();
    assertThat(GrantNotifier.literalAddress("127.0.0.1:70000")).isEmpty();
    assertThat(GrantNotifier.literalAddress("")).isEmpty();
  }
}
