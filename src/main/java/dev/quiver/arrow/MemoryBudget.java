package dev.quiver.arrow;

import java.util.concurrent.atomic.AtomicLong;

import org.apache.arrow.memory.AllocationListener;
import org.apache.arrow.memory.AllocationOutcome;
import org.apache.arrow.memory.OutOfMemoryException;

/**
 * Admits every Arrow allocation of a task against one budget, and keeps an exact count of the bytes held and their
 * peak.
 *
 * <p>Why not read the allocator's own counters: Arrow's accountant adds a request to its total before it checks the
 * limit, and takes it back when the request is refused. A refused request on one thread (a batch that needs to grow
 * while the budget is full, on the task thread) can be counted in the peak that a successful request on another thread
 * (an encoded chunk on a flush thread) records at that moment, so {@code getPeakMemoryAllocation()} can read a few
 * KiB above a limit that no live buffer ever passed. Here a request is admitted by one compare-and-set on the bytes
 * actually held, before Arrow accounts it, so a refused request is never counted and the peak is never above the
 * budget.
 *
 * <p>Install it as the root allocator's listener; child allocators inherit it. The root allocator keeps the same
 * limit as a backstop. Ownership transfers between allocators move bytes without calling a listener, so they are not
 * counted twice here, unlike in Arrow's accountant.
 *
 * <p>Memory that is not an Arrow buffer but grows with what the budget holds is counted here too, so that the budget
 * bounds it: the fixed Java cost of a batch's vectors ({@link #reserve}, refused like an allocation when it does not
 * fit), and encoded bytes that had to go to the heap because the budget was full ({@link #charge}, counted even past
 * the budget: the bytes exist already, and counting them is what keeps the task landing until they are freed).
 * {@link #held()} is then more than the allocator's own count.
 */
public final class MemoryBudget implements AllocationListener {

    private final long budget;
    private final AtomicLong held = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong charged = new AtomicLong();

    /** @param budget the most bytes the allocations may hold at once */
    public MemoryBudget(long budget) {
        if (budget <= 0) {
            throw new IllegalArgumentException("budget must be positive, got " + budget);
        }
        this.budget = budget;
    }

    @Override
    public void onPreAllocation(long size) {
        while (true) {
            long now = held.get();
            long after = now + size;
            if (after > budget || after < 0) {
                // Thrown before Arrow accounts the request, so the caller sees the same exception as from the limit.
                throw new OutOfMemoryException("Arrow memory budget of " + budget + " bytes is full: " + now
                        + " bytes held, " + size + " more requested");
            }
            if (held.compareAndSet(now, after)) {
                peak.accumulateAndGet(after, Math::max);
                return;
            }
        }
    }

    @Override
    public boolean onFailedAllocation(long size, AllocationOutcome outcome) {
        // Admitted here but refused by the allocator's own limit (its accountant may still count a transfer twice):
        // give the admission back, and let the allocator throw.
        held.addAndGet(-size);
        return false;
    }

    @Override
    public void onRelease(long size) {
        held.addAndGet(-size);
    }

    /** The budget of {@code allocator} (whose listener, inherited by child allocators, it is), or null for none. */
    public static MemoryBudget of(org.apache.arrow.memory.BufferAllocator allocator) {
        return allocator.getListener() instanceof MemoryBudget budget ? budget : null;
    }

    /**
     * Counts {@code bytes} of memory outside Arrow buffers against the budget, refused as an allocation would be.
     *
     * @throws OutOfMemoryException when they do not fit; nothing is counted then
     */
    public void reserve(long bytes) {
        onPreAllocation(bytes);
    }

    /**
     * Counts {@code bytes} already taken outside Arrow buffers, even when that passes the budget: while it is over,
     * every allocation is refused, so the task lands and pauses until they are {@link #discharge discharged}. They
     * are in {@link #held()} but not in {@link #peak()}, which stays the peak of what was admitted.
     */
    public void charge(long bytes) {
        charged.addAndGet(bytes);
        held.addAndGet(bytes);
    }

    /** Stops counting {@code bytes} that {@link #charge} counted. */
    public void discharge(long bytes) {
        charged.addAndGet(-bytes);
        held.addAndGet(-bytes);
    }

    /** Stops counting {@code bytes} that {@link #reserve} counted. */
    public void release(long bytes) {
        held.addAndGet(-bytes);
    }

    /** Bytes {@link #charge charged} and not yet discharged: encoded bytes held on the heap. */
    public long charged() {
        return charged.get();
    }

    /** The budget every allocation is admitted against. */
    public long budget() {
        return budget;
    }

    /** Bytes of live Arrow buffers, with the reserved and charged bytes. */
    public long held() {
        return held.get();
    }

    /** The most bytes admitted at once: Arrow buffers and reserved bytes, never above the budget. */
    public long peak() {
        return peak.get();
    }
}
