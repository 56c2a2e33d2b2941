package io.corral.cluster.trust;

import inet.ipaddr.AddressStringException;
import inet.ipaddr.AddressStringParameters.RangeParameters;
import inet.ipaddr.IPAddress;
import inet.ipaddr.IPAddressString;
import inet.ipaddr.IPAddressStringParameters;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A set of address ranges written as CIDRs or single addresses ({@code 192.168.1.0/24}, {@code 10.0.0.7},
 * {@code fd00::/8}), for allow-lists. Parsing is strict (no wildcards, masks, ranges or leading zeros), so a typo
 * cannot silently widen what is allowed. An IPv4 address seen through an IPv4-mapped IPv6 socket address matches
 * its IPv4 range. Immutable and thread-safe.
 */
public final class AddressRanges {

  private static final IPAddressStringParameters STRICT = strictParameters();

  private final List<IPAddress> blocks;
  private final List<String> texts;

  private AddressRanges(List<IPAddress> blocks, List<String> texts) {
    this.blocks = List.copyOf(blocks);
    this.texts = List.copyOf(texts);
  }

  /** No ranges at all. */
  public static AddressRanges none() {
    return new AddressRanges(List.of(), List.of());
  }

  /**
   * Parses each entry (blank ones are ignored; an entry may itself be a comma list).
   *
   * @throws IllegalArgumentException naming the entry that is not a CIDR or an address
   */
  public static AddressRanges parse(List<String> entries) {
    List<IPAddress> blocks = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (String entry : entries) {
      for (String part : Objects.requireNonNull(entry, "entry").split(",")) {
        String t = part.strip();
        if (t.isEmpty()) {
          continue;
        }
        IPAddressString s = new IPAddressString(t, STRICT);
        try {
          s.validate();
        } catch (AddressStringException e) {
          throw new IllegalArgumentException("'" + t + "' is not an address or a CIDR such as 192.168.1.0/24");
        }
        IPAddress block = s.getAddress().toPrefixBlock();
        blocks.add(block);
        texts.add(block.toCanonicalString());
      }
    }
    return new AddressRanges(blocks, texts);
  }

  public boolean isEmpty() {
    return blocks.isEmpty();
  }

  /** Whether {@code address} lies in one of the ranges. */
  public boolean contains(InetAddress address) {
    IPAddress a = new IPAddressString(address.getHostAddress()).getAddress();
    if (a == null) {
      return false;
    }
    if (a.isIPv6() && a.isIPv4Convertible()) {
      a = a.toIPv4();
    }
    for (IPAddress b : blocks) {
      if (b.getIPVersion() == a.getIPVersion() && b.contains(a)) {
        return true;
      }
    }
    return false;
  }

  /** The ranges in canonical form, for logs and the API. */
  public List<String> describe() {
    return texts;
  }

  @Override
  public String toString() {
    return texts.isEmpty() ? "(none)" : String.join(",", texts);
  }

  /**
   * Plain addresses with an optional prefix length only: no wildcards, ranges, masks, inet_aton forms or leading
   * zeros ({@code 010.0.0.1} reads as octal to some tools and decimal to others), so a typo cannot widen a range.
   */
  public static IPAddressStringParameters strictParameters() {
    IPAddressStringParameters.Builder builder = new IPAddressStringParameters.Builder()
        .allowEmpty(false).allowAll(false).allowPrefixOnly(false).allowSingleSegment(false).allowMask(false)
        .allow_inet_aton(false).allowWildcardedSeparator(false).setRangeOptions(RangeParameters.NO_RANGE);
    builder.getIPv4AddressParametersBuilder().allowLeadingZeros(false);
    return builder.toParams();
  }
}
