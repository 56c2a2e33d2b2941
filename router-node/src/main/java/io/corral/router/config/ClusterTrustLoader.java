package io.corral.router.config;

import io.corral.cluster.trust.AddressRanges;
import io.corral.cluster.trust.ClusterSecret;
import io.corral.cluster.trust.ClusterTrust;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the trust settings ({@code clusterSecretFile} or {@code clusterSecret}, {@code memberAllow},
 * {@code insecureCluster}) into a {@link ClusterTrust}, at start, so a member never runs on a secret it cannot read.
 * Errors name the setting and never quote the secret.
 */
final class ClusterTrustLoader {

  private static final Logger log = LoggerFactory.getLogger(ClusterTrustLoader.class);
  /** Far above any real secret file; a larger one is a mistake (a wrong path), not a secret. */
  private static final long MAX_SECRET_FILE_BYTES = 64 * 1024;

  private ClusterTrustLoader() {}

  static ClusterTrust load(Map<String, Object> merged) {
    String file = (String) merged.get("clusterSecretFile");
    String inline = (String) merged.get("clusterSecret");
    if (!file.isBlank() && !inline.isBlank()) {
      throw new ConfigException("give the cluster secret once: --cluster-secret-file or CORRAL_CLUSTER_SECRET, "
          + "not both");
    }
    ClusterSecret secret = null;
    if (!file.isBlank()) {
      secret = fromFile(Path.of(file));
    } else if (!inline.isBlank()) {
      try {
        secret = ClusterSecret.parse(inline);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("the cluster secret (CORRAL_CLUSTER_SECRET or clusterSecret in the config file): "
            + e.getMessage());
      }
    }
    @SuppressWarnings("unchecked")
    List<String> allow = (List<String>) merged.get("memberAllow");
    AddressRanges ranges;
    try {
      ranges = AddressRanges.parse(allow);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--member-allow: " + e.getMessage());
    }
    return new ClusterTrust(secret, ranges, (boolean) merged.get("insecureCluster"));
  }

  private static ClusterSecret fromFile(Path p) {
    try {
      if (!Files.isRegularFile(p)) {
        throw new ConfigException("--cluster-secret-file " + p + " does not exist (make one with: corral secret new "
            + "--out " + p + ")");
      }
      if (Files.size(p) > MAX_SECRET_FILE_BYTES) {
        throw new ConfigException("--cluster-secret-file " + p + " is " + Files.size(p) + " bytes; a secret file "
            + "holds a few lines");
      }
      warnIfOthersCanRead(p);
      return ClusterSecret.parse(Files.readString(p));
    } catch (IOException e) {
      throw new ConfigException("--cluster-secret-file " + p + ": cannot read it: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new ConfigException("--cluster-secret-file " + p + ": " + e.getMessage());
    }
  }

  private static void warnIfOthersCanRead(Path p) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
      if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.GROUP_READ)) {
        log.warn("event=cluster_secret_readable_by_others file={} fix=\"chmod 600 {}\"", p, p);
      }
    } catch (IOException | UnsupportedOperationException e) {
      // not a POSIX file system: nothing to check
    }
  }
}
