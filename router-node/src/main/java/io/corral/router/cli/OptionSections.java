package io.corral.router.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Prints a command's options under headings (for {@code corral start}'s sixty-odd flags). An option no section
 * names is printed under "Other" at the end, so none can be lost from the help.
 */
final class OptionSections implements CommandLine.IHelpSectionRenderer {

  /** {@code corral start}'s sections: heading, then the options in the order they are shown. */
  static final Map<String, List<String>> START = sections(
      "Where the member listens", List.of("--config", "--host", "--port", "--advertise", "--event-loops"),
      "The cluster", List.of("--cluster-name", "--cluster-secret-file", "--member-allow", "--insecure-cluster",
          "--interface", "--hazelcast-port", "--join", "--multicast", "--min-cluster-size", "--partition-count",
          "--wire-version"),
      "Backends", List.of("--backend", "--backends-file", "--backend-allow", "--probe-interval",
          "--rpc-check-interval", "--scan-cidr", "--scan-ports", "--scan-interval", "--scan-concurrency",
          "--scan-connect-timeout", "--scan-probe-timeout", "--scan-max-prefix"),
      "Routing and the queue", List.of("--strategy", "--queue-max-depth", "--queue-max-wait", "--queue-aging-credit",
          "--max-retries", "--cold-loads-per-backend", "--cold-wait", "--sticky-conversations", "--hedge-after",
          "--hedge-model", "--breaker-failure-rate", "--breaker-window", "--breaker-minimum-calls",
          "--breaker-cool-down"),
      "Timeouts", List.of("--connect-timeout", "--first-token-timeout", "--idle-timeout", "--drain-timeout",
          "--body-timeout", "--slow-client-timeout"),
      "Security and limits", List.of("--admin-token", "--admin-token-file", "--cors-origin", "--tls-cert",
          "--tls-key", "--max-body-size", "--body-memory", "--header-timeout", "--keep-alive-timeout",
          "--max-connections"),
      "The dashboard", List.of("--dashboard-port", "--dashboard-fallback", "--dashboard-stats-interval",
          "--dashboard-event-sample-rate", "--dashboard-max-events", "--app-stale-after", "--app-remove-after"));

  private final Map<String, List<String>> sections;

  OptionSections(Map<String, List<String>> sections) {
    this.sections = sections;
  }

  /** Makes {@code command}'s help print its options in {@code sections}. */
  static void install(CommandLine command, Map<String, List<String>> sections) {
    Map<String, CommandLine.IHelpSectionRenderer> map = command.getHelpSectionMap();
    map.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST_HEADING, help -> "");
    map.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, new OptionSections(sections));
  }

  @Override
  public String render(Help help) {
    StringBuilder out = new StringBuilder();
    Set<OptionSpec> shown = new LinkedHashSet<>();
    for (Map.Entry<String, List<String>> section : sections.entrySet()) {
      List<OptionSpec> options = new ArrayList<>();
      for (String name : section.getValue()) {
        OptionSpec o = help.commandSpec().findOption(name);
        if (o != null && !o.hidden() && shown.add(o)) {
          options.add(o);
        }
      }
      append(out, help, section.getKey(), options);
    }
    List<OptionSpec> rest = help.commandSpec().options().stream()
        .filter(o -> !o.hidden() && !shown.contains(o)).toList();
    append(out, help, "Other", rest);
    return out.toString();
  }

  private static void append(StringBuilder out, Help help, String heading, List<OptionSpec> options) {
    if (options.isEmpty()) {
      return;
    }
    Help.Layout layout = help.createDefaultLayout();
    for (OptionSpec o : options) {
      layout.addOption(o, help.createDefaultParamLabelRenderer());
    }
    out.append(String.format("%n%s:%n", heading)).append(layout);
  }

  private static Map<String, List<String>> sections(Object... headingThenNames) {
    Map<String, List<String>> m = new LinkedHashMap<>();
    for (int i = 0; i < headingThenNames.length; i += 2) {
      @SuppressWarnings("unchecked")
      List<String> names = (List<String>) headingThenNames[i + 1];
      m.put((String) headingThenNames[i], names);
    }
    return m;
  }
}
