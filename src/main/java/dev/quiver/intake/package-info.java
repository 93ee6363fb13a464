/**
 * Routing records to batches: the task's {@link dev.quiver.intake.SinkWriter}, the memory governor that keeps it
 * within buffer.memory.bytes, one writer per Kafka partition, its open batches by record type and folder, and the
 * appending of each record's row (declared, decoded or inferred schemas, evolution in place). When a batch lands is
 * decided here; how is {@code land/}'s, and which offsets that makes durable is {@code commit/}'s.
 */
package dev.quiver.intake;
