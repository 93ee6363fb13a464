package dev.quiver.decode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.arrow.vector.FieldVector;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.DataException;

/**
 * Decodes Avro binary straight into a batch's value vectors: no GenericRecord, Struct, Utf8 or String per record
 * (strings and bytes are copied from the input array into the vectors). Columns and types are those of
 * {@link AvroSchemas#toConnect}.
 *
 * <p>Two sources of writer schemas:
 * <ul>
 *   <li>{@link #withSchema}: plain Avro binary, every value written with one schema given in the config;</li>
 *   <li>{@link #withRegistry}: the Confluent wire format ({@link ConfluentFrame}), each value naming its writer
 *       schema by id, fetched from a Schema Registry once per id and kept for the decoder's life.</li>
 * </ul>
 * With a registry, the records of one partition may carry different ids. {@link #schemaOf} gives the Connect schema
 * of one record's writer schema (one object per id, so the batch's identity checks hit); the partition writer merges
 * it into its batch's schema with the lattice, and {@link #boundTo} gives the decoder for that batch, which binds each
 * writer schema to the batch's vectors by field name, writing null where the batch has a field this writer lacks.
 *
 * <p>Errors: a value that is not framed (wrong magic byte, too short), an unknown schema id (registry 404), a
 * truncated value or one with bytes left over are {@link DataException}s naming the field being read; the writer
 * adds topic, partition and offset. A registry that cannot be reached is a
 * {@link org.apache.kafka.connect.errors.RetriableException} from {@link SchemaRegistryClient}, thrown before anything
 * is written. Not thread-safe: one decoder per task.
 */
public final class AvroDecoder implements ValueDecoder {

    /** A writer schema, its Connect schema and its readers per batch. */
    private static final class Writer {
        final int id;
        final org.apache.avro.Schema avro;
        final Schema connect;
        final ColumnBindings<AvroColumns.Node> bindings;

        Writer(int id, org.apache.avro.Schema avro) {
            this.id = id;
            this.avro = avro;
            this.connect = AvroSchemas.toConnect(avro);
            this.bindings = new ColumnBindings<>(columns -> AvroColumns.root(avro, columns));
        }
    }

    private final Writer plain;
    private final SchemaRegistryClient registry;
    private final Map<Integer, Writer> byId = new HashMap<>();
    private final AvroInput in = new AvroInput();
    private final RawBytes rawBytes = new RawBytes();
    /** The writer of the last value looked at, and that value: schemaOf then decode of one record parse it once. */
    private Writer last;
    private Object lastRaw;
    private Schema boundSchema;
    private ValueDecoder bound;

    private AvroDecoder(Writer plain, SchemaRegistryClient registry) {
        this.plain = plain;
        this.registry = registry;
    }

    /**
     * A decoder of plain Avro binary written with {@code schemaJson}.
     *
     * @throws IllegalArgumentException when it is not an Avro schema Quiver can store
     */
    public static AvroDecoder withSchema(String schemaJson) {
        org.apache.avro.Schema avro;
        try {
            avro = new org.apache.avro.Schema.Parser().parse(schemaJson);
        } catch (RuntimeException e) {
            // Avro 1.12 reports an unknown type name as a NullPointerException, not a SchemaParseException.
            throw new IllegalArgumentException("is not an Avro schema: " + e.getMessage(), e);
        }
        try {
            return new AvroDecoder(new Writer(-1, avro), null);
        } catch (DataException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * A decoder of plain Avro binary written with the schema in {@code file} on this worker. No error carries a byte
     * of the file (anyone who can reach the REST API can name a path).
     *
     * @throws IllegalArgumentException when it cannot be read or is not an Avro schema Quiver can store
     */
    public static AvroDecoder withSchemaFile(String file) {
        String text = new String(SettingFiles.read(file, SettingFiles.MAX_SCHEMA_FILE_BYTES),
                java.nio.charset.StandardCharsets.UTF_8);
        try {
            return withSchema(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("is not an Avro schema Quiver can store");
        }
    }

    /** A decoder of Confluent-framed Avro whose writer schemas come from {@code registry}. */
    public static AvroDecoder withRegistry(SchemaRegistryClient registry) {
        return new AvroDecoder(null, Objects.requireNonNull(registry, "registry"));
    }

    /**
     * With a fixed schema, its Connect schema; with a registry, that of the last value looked at (there is no schema
     * before the first): use {@link #schemaOf} per record.
     */
    @Override
    public Schema valueSchema() {
        if (plain != null) {
            return plain.connect;
        }
        if (last == null) {
            throw new IllegalStateException("Avro values from a Schema Registry have a schema per record; none seen yet");
        }
        return last.connect;
    }

    @Override
    public Schema schemaOf(Object raw) {
        if (raw == null) {
            return plain != null ? plain.connect : null;
        }
        return writerOf(raw).connect;
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
                    AvroDecoder.this.decode(raw, columns, row);
                }

                @Override
                public boolean decodedNull() {
                    return AvroDecoder.this.decodedNull();
                }
            };
        }
        return bound;
    }

