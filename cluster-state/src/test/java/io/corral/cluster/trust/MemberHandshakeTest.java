package io.corral.cluster.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.corral.cluster.trust.MemberHandshake.Deadline;
import io.corral.cluster.trust.MemberHandshake.HandshakeRefused;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The handshake over real loopback sockets, each side on its own thread as Hazelcast runs them. */
class MemberHandshakeTest {

  private final SecureRandom random = new SecureRandom();
  private static final Duration LIMIT = Duration.ofSeconds(2);

  /** Outcome of one side: null when it passed, else the reason it refused. */
  private record Outcome(String acceptor, String connector) {}

  /** The acceptor side on its own thread: the reason it refused, or null. */
  private static CompletableFuture<String> acceptOne(ServerSocket server, MemberHandshake acceptor) {
    return CompletableFuture.supplyAsync(() -> {
      try (Socket s = server.accept()) {
        acceptor.accept(s.getInputStream(), s.getOutputStream(), Deadline.of(s, LIMIT),
            List.of(new InetSocketAddress(s.getLocalAddress(), s.getLocalPort())));
        return null;
      } catch (IOException e) {
        return e.getMessage();
      }
    });
  }

  private Outcome run(ClusterSecret acceptorSecret, ClusterSecret connectorSecret) throws Exception {
    MemberHandshake acceptor = new MemberHandshake(acceptorSecret, random);
    MemberHandshake connector = new MemberHandshake(connectorSecret, random);
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<String> accepted = acceptOne(server, acceptor);
      String connected;
      try (Socket c = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
        connector.connect(c.getInputStream(), c.getOutputStream(), Deadline.of(c, LIMIT),
            new InetSocketAddress(c.getInetAddress(), c.getPort()));
        connected = null;
      } catch (IOException e) {
        connected = e.getMessage();
      }
      return new Outcome(accepted.get(5, TimeUnit.SECONDS), connected);
    }
  }

  @Test
  void membersWithTheSameSecretPassBothWays() throws Exception {
    ClusterSecret s = ClusterSecret.generate(random);
    assertThat(run(s, ClusterSecret.parse(s.toText()))).isEqualTo(new Outcome(null, null));
  }

  @Test
  void aDifferentSecretIsRefusedOnBothSides() throws Exception {
    Outcome o = run(ClusterSecret.generate(random), ClusterSecret.generate(random));
    assertThat(o.acceptor()).contains("did not prove the cluster secret");
    assertThat(o.connector()).contains("holds a different cluster secret");
  }

  @Test
  void duringARotationMembersWithTheOldAndTheNewKeyStillMeet() throws Exception {
    ClusterSecret old = ClusterSecret.generate(random);
    ClusterSecret rolling = old.rotated(random);
    ClusterSecret done = rolling.withoutPrevious();
    assertThat(run(old, rolling)).isEqualTo(new Outcome(null, null));
    assertThat(run(rolling, old)).isEqualTo(new Outcome(null, null));
    assertThat(run(rolling, done)).isEqualTo(new Outcome(null, null));
    assertThat(run(done, rolling)).isEqualTo(new Outcome(null, null));
    // skipping the middle step is a different secret
    assertThat(run(old, done).acceptor()).isNotNull();
  }

  /**
   * The relay: a member dials a peer without the secret (which took over an address the member joins), and that
   * peer passes every byte on to another member. The member's proof names the address it dialled, so the other
   * member refuses it, and the attacker is left holding nothing.
   */
  @Test
  void aHandshakeRelayedToAnotherMemberIsRefused() throws Exception {
    ClusterSecret s = ClusterSecret.generate(random);
    MemberHandshake victim = new MemberHandshake(s, random);
    MemberHandshake other = new MemberHandshake(s, random);
    try (ServerSocket otherMember = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
         ServerSocket relay = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<String> accepted = acceptOne(otherMember, other);
      CompletableFuture<Void> piping = CompletableFuture.runAsync(() -> {
        try (Socket fromVictim = relay.accept();
             Socket toOther = new Socket(InetAddress.getLoopbackAddress(), otherMember.getLocalPort())) {
          CompletableFuture<Void> back = CompletableFuture.runAsync(() -> pipe(toOther, fromVictim));
          pipe(fromVictim, toOther);
          back.get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // either side hung up
        }
      });
      try (Socket c = new Socket(InetAddress.getLoopbackAddress(), relay.getLocalPort())) {
        assertThatThrownBy(() -> victim.connect(c.getInputStream(), c.getOutputStream(), Deadline.of(c, LIMIT),
            new InetSocketAddress(c.getInetAddress(), c.getPort()))).isInstanceOf(HandshakeRefused.class);
      }
      assertThat(accepted.get(5, TimeUnit.SECONDS)).contains("relayed or reflected");
      piping.get(5, TimeUnit.SECONDS);
    }
  }

  private static void pipe(Socket from, Socket to) {
    try {
      from.getInputStream().transferTo(to.getOutputStream());
      to.shutdownOutput();
    } catch (IOException ignored) {
      // closed
    }
  }

  @Test
  void aPeerThatTricklesItsBytesIsCutOffAtTheHandshakesDeadlineNotPerRead() throws Exception {
    MemberHandshake acceptor = new MemberHandshake(ClusterSecret.generate(random), random);
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      long started = System.nanoTime();
      CompletableFuture<String> accepted = acceptOne(server, acceptor);
      try (Socket c = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
        OutputStream out = c.getOutputStream();
        // one byte every 400 ms: each read is quick, the whole greeting would take 15 s
        for (int i = 0; i < 37 && !accepted.isDone(); i++) {
          out.write(MemberHandshake.MAGIC[Math.min(i, 3)]);
          out.flush();
          Thread.sleep(400);
        }
      } catch (IOException closed) {
        // the acceptor gave up and closed
      }
      assertThat(accepted.get(10, TimeUnit.SECONDS)).contains("in time");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(LIMIT.plusSeconds(2));
    }
  }

  @Test
  void hazelcastsOwnProtocolOrAnyOtherBytesAreRefusedAtOnce() {
    MemberHandshake acceptor = new MemberHandshake(ClusterSecret.generate(random), random);
    byte[] hazelcastMember = "HZC".getBytes(StandardCharsets.US_ASCII);
    byte[] padded = new byte[37];
    System.arraycopy(hazelcastMember, 0, padded, 0, 3);
    List<InetSocketAddress> own = List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 5701));
    assertThatThrownBy(() -> acceptor.accept(new ByteArrayInputStream(padded), new ByteArrayOutputStream(),
        Deadline.none(), own)).isInstanceOf(HandshakeRefused.class)
        .hasMessageContaining("does not speak corral's member handshake");
    assertThatThrownBy(() -> acceptor.accept(new ByteArrayInputStream(hazelcastMember), new ByteArrayOutputStream(),
        Deadline.none(), own)).isInstanceOf(HandshakeRefused.class).hasMessageContaining("closed the connection");
  }

  @Test
  void anImpostorListeningWhereAMemberShouldBeIsNotTrusted() throws Exception {
    ClusterSecret s = ClusterSecret.generate(random);
    MemberHandshake connector = new MemberHandshake(s, random);
    // an acceptor that answers every proof with "ok" and a made-up MAC
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> impostor = CompletableFuture.runAsync(() -> {
        try (Socket sock = server.accept()) {
          InputStream in = sock.getInputStream();
          OutputStream out = sock.getOutputStream();
          in.readNBytes(37);
          byte[] challenge = new byte[37];
          System.arraycopy(MemberHandshake.MAGIC, 0, challenge, 0, 4);
          challenge[4] = 1;
          out.write(challenge);
          int n = in.read();
          in.readNBytes(1 + 4 + 2 + n * 32);
          out.write(new byte[34]);
          out.flush();
          in.read();
        } catch (IOException ignored) {
          // the connector hangs up
        }
      });
      try (Socket c = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
        assertThatThrownBy(() -> connector.connect(c.getInputStream(), c.getOutputStream(), Deadline.of(c, LIMIT),
            new InetSocketAddress(c.getInetAddress(), c.getPort())))
            .isInstanceOf(HandshakeRefused.class).hasMessageContaining("impostor");
      }
      impostor.get(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aVersionThisBuildDoesNotSpeakIsRefusedByName() {
    MemberHandshake acceptor = new MemberHandshake(ClusterSecret.generate(random), random);
    byte[] hello = new byte[37];
    System.arraycopy(MemberHandshake.MAGIC, 0, hello, 0, 4);
    hello[4] = 9;
    assertThatThrownBy(() -> acceptor.accept(new ByteArrayInputStream(hello), new ByteArrayOutputStream(),
        Deadline.none(), List.of())).hasMessageContaining("version 9").hasMessageContaining("speaks 1");
  }
}
