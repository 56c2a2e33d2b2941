package io.corral.sim;

import io.vertx.core.Context;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
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
 *
 * <p>With a per-model limit (Ollama's {@code OLLAMA_NUM_PARALLEL} applies per loaded model) a request whose model
 * holds its limit waits while later requests of other models take free slots; within a model the order is FIFO.
 */
final class SlotScheduler {

  private int slots;
  private final int modelSlots;
  private final BitSet busy = new BitSet();
  // per model: slots held, answers written in full (see present()), waiting requests, and the most present at once
  private final Map<String, Integer> busyByModel = new HashMap<>();
  private final Map<String, Integer> answeringByModel = new HashMap<>();
  private final Map<String, Integer> waitingByModel = new HashMap<>();
  private final Map<String, Integer> maxConcurrentByModel = new TreeMap<>();
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
    this(slots, 0);
  }

  /** {@code modelSlots}: how many slots one model may hold at once, 0 for no per-model limit. */
  SlotScheduler(int slots, int modelSlots) {
    this.slots = requireSlots(slots);
    this.modelSlots = requireSlots(modelSlots);
  }

  /** A place in the queue; {@link #leave} removes it while it still waits. */
  static final class Ticket {
    private final Context context;
    private final String model;
    private final Consumer<SlotGrant> onGrant;

    private Ticket(Context context, String model, Consumer<SlotGrant> onGrant) {
      this.context = context;
      this.model = model;
      this.onGrant = onGrant;
    }
  }

  /** As {@link #request(Context, String, Consumer)} for a request whose model does not matter. */
  Ticket request(Context context, Consumer<SlotGrant> onGrant) {
    return request(context, "", onGrant);
  }

  /**
   * Queues a request of {@code model} for a slot. {@code onGrant} runs on {@code context} once a slot is free
   * and every earlier request that could use it got one (FIFO, except past requests of a model at its limit).
   */
  Ticket request(Context context, String model, Consumer<SlotGrant> onGrant) {
    Ticket ticket = new Ticket(Objects.requireNonNull(context), Objects.requireNonNull(model),
        Objects.requireNonNull(onGrant));
    List<Delivery> deliveries;
    synchronized (this) {
      waiting.addLast(ticket);
      waitingByModel.merge(model, 1, Integer::sum);
      maxConcurrent = Math.max(maxConcurrent, present());
      maxConcurrentByModel.merge(model, presentOf(model), Math::max);
      deliveries = grantWhilePossible();
    }
    deliver(deliveries);
    return ticket;
  }

  /** Removes a waiting request (its client left). Returns false if it already got a slot. */
  synchronized boolean leave(Ticket ticket) {
    if (!waiting.remove(ticket)) {
      return false;
    }
    waitingByModel.merge(ticket.model, -1, Integer::sum);
    return true;
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

  /**
   * The most requests of each model present at once (since the last reset), counted as {@code maxConcurrent}
   * is: over the per-model limit only when a balancer sent a model more than the backend runs at once.
   */
  synchronized Map<String, Integer> maxConcurrentByModel() {
    return Map.copyOf(maxConcurrentByModel);
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
    maxConcurrentByModel.clear();
    for (String model : busyByModel.keySet()) {
      maxConcurrentByModel.put(model, presentOf(model));
    }
    for (String model : waitingByModel.keySet()) {
      maxConcurrentByModel.put(model, presentOf(model));
    }
    maxConcurrentByModel.values().removeIf(n -> n == 0);
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

  /** {@link #present()} of one model. Caller holds the lock. */
  private int presentOf(String model) {
    return busyByModel.getOrDefault(model, 0) - answeringByModel.getOrDefault(model, 0)
        + waitingByModel.getOrDefault(model, 0);
  }

  private void release(int slotId, String model, boolean normally, boolean wasAnswered) {
    List<Delivery> deliveries;
    synchronized (this) {
      busy.clear(slotId);
      busyByModel.merge(model, -1, Integer::sum);
      if (wasAnswered) {
        answering--;
        answeringByModel.merge(model, -1, Integer::sum);
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
    Iterator<Ticket> it = waiting.iterator();
    while (!closed && it.hasNext() && busy.cardinality() < slots) {
      Ticket ticket = it.next();
      if (modelSlots > 0 && busyByModel.getOrDefault(ticket.model, 0) >= modelSlots) {
        continue; // its model holds its limit: a later request of another model may take the slot
      }
      it.remove();
      waitingByModel.merge(ticket.model, -1, Integer::sum);
      busyByModel.merge(ticket.model, 1, Integer::sum);
      // There is a free id below `slots`: busy ids below it are at most cardinality() < slots.
      int slotId = busy.nextClearBit(0);
      busy.set(slotId);
      started++;
      maxProcessing = Math.max(maxProcessing, busy.cardinality());
      deliveries.add(new Delivery(ticket, new SlotGrant(slotId, ticket.model)));
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
    private final String model;
    private boolean released;
    private boolean answered;

    private SlotGrant(int slotId, String model) {
      this.slotId = slotId;
      this.model = model;
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
          answeringByModel.merge(model, 1, Integer::sum);
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
      release(slotId, model, normally, answered);
      return true;
    }
  }
}