    @Override
    public void decode(Object raw, List<FieldVector> columns, int row) {
        Writer writer = writerOf(raw);
        AvroColumns.Node root = writer.bindings.forColumns(columns);
        int skip = plain != null ? 0 : ConfluentFrame.PAYLOAD_OFFSET;
        resetInput(raw, skip);
        try {
            root.read(in, row);
        } catch (AvroInput.Malformed e) {
            throw AvroColumns.error(in.field, e.getMessage() + of(writer));
        }
        if (in.remaining() != 0) {
            throw new DataException("value has " + in.remaining() + " bytes left after the Avro datum" + of(writer)
                    + ": it was not written with that schema");
        }
    }

    /**
     * True when the last value decoded was the null member of a top-level union ({@code ["null", record]} keys): its
     * columns were written null, and a key struct must be null itself rather than a struct of nulls.
     */
    @Override
    public boolean decodedNull() {
        return in.rootNull;
    }

    private static String of(Writer writer) {
        return writer.id < 0 ? "" : " (writer schema id " + writer.id + ")";
    }

    /** The writer schema of a value: the fixed one, or the one its Confluent framing names. */
    private Writer writerOf(Object raw) {
        if (plain != null) {
            return plain;
        }
        if (raw == lastRaw && last != null) {
            return last;
        }
        resetInput(raw, 0);
        int id = ConfluentFrame.schemaId(in.buf, in.pos, in.remaining());
        // Consecutive records mostly share an id: no boxed lookup for them.
        Writer writer = last != null && last.id == id ? last : byId.get(id);
        if (writer == null) {
            writer = fetch(id);
            byId.put(id, writer);
        }
        last = writer;
        lastRaw = raw;
        return writer;
    }

    private Writer fetch(int id) {
        SchemaRegistryClient.RegisteredSchema registered = registry.schema(id);
        if (!"AVRO".equalsIgnoreCase(registered.schemaType())) {
            throw new DataException("value names schema id " + id + ", a " + registered.schemaType()
                    + " schema, but value.format=avro reads Avro only");
        }
        org.apache.avro.Schema.Parser parser = new org.apache.avro.Schema.Parser();
        try {
            // Referenced named types first, each once, so the writer schema can name them.
            parseReferences(parser, registered.references(), new HashSet<>());
            return new Writer(id, parser.parse(registered.schema()));
        } catch (org.apache.kafka.connect.errors.RetriableException e) {
            throw e;
        } catch (DataException e) {
            throw new DataException("schema id " + id + " from the Schema Registry: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new DataException("schema id " + id + " from the Schema Registry is not an Avro schema Quiver can"
                    + " read: " + e.getMessage(), e);
        }
    }

    private void parseReferences(org.apache.avro.Schema.Parser parser, List<SchemaRegistryClient.Reference> refs,
            Set<String> seen) {
        for (SchemaRegistryClient.Reference ref : refs) {
            if (!seen.add(ref.subject() + "/" + ref.version())) {
                continue;
            }
            SchemaRegistryClient.RegisteredSchema referenced = registry.referenced(ref);
            parseReferences(parser, referenced.references(), seen);
            parser.parse(referenced.schema());
        }
    }

    private void resetInput(Object raw, int skip) {
        RawBytes value = rawBytes.reset(raw, "an Avro decoder");
        in.reset(value.bytes, value.offset + skip, value.length - skip);
    }

    /** The writer schemas seen so far by id, for tests and logs. */
    List<Integer> knownIds() {
        return new ArrayList<>(byId.keySet());
    }
}
