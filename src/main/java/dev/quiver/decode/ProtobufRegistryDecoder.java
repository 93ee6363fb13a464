package dev.quiver.decode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.vector.FieldVector;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;

/**
 * Decodes Protobuf values framed by Confluent's serializer (magic byte 0, a 4-byte schema id, the message-index path
 * as zigzag varints, then the message) whose schemas come from a Schema Registry: the schema id and the index path
 * pick the writer's message ({@link ProtobufRegistrySchemas}), and a {@link ProtobufDecoder} of that message, one per
 * id and path kept for the decoder's life, writes the value straight into the batch's vectors.
 *
 * <p>As with Avro from a registry ({@link AvroDecoder}), the records of one partition may carry different schema ids:
 * {@link #schemaOf} gives one Connect schema object per writer message, which the partition writer merges into its
 * batch's schema with the lattice (cutting the file when they do not merge), and {@link #boundTo} writes each
 * record through its writer's decoder bound to that batch schema.
 *
 * <p>Errors: a value without the framing (wrong magic byte, too short), message indexes that end early or name no
 * message, an unknown schema id (registry 404), a schema that is not Protobuf, and a malformed message are
 * {@link DataException}s; the writer adds topic, partition and offset. A registry no URL reaches is the retriable
 * {@link SchemaRegistryClient.UnavailableException}, thrown before anything is written. Not thread-safe: one per task.
 */
public final class ProtobufRegistryDecoder implements ValueDecoder {
    /** More nesting than any real schema has; a longer path is a corrupt header. */
    private static final int MAX_INDEXES = 64;

    /** One writer message: its schema id, index path and decoder. */
    private static final class Writer {
        final int id;
        final int[] indexes;
        final ProtobufDecoder decoder;

        Writer(int id, int[] indexes, ProtobufDecoder decoder) {
            this.id = id;
            this.indexes = indexes;
            this.decoder = decoder;
        }

        boolean matches(int otherId, int[] path, int count) {
            return id == otherId && Arrays.equals(indexes, 0, indexes.length, path, 0, count);
        }
    }

    private final ProtobufRegistrySchemas schemas;
    /** Every writer seen; few per task, so a scan beats a map whose key would be built per record. */
    private final List<Writer> writers = new ArrayList<>();
    private final RawBytes rawBytes = new RawBytes();
    private final int[] path = new int[MAX_INDEXES];
    private Writer last;
    private Object lastRaw;
    private Schema boundSchema;
    private ValueDecoder bound;

    /** A decoder whose schemas come from {@code registry}. */
    public ProtobufRegistryDecoder(SchemaRegistryClient registry) {
        this.schemas = new ProtobufRegistrySchemas(Objects.requireNonNull(registry, "registry"));
    }

    /** The schema of the last value looked at (there is none before the first): use {@link #schemaOf} per record. */
    @Override
    public Schema valueSchema() {
        if (last == null) {
            throw new IllegalStateException("Protobuf values from a Schema Registry have a schema per record; none"
                    + " seen yet");
        }
        return last.decoder.valueSchema();
    }

    @Override
    public Schema schemaOf(Object raw) {
        return raw == null ? null : writerOf(raw).decoder.valueSchema();
    }

    @Override
    public ValueDecoder boundTo(Schema batchSchema) {
        if (batchSchema != boundSchema) {
            boundSchema = batchSchema;
            bound = new ValueDecoder() {
                @Override
                public Schema valueSchema() {
                    return batchSchema;
                }

                @Override
                public void decode(Object raw, List<FieldVector> columns, int row) {
                    writerOf(raw).decoder.boundTo(batchSchema).decode(raw, columns, row);
                }
            };
        }
        return bound;
    }

    @Override
    public void decode(Object raw, List<FieldVector> columns, int row) {
        writerOf(raw).decoder.decode(raw, columns, row);
    }

    /** The writer a framed value names, fetched and built on first sight of its schema id and index path. */
    private Writer writerOf(Object raw) {
        if (raw == lastRaw && last != null) {
            return last;
        }
        RawBytes value = rawBytes.reset(raw, "a Protobuf decoder");
        int id = ConfluentFrame.schemaId(value.bytes, value.offset, value.length);
        int count = readIndexes(value, id);
        // Consecutive records mostly share a writer.
        Writer writer = last != null && last.matches(id, path, count) ? last : find(id, count);
        if (writer == null) {
            int[] indexes = Arrays.copyOf(path, count);
            ProtobufDecoder decoder;
            try {
                decoder = new ProtobufDecoder(ProtobufRegistrySchemas.message(schemas.file(id), indexes, id),
                        ProtobufDecoder.Framing.CONFLUENT);
            } catch (IllegalArgumentException e) {
                // ProtobufSchemas refuses a message that has no column (no fields): that schema cannot land.
                throw new DataException("schema id " + id + " from the Schema Registry: " + e.getMessage(), e);
            }
            writer = new Writer(id, indexes, decoder);
            writers.add(writer);
        }
        last = writer;
        lastRaw = raw;
        return writer;
    }

    /** Reads the message-index path into {@link #path}; returns its length (an empty list is the path [0]). */
    private int readIndexes(RawBytes value, int id) {
        pos = value.offset + ConfluentFrame.PAYLOAD_OFFSET;
        end = value.offset + value.length;
        try {
            int count = readSInt32(value.bytes);
            if (count < 0 || count > MAX_INDEXES) {
                throw new DataException("value's Confluent header (schema id " + id + ") has " + count
                        + " message indexes, which is not a valid count");
            }
            if (count == 0) {
                path[0] = 0;
                return 1;
            }
            for (int i = 0; i < count; i++) {
                path[i] = readSInt32(value.bytes);
            }
            return count;
        } catch (IOException e) {
            throw new DataException("value's Confluent header (schema id " + id + ") ends inside its message indexes: "
                    + e.getMessage());
        }
    }

    private int pos;
    private int end;

    /** A zigzag varint of at most 5 bytes, read at {@link #pos} without a stream object per record. */
    private int readSInt32(byte[] bytes) throws IOException {
        int raw = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (pos >= end) {
                throw new IOException("the value ends inside a varint");
            }
            byte b = bytes[pos++];
            raw |= (b & 0x7f) << shift;
            if (b >= 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new IOException("a varint longer than 5 bytes");
    }

    private Writer find(int id, int count) {
        for (int i = 0, n = writers.size(); i < n; i++) {
            Writer w = writers.get(i);
            if (w.matches(id, path, count)) {
                return w;
            }
        }
        return null;
    }

    /** The writers seen so far, as "id/index/..", for tests. */
    List<String> knownWriters() {
        List<String> out = new ArrayList<>();
        for (Writer w : writers) {
            StringBuilder b = new StringBuilder().append(w.id);
            for (int index : w.indexes) {
                b.append('/').append(index);
            }
            out.add(b.toString());
        }
        return out;
    }
}
