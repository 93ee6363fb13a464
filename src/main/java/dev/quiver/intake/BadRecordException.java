package dev.quiver.intake;

import org.apache.kafka.connect.errors.DataException;

/**
 * A record that cannot be landed. The message names the topic, partition, offset and, where one is at fault, the field,
 * because that is what a person needs to find the record with a console consumer.
 */
public final class BadRecordException extends DataException {
    private static final long serialVersionUID = 1L;

    public BadRecordException(String topic, int partition, long offset, String problem, Throwable cause) {
        super("Bad record at topic '" + topic + "' partition " + partition + " offset " + offset + ": " + problem, cause);
    }
}
