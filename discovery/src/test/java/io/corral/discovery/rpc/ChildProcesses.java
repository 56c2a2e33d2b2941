package io.corral.discovery.rpc;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Child processes a test starts, ended in reverse order when the test is done (a coordinator before the
 * rpc-server it uses, as an operator would). Their standard input stays an open pipe: the stand-in coordinators
 * wait on it, so they also end if the JVM dies without closing them.
 */
final class ChildProcesses implements AutoCloseable {

  private final Deque<Process> started = new ArrayDeque<>();

  Process start(List<String> command, Path log) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    started.push(p);
    return p;
  }

  /** Ends the process (SIGTERM, then SIGKILL if it lingers) and waits for it. */
  static void end(Process p) {
    p.destroy();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    while (!started.isEmpty()) {
      end(started.pop());
    }
  }
}
