package io.corral.router.proxy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies of one request sent to several backends (hedging) race to their first response byte: the first copy to
 * get one answers the client, every other copy is cancelled at once (its backend sees the connection close, its
 * slot is released). Thread-safe, though the copies of one request normally share its event loop.
 */
public final class FirstByteRace {

  private final Map<Object, Runnable> runners = new LinkedHashMap<>();
  private Object winner;

  /** A copy joins the race; {@code cancel} stops it if another copy wins. */
  public synchronized void enter(Object runner, Runnable cancel) {
    runners.put(runner, cancel);
  }

  /** Whether {@code runner} may answer the client: the first to ask wins, and the others are cancelled. */
  public boolean claim(Object runner) {
    List<Runnable> losers = new ArrayList<>();
    synchronized (this) {
      if (winner != null) {
        return winner == runner;
      }
      winner = runner;
      runners.forEach((r, cancel) -> {
        if (r != runner) {
          losers.add(cancel);
        }
      });
    }
    losers.forEach(Runnable::run); // outside the lock: a cancel completes futures that call back into us
    return true;
  }

  /** Whether some copy has won. */
  public synchronized boolean decided() {
    return winner != null;
  }
}
