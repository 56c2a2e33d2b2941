package io.corral.discovery.scan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ScanRangeTest {

  @ParameterizedTest(name = "{0}: {4}")
  @CsvSource({
      "192.168.1.0/24, 254, 192.168.1.1, 192.168.1.254, network and broadcast addresses are left out",
      "127.0.0.0/29,     6, 127.0.0.1,   127.0.0.6,     network and broadcast addresses are left out",
      "10.0.0.4/31,      2, 10.0.0.4,    10.0.0.5,      a point-to-point /31 has no network or broadcast address",
      "127.0.0.5,        1, 127.0.0.5,   127.0.0.5,     a bare address is a /32"})
  void hostsAreListedInAddressOrderFromTheFirstUsableToTheLastUsable(String cidr, long hosts, String first,
      String last, String why) {
    ScanRange range = ScanRange.parse(cidr);

    assertThat(range.hostCount()).isEqualTo(hosts);
    assertThat(range.host(0)).isEqualTo(first);
    assertThat(range.host(hosts - 1)).isEqualTo(last);
  }

  @Test
  void theRangeIsWrittenBackAsItsBlock() {
    assertThat(ScanRange.parse(" 127.0.0.5 ").cidr()).isEqualTo("127.0.0.5/32");
    assertThat(ScanRange.parse("192.168.1.0/24").cidr()).isEqualTo("192.168.1.0/24");
  }

  @Test
  void anAddressWithAPrefixMeansItsWholeBlock() {
    assertThat(ScanRange.parse("192.168.1.77/24")).isEqualTo(ScanRange.parse("192.168.1.0/24"));
  }

  @Test
  void aSlash16IsTheWidestBlockAcceptedByDefault() {
    assertThat(ScanRange.parse("10.1.0.0/16").hostCount()).isEqualTo(65_534);

    assertThatThrownBy(() -> ScanRange.parse("10.0.0.0/15"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("10.0.0.0/15")
        .hasMessageContaining("131072 addresses")
        .hasMessageContaining("limit of /16 (65536 addresses)");
  }

  @Test
  void theSizeLimitCanBeNarrowed() {
    assertThat(ScanRange.parse("10.0.0.0/25", 25).hostCount()).isEqualTo(126);

    assertThatThrownBy(() -> ScanRange.parse("10.0.0.0/24", 25))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("10.0.0.0/24")
        .hasMessageContaining("limit of /25");
  }

  @Test
  void ipv6IsRefusedSayingThatOnlyIpv4IsScanned() {
    assertThatThrownBy(() -> ScanRange.parse("fd00::/120"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fd00::/120")
        .hasMessageContaining("IPv6 is not supported")
        .hasMessageContaining("IPv4");
  }

  @ParameterizedTest
  @ValueSource(strings = {"300.1.1.0/24", "192.168.1.0/33", "192.168.1.0/", "scan-me", "192.168.1.*",
      "192.168.1.1-20", "10.1", "192.168.01.0/24", "192.168.1.0/255.255.255.0", "/24"})
  void anUnparsableRangeIsRefusedNamingIt(String text) {
    assertThatThrownBy(() -> ScanRange.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + text + "'")
        .hasMessageContaining("IPv4");
  }

  @Test
  void anEmptyRangeIsRefused() {
    assertThatThrownBy(() -> ScanRange.parse("  ")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty scan range");
  }

  @Test
  void aListIsParsedInOrderSkippingBlankEntries() {
    assertThat(ScanRange.parseList("127.0.0.0/30, ,10.0.0.5", 16)).extracting(ScanRange::cidr)
        .containsExactly("127.0.0.0/30", "10.0.0.5/32");
    assertThat(ScanRange.parseList("", 16)).isEmpty();
  }
}
