package io.corral.router.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The measured table of the chaos suite, as Markdown (the table of {@code docs/reliability.md}). Rewritten after
 * every scenario, so a failing run still leaves the rows it measured.
 */
final class ChaosReport {

  /**
   * One scenario's row.
   *
   * @param fault what was done
   * @param clients the client-side tally
   * @param recovery what "recovered" means for this fault
   * @param recoveryMillis the time it took
   * @param leakedSlots leases left in the ledger once the load ended and the bounded wait ran out
   * @param maxOverSubscription the highest ratio, over every backend, of requests present at once to its slots
   */
  record Row(String fault, ClientTally clients, String recovery, long recoveryMillis, int leakedSlots,
      double maxOverSubscription) {}

  private final Path file;
  private final String setup;
  private final List<Row> rows = new ArrayList<>();

  ChaosReport(Path file, String setup) {
    this.file = file;
    this.setup = setup;
  }

  synchronized void add(Row row) {
    rows.add(row);
    try {
      Files.writeString(file, markdown());
    } catch (IOException e) {
      throw new IllegalStateException("cannot write " + file, e);
    }
  }

  synchronized String markdown() {
    StringBuilder md = new StringBuilder();
    md.append(setup).append("\n\n");
    md.append("| fault | requests sent | ok (failed over) | errors before first byte | errors after streaming "
        + "began (error line) | lost on killed member | refused by dead member | time to recover | leaked slots "
        + "| max over-subscription |\n");
    md.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (Row r : rows) {
      ClientTally c = r.clients();
      md.append(String.format(Locale.ROOT, "| %s | %d | %d (%d) | %d | %d (%d) | %d | %d | %s: %d ms | %d | %.2f |%n",
          r.fault(), c.sent(), c.ok(), c.failedOver(), c.beforeFirstByte(), c.afterStreamingBegan(),
          c.streamErrorLines(), c.lostOnKilledMember(), c.refusedByDeadMember(), r.recovery(), r.recoveryMillis(),
          r.leakedSlots(), r.maxOverSubscription()));
    }
    boolean anyErrors = rows.stream().anyMatch(r -> !r.clients().errorDetail().isEmpty());
    if (anyErrors) {
      md.append("\nClient errors on members that stayed up, by cause:\n\n");
      for (Row r : rows) {
        if (!r.clients().errorDetail().isEmpty()) {
          md.append("- ").append(r.fault()).append(": ").append(r.clients().errorDetail()).append('\n');
        }
      }
    }
    return md.toString();
  }
}
