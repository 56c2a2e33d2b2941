package io.corral.sim;

import io.vertx.core.Context;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A backend's slots and the FIFO of requests waiting for one, like llama-server's deferred queue or Ollama's
 * pending queue.
 *
 * <p>Implementation notes: one lock guards all state, because {@link SimulatedBackend#setSlots} and the stats
 * are used from test threads while requests run on the event loop. Grants are decided under the lock (so the
 * slot count can never be exceeded) and delivered outside it on the waiter's own context. A grant that arrives
 * after its client left is simply cancelled by its receiver. Slot ids are the lowest free ids, so {@code /slots}
 * shows which slot is busy.
 */
final class SlotScheduler {

  private int slots;
  private final BitSet busy = new BitSet();
  private final ArrayDeque<Ticket> waiting = new ArrayDeque<>();
  private int maxProcessing;
  // requests present (see present()): a balancer that over-subscribes shows up here, not in maxProcessing (the
  // excess waits)
  private int maxConcurrent;
  // slots whose answer is already written in full but not yet released (the release follows right after)
  private int answering;
  private long started;
  private long completed;
  private long cancelled;
  private boolean closed;

  SlotScheduler(int slots) {
    this.slots = requireSlots(slots);
  }

  /** A place in the queue; {@link #leave} removes it while it still waits. */
  static final class Ticket {
    private final Context context;
    private final Consumer<SlotGrant> onGrant;

    private Ticket(Context context, Consumer<SlotGrant> onGrant) {
      this.context = context;
      this.onGrant = onGrant;
    }
  }

  /**
   * Queues a request for a slot. {@code onGrant} runs on {@code context} once a slot is free and every earlier
   * request got one (FIFO, no overtaking).
   */
  Ticket request(Context context, Consumer<SlotGrant> onGrant) {
    Ticket ticket = new Ticket(Objects.requireNonNull(context), Objects.requireNonNull(onGrant));
    List<Delivery> deliveries;
    synchronized (this) {
      waiting.addLast(ticket);
      maxConcurrent = Math.max(maxConcurrent, present());
      deliveries = grantWhilePossible();
    }
    deliver(deliveries);
    return ticket;
  }

  /** Removes a waiting request (its client left). Returns false if it already got a slot. */
  synchronized boolean leave(Ticket ticket) {
    return waiting.remove(ticket);
  }

  /** Changes the capacity. Shrinking never interrupts a running request; growing serves waiters at once. */
  void setSlots(int n) {
    List<Delivery> deliveries;
    synchronized (this) {
      slots = requireSlots(n);
      deliveries = grantWhilePossible();
    }
    deliver(deliveries);
  }

  /**
   * Stops granting: the backend is shutting down, and a waiter must not get a slot freed by a connection that
   * is being closed only to be closed itself a moment later.
   */
  synchronized void close() {
    closed = true;
  }

  synchronized int slots() {
    return slots;
  }

  /** For {@code /slots}: whether each slot id below the capacity is processing. */
  synchronized List<Boolean> slotsProcessing() {
    List<Boolean> result = new ArrayList<>(slots);
    for (int id = 0; id < slots; id++) {
      result.add(busy.get(id));
    }
    return result;
  }

  synchronized SimStats stats() {
    return new SimStats(busy.cardinality(), waiting.size(), maxProcessing, maxConcurrent, started, completed,
        cancelled);
  }

  /**
   * Zeroes the counters; the live gauges (processing, waiting) stay and {@code maxProcessing} and
   * {@code maxConcurrent} restart from now.
   */
  synchronized void resetStats() {
    maxProcessing = busy.cardinality();
    maxConcurrent = present();
    started = 0;
    completed = 0;
    cancelled = 0;
  }

  /**
   * Requests present: waiting, or holding a slot and not yet answered. A request whose last byte has been written
   * no longer counts, even though its slot is freed a moment later: the client (a balancer) may see the end and
   * send the next request before this thread gets to the release (on a busy machine the thread can be preempted
   * in between), and that must not count as over-subscription. Caller holds the lock.
   */
  private int present() {
    return busy.cardinality() - answering + waiting.size();
  }

  private void release(int slotId, boolean normally, boolean wasAnswered) {
    List<Delivery> deliveries;
    synchronized (this) {
      busy.clear(slotId);
      if (wasAnswered) {
        answering--;
      }
      if (normally) {
        completed++;
      } else {
        cancelled++;
      }
      deliveries = grantWhilePossible();
    }
    deliver(deliveries);
  }

  private record Delivery(Ticket ticket, SlotGrant grant) {}

  // Caller holds the lock.
  private List<Delivery> grantWhilePossible() {
    List<Delivery> deliveries = new ArrayList<>();
    while (!closed && !waiting.isEmpty() && busy.cardinality() < slots) {
      Ticket ticket = waiting.removeFirst();
      // There is a free id below `slots`: busy ids below it are at most cardinality() < slots.
      int slotId = busy.nextClearBit(0);
      busy.set(slotId);
      started++;
      maxProcessing = Math.max(maxProcessing, busy.cardinality());
      deliveries.add(new Delivery(ticket, new SlotGrant(slotId)));
    }
    return deliveries;
  }

  private static void deliver(List<Delivery> deliveries) {
    for (Delivery d : deliveries) {
      d.ticket.context.runOnContext(v -> d.ticket.onGrant.accept(d.grant));
    }
  }

  private static int requireSlots(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("slots must be >= 0, was " + n);
    }
    return n;
  }

  /** One held slot, released exactly once: the first of {@link #complete} or {@link #cancel} wins. */
  final class SlotGrant {
    private final int slotId;
    private boolean released;
    private boolean answered;

    private SlotGrant(int slotId) {
      this.slotId = slotId;
    }

    int slotId() {
      return slotId;
    }

    /**
     * The answer is about to be written in full (call it just before the final write, then {@link #complete}):
     * from now on the request no longer counts as present for {@code maxConcurrent}.
     */
    void answered() {
      synchronized (SlotScheduler.this) {
        if (!released && !answered) {
          answered = true;
          answering++;
        }
      }
    }

    /** The response ended normally. Returns false if the slot was already released. */
    boolean complete() {
      return releaseOnce(true);
    }

    /** The client went away (or the stream was cut). Returns false if the slot was already released. */
    boolean cancel() {
      return releaseOnce(false);
    }

    private boolean releaseOnce(boolean normally) {
      synchronized (SlotScheduler.this) {
        if (released) {
          return false;
        }
        released = true;
      }
      release(slotId, normally, answered);
      return true;
    }
  }
}
