package io.corral.discovery.scan;

import inet.ipaddr.AddressStringException;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import inet.ipaddr.ipv4.IPv4Address;
import io.corral.cluster.trust.AddressRanges;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The hosts of one IPv4 CIDR to scan, in address order. Prefixes shorter than /31 leave out the network and
 * broadcast addresses; a /31 has two hosts (RFC 3021) and a /32 (a bare address) one.
 *
 * @param cidr      the block as written back, for example {@code 192.168.1.0/24} ({@code 192.168.1.7/24} means
 *                  the same block)
 * @param firstHost the first address scanned
 * @param lastHost  the last address scanned
 */
public record ScanRange(String cidr, IPv4Address firstHost, IPv4Address lastHost) {

  /** The widest block scanned by default: a /16, 65,536 addresses. */
  public static final int DEFAULT_WIDEST_PREFIX = 16;

  /**
   * Plain dotted quads with an optional prefix length only: no wildcards, ranges, masks or inet_aton forms,
   * which would let a typo widen a scan. IPv6 is parsed so that it can be refused by name.
   */
  private static final IPAddressStringParameters STRICT = AddressRanges.strictParameters();

  public ScanRange {
    Objects.requireNonNull(cidr, "cidr");
    Objects.requireNonNull(firstHost, "firstHost");
    Objects.requireNonNull(lastHost, "lastHost");
    if (firstHost.longValue() > lastHost.longValue()) {
      throw new IllegalArgumentException("scan range " + cidr + " ends before it starts");
    }
  }

  /** Parses a CIDR or a single address with the default limit of /{@value #DEFAULT_WIDEST_PREFIX}. */
  public static ScanRange parse(String text) {
    return parse(text, DEFAULT_WIDEST_PREFIX);
  }

  /**
   * Parses {@code 192.168.1.0/24} or {@code 192.168.1.5} (= /32).
   *
   * @param widestPrefix the shortest prefix accepted (16 = at most 65,536 addresses), 0-32
   * @throws IllegalArgumentException naming the text and what is wrong with it (unparsable, IPv6, too wide)
   */
  public static ScanRange parse(String text, int widestPrefix) {
    if (widestPrefix < 0 || widestPrefix > 32) {
      throw new IllegalArgumentException("the widest scan prefix must be 0-32, got " + widestPrefix);
    }
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty scan range (expected an IPv4 CIDR such as 192.168.1.0/24)");
    }
    String trimmed = text.trim();
    IPAddressString parsed = new IPAddressString(trimmed, STRICT);
    try {
      parsed.validate();
    } catch (AddressStringException e) {
      throw new IllegalArgumentException("bad scan range '" + trimmed
          + "': not an IPv4 address or CIDR such as 192.168.1.0/24 (" + e.getMessage() + ")");
    }
    IPAddress address = parsed.getAddress();
    if (parsed.isIPv6() || address == null || !address.isIPv4()) {
      throw new IllegalArgumentException("bad scan range '" + trimmed
          + "': IPv6 is not supported, the scanner takes IPv4 CIDRs only (such as 192.168.1.0/24)");
    }
    IPv4Address block = address.toIPv4().toPrefixBlock();
    Integer given = block.getNetworkPrefixLength();
    int prefix = given == null ? 32 : given;
    if (prefix < widestPrefix) {
      throw new IllegalArgumentException("scan range " + trimmed + " has " + block.getCount()
          + " addresses, more than the limit of /" + widestPrefix + " (" + (1L << (32 - widestPrefix))
          + " addresses); split it or raise the limit");
    }
    IPv4Address first = block.getLower().withoutPrefixLength();
    IPv4Address last = block.getUpper().withoutPrefixLength();
    String cidr = first.toCanonicalString() + "/" + prefix;
    if (prefix < 31) {
      first = first.increment(1);
      last = last.increment(-1);
    }
    return new ScanRange(cidr, first, last);
  }

  /**
   * Parses a comma-separated list such as {@code 192.168.1.0/24,10.0.0.5}; blank entries are ignored, so blank
   * text gives an empty list (no scan).
   */
  public static List<ScanRange> parseList(String text, int widestPrefix) {
    List<ScanRange> ranges = new ArrayList<>();
    for (String entry : text == null ? new String[0] : text.split(",")) {
      if (!entry.isBlank()) {
        ranges.add(parse(entry, widestPrefix));
      }
    }
    return List.copyOf(ranges);
  }

  /** How many hosts this range scans. */
  public long hostCount() {
    return lastHost.longValue() - firstHost.longValue() + 1;
  }

  /** The {@code index}-th host, 0-based, in dotted-quad form. */
  public String host(long index) {
    return hostAddress(index).toCanonicalString();
  }

  IPv4Address hostAddress(long index) {
    if (index < 0 || index >= hostCount()) {
      throw new IndexOutOfBoundsException("host " + index + " of " + hostCount() + " in " + cidr);
    }
    return firstHost.increment(index);
  }

  /** Whether {@code host} is one of the hosts this range scans. */
  boolean scans(IPv4Address host) {
    long value = host.longValue();
    return value >= firstHost.longValue() && value <= lastHost.longValue();
  }

  @Override
  public String toString() {
    return cidr;
  }
}
