package dev.quiver.intake;

import java.util.concurrent.Future;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * Where a record that cannot be landed goes when the connector tolerates errors: Connect's
 * {@code ErrantRecordReporter}, and through it the dead-letter topic with the reason in its headers.
 */
public interface DeadLetters {

    /** Sends {@code record} with its reason; the future completes once the dead-letter write is acknowledged. */
    Future<Void> report(SinkRecord record, Throwable reason);
}
