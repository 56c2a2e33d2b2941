package io.corral.cluster.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.corral.cluster.trust.ClusterSecret;
import io.corral.cluster.trust.NoticeSigner;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** The direct grant notice on the wire, and the addresses it may be sent to. */
class GrantDatagramTest {

  private final ClusterSecret secret = ClusterSecret.generate(new SecureRandom());
  private final NoticeSigner signer = new NoticeSigner(secret);

  @Test
  void aNoticeReadsBackAsTheGrantItCarries() {
    Grant g = new Grant("ticket-1", "member-1", "http://127.0.0.1:11434", "127.0.0.1:5701");
    assertThat(GrantDatagram.decode(GrantDatagram.encode(g, signer), signer)).isEqualTo(new Grant("ticket-1",
        "member-1", "http://127.0.0.1:11434"));
  }

  @Test
  void aNoticeSignedWithAnotherSecretOrChangedOnTheWayIsDropped() {
    Grant g = new Grant("ticket-1", "member-1", "http://127.0.0.1:11434", "127.0.0.1:5701");
    NoticeSigner outsider = new NoticeSigner(ClusterSecret.generate(new SecureRandom()));
    assertThat(GrantDatagram.decode(GrantDatagram.encode(g, outsider), signer)).isNull();
    byte[] tampered = GrantDatagram.encode(g, signer);
    String text = new String(tampered, StandardCharsets.UTF_8).replace("11434", "11435");
    assertThat(GrantDatagram.decode(text.getBytes(StandardCharsets.UTF_8), signer)).isNull();
    // the unsigned notice of earlier builds
    assertThat(GrantDatagram.decode("corral-grant-1\nmember-1\nticket-1\nhttp://127.0.0.1:11434"
        .getBytes(StandardCharsets.UTF_8), signer)).isNull();
  }

  @Test
  void duringARotationANoticeSignedWithEitherKeyIsAccepted() {
    Grant g = new Grant("ticket-1", "member-1", "http://127.0.0.1:11434", "");
    ClusterSecret rollingSecret = secret.rotated(new SecureRandom());
    NoticeSigner rolling = new NoticeSigner(rollingSecret);
    NoticeSigner finished = new NoticeSigner(rollingSecret.withoutPrevious());
    // every pair that meets during the two steps of a rotation understands each other; skipping a step does not
    assertThat(GrantDatagram.decode(GrantDatagram.encode(g, signer), finished)).isNull();
    assertThat(GrantDatagram.decode(GrantDatagram.encode(g, signer), rolling)).isNotNull();
    assertThat(GrantDatagram.decode(GrantDatagram.encode(g, rolling), signer)).isNotNull();
    assertThat(GrantDatagram.decode(GrantDatagram.encode(g, rolling), finished)).isNotNull();
    assertThat(GrantDatagram.decode(GrantDatagram.encode(g, finished), rolling)).isNotNull();
  }

  @Test
  void anythingElseIsNotAGrant() {
    assertThat(GrantDatagram.decode("hello".getBytes(StandardCharsets.UTF_8), signer)).isNull();
    assertThat(GrantDatagram.decode(new byte[GrantDatagram.MAX_BYTES + 1], signer)).isNull();
    byte[] emptyTicket = GrantDatagram.encode(new Grant("", "m", "b", ""), signer);
    assertThat(GrantDatagram.decode(emptyTicket, signer)).isNull();
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
