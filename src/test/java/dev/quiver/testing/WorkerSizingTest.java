package dev.quiver.testing;

import static dev.quiver.testing.WorkerSizing.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** README's sizing rule and {@link WorkerSizing} say the same thing, and its worked examples are the rule's figures. */
class WorkerSizingTest {
    @Test
    void readmeExamplesAreTheRulesFigures() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        long defaults = WorkerSizing.heap(1, 256 * MIB, 2, 8 * MIB, 64 * MIB);
        long issueBudget = WorkerSizing.heap(1, 64 * MIB, 2, 8 * MIB, 64 * MIB);
        assertThat(defaults).isEqualTo(696 * MIB);
        assertThat(issueBudget).isEqualTo(312 * MIB);
        assertThat(readme).contains("the rule asks for a " + defaults / MIB + " MiB heap")
                .contains("`buffer.memory.bytes=67108864`, " + issueBudget / MIB + " MiB");
        // bench/memory.sh's heaps (512m with 200 x 168 folders, 1g with 2,000 x 24) are at least what the rule asks.
        assertThat(512 * MIB).isGreaterThanOrEqualTo(issueBudget);
        assertThat(WorkerSizing.direct(1, 64 * MIB, 2)).isLessThanOrEqualTo(512 * MIB);
    }

    @Test
    void theRowGroupTermIsCappedAtAQuarterOfTheBudgetAndNoFlushThreadsMeansTheTaskThreadEncodes() {
        long small = WorkerSizing.heap(1, 32 * MIB, 2, 8 * MIB, 64 * MIB);
        long smallerGroups = WorkerSizing.heap(1, 32 * MIB, 2, 8 * MIB, 8 * MIB);
        assertThat(small).isEqualTo(smallerGroups);
        assertThat(WorkerSizing.heap(1, 32 * MIB, 0, 8 * MIB, 64 * MIB))
                .isEqualTo(WorkerSizing.heap(1, 32 * MIB, 1, 8 * MIB, 64 * MIB));
        assertThat(WorkerSizing.heap(2, 32 * MIB, 2, 8 * MIB, 64 * MIB) - WorkerSizing.WORKER_BASE_HEAP)
                .isEqualTo(2 * (small - WorkerSizing.WORKER_BASE_HEAP));
    }
}
