package io.corral.router.time;

/**
 * The request path's clock: monotonic nanoseconds for durations and deadlines, and wall-clock milliseconds where a
 * time is shown or compared across members. The request path takes it injected and never reads the system clock
 * itself ({@code ArchitectureTest}), so a test can set the time instead of sleeping through it.
 */
public interface Ticker {

  /** The system's clocks ({@link System#nanoTime()}, {@link System#currentTimeMillis()}). */
  Ticker SYSTEM = new Ticker() {
    @Override
    public long nanoTime() {
      return System.nanoTime();
    }

    @Override
    public long currentTimeMillis() {
      return System.currentTimeMillis();
    }
  };

  long nanoTime();

  long currentTimeMillis();
}
