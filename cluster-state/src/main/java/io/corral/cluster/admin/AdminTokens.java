package io.corral.cluster.admin;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.corral.cluster.wire.SharedEntries;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cluster's one admin token, stored as a salted hash in cluster state ({@value #MAP_NAME}): every member checks
 * admin and model-management calls against the same token, including members started without one. The first token
 * comes from a member's configuration (flag, env, file) or from a call on loopback; a member configured with a token
 * other than the cluster's refuses to start, and the token changes only through a call that proves the current one.
 *
 * <p>Only holders of the cluster secret can write the map (issue 16), so the hash is as safe as the cluster.
 * Thread-safe; {@link #start()} and {@link #adopt} block (member start), the rest never does.
 */
public final class AdminTokens implements AutoCloseable {

  public static final String MAP_NAME = "corral.admin.token";
  static final String KEY = "hash";
  private static final String FORMAT = "v1";

  private final IMap<String, String> map;
  private final SharedEntries<String> entries = new SharedEntries<>(MAP_NAME, String.class);
  private final SecureRandom random = new SecureRandom();
  private volatile String stored = "";
  private volatile UUID registration;

  public AdminTokens(HazelcastInstance hazelcast) {
    this.map = hazelcast.getMap(MAP_NAME);
  }

  /** Subscribes and loads the cluster's token hash. Blocking. */
  public AdminTokens start() {
    registration = map.addEntryListener(new Listener(), KEY, true);
    stored = entries.loadAll(map).getOrDefault(KEY, "");
    return this;
  }

  /** What a member configured with {@code token} found in the cluster. */
  public enum Adoption {
    /** The cluster had no token: this member's is now the cluster's. */
    SET,
    /** The cluster has the same token. */
    SAME,
    /** The cluster has another token: this member must not start with its own. */
    DIFFERENT
  }

  /** A member's configured token meets the cluster's: set it if there is none, else compare. Blocking. */
  public Adoption adopt(String token) {
    String hash = hash(token);
    String before = map.putIfAbsent(KEY, hash);
    if (before == null) {
      stored = hash;
      return Adoption.SET;
    }
    stored = before;
    return matchesHash(before, token) ? Adoption.SAME : Adoption.DIFFERENT;
  }

  /** Whether the cluster has a token. */
  public boolean isSet() {
    return !stored.isEmpty();
  }

  /** Whether {@code given} is the cluster's token (constant time in the token). */
  public boolean matches(String given) {
    return given != null && matchesHash(stored, given);
  }

  /** Makes {@code token} the cluster's first token; false when one was set meanwhile. Blocking. */
  public boolean setFirst(String token) {
    String hash = hash(token);
    if (map.putIfAbsent(KEY, hash) == null) {
      stored = hash;
      return true;
    }
    return false;
  }

  /** Replaces the cluster's token (the caller proved the current one). */
  public CompletionStage<Void> replace(String token) {
    String hash = hash(token);
    stored = hash;
    return map.setAsync(KEY, hash);
  }

  String hash(String token) {
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    return FORMAT + ":" + HexFormat.of().formatHex(salt) + ":" + HexFormat.of().formatHex(mac(salt, token));
  }

  static boolean matchesHash(String hash, String token) {
    String[] parts = hash.split(":");
    if (parts.length != 3 || !parts[0].equals(FORMAT)) {
      return false;
    }
    try {
      byte[] salt = HexFormat.of().parseHex(parts[1]);
      return MessageDigest.isEqual(HexFormat.of().parseHex(parts[2]), mac(salt, token));
    } catch (IllegalArgumentException notHex) {
      return false;
    }
  }

  private static byte[] mac(byte[] salt, String token) {
    try {
      Mac m = Mac.getInstance("HmacSHA256");
      m.init(new SecretKeySpec(salt, "HmacSHA256"));
      return m.doFinal(token.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
    }
  }

  @Override
  public void close() {
    UUID id = registration;
    if (id != null) {
      try {
        map.removeEntryListener(id);
      } catch (RuntimeException ignored) {
        // the instance may already be gone
      }
    }
  }

  private final class Listener implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
      EntryRemovedListener<String, String> {
    @Override
    public void entryAdded(EntryEvent<String, String> e) {
      entries.valueOf(e).ifPresent(v -> stored = v);
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> e) {
      entryAdded(e);
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> e) {
      stored = "";
    }
  }
}
