package dev.quiver.decode;

import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.DataException;

/**
 * Builds the Protobuf file a Schema Registry holds under a schema id, with its imports, and finds a message in it by
 * the message-index path of Confluent's wire format.
 *
 * <p>Each schema is asked for in Confluent's serialized form ({@code GET /schemas/ids/{id}?format=serialized}): a
 * base64 {@code FileDescriptorProto}, so no .proto text parser is needed. Its imports are the schema's
 * {@code references} (name = the import path, subject, version), fetched the same way
 * ({@code GET /subjects/{subject}/versions/{version}?format=serialized}) and built first, recursively; the
 * well-known {@code google/protobuf/*.proto} imports come from protobuf-java's own descriptors, whether referenced or
 * not. Files are cached by schema id and by reference, and never expire (a registered schema never changes).
 *
 * <p>Errors: a schema or reference the registry does not have (404), a schema that is not Protobuf, an import no
 * reference names, a file that does not link, or a message index that is not in the file are {@link DataException}s
 * (the record is bad). A registry answering .proto text instead of the serialized form (one that predates
 * {@code format=serialized}) is a {@link ConnectException} that stops the task with that reason: every record would
 * fail alike, so none is dead-lettered for it. Not thread-safe: one per decoder.
 */
final class ProtobufRegistrySchemas {
    static final String SERIALIZED = "serialized";

    private final SchemaRegistryClient registry;
    private final Map<Integer, FileDescriptor> byId = new HashMap<>();
    private final Map<String, FileDescriptor> byReference = new HashMap<>();

    ProtobufRegistrySchemas(SchemaRegistryClient registry) {
        this.registry = registry;
    }

    /** The file registered under {@code id}, built with its imports. */
    FileDescriptor file(int id) {
        FileDescriptor cached = byId.get(id);
        if (cached != null) {
            return cached;
        }
        String what = "schema id " + id;
        SchemaRegistryClient.RegisteredSchema registered = registry.schema(id, SERIALIZED);
        requireProtobuf(registered, what);
        FileDescriptor file = build(registered, what, null, new HashSet<>());
        byId.put(id, file);
        return file;
    }

    /**
     * The message at {@code indexes} in {@code file}: the first index picks a top-level message, each next one a
     * message nested in the one before, as Confluent's serializer writes them.
     *
     * @throws DataException when the path leads nowhere
     */
    static Descriptor message(FileDescriptor file, int[] indexes, int id) {
        List<Descriptor> level = file.getMessageTypes();
        Descriptor found = null;
        for (int k = 0; k < indexes.length; k++) {
            int index = indexes[k];
            if (index < 0 || index >= level.size()) {
                throw new DataException("value's message indexes " + Arrays.toString(indexes) + " name no message of"
                        + " schema id " + id + " (" + file.getName() + "): " + (found == null ? "the file"
                        : found.getFullName()) + " has " + level.size() + " message" + (level.size() == 1 ? "" : "s")
                        + " there, index " + index + " is out of range");
            }
            found = level.get(index);
            level = found.getNestedTypes();
        }
        if (found == null) {
            throw new DataException("value's message indexes are empty and schema id " + id + " has no message");
        }
        return found;
    }

    private FileDescriptor referenced(SchemaRegistryClient.Reference ref, String from, Set<String> visiting) {
        String key = ref.subject() + '\u0000' + ref.version() + '\u0000' + ref.name();
        FileDescriptor cached = byReference.get(key);
        if (cached != null) {
            return cached;
        }
        if (!visiting.add(key)) {
            throw new DataException(from + " has an import cycle through '" + ref.name() + "'");
        }
        String what = "'" + ref.name() + "' (subject '" + ref.subject() + "' version " + ref.version()
                + "), imported by " + from;
        SchemaRegistryClient.RegisteredSchema registered = registry.referenced(ref, SERIALIZED);
        requireProtobuf(registered, what);
        FileDescriptor file = build(registered, what, ref.name(), visiting);
        visiting.remove(key);
        byReference.put(key, file);
        return file;
    }

    /** Builds one file; {@code importName} renames it to the path its importer names (null for the top file). */
    private FileDescriptor build(SchemaRegistryClient.RegisteredSchema registered, String what, String importName,
            Set<String> visiting) {
        FileDescriptorProto proto = parse(registered.schema(), what);
        if (importName != null && !proto.getName().equals(importName)) {
            // The registry names a file as it likes; linking matches imports by the path the importer wrote.
            proto = proto.toBuilder().setName(importName).build();
        }
        Map<String, SchemaRegistryClient.Reference> refs = new HashMap<>();
        for (SchemaRegistryClient.Reference r : registered.references()) {
            refs.put(r.name(), r);
        }
        FileDescriptor[] dependencies = new FileDescriptor[proto.getDependencyCount()];
        for (int i = 0; i < dependencies.length; i++) {
            String dep = proto.getDependency(i);
            FileDescriptor known = ProtobufSchemas.wellKnown(dep);
            if (known != null) {
                dependencies[i] = known;
                continue;
            }
            SchemaRegistryClient.Reference ref = refs.get(dep);
            if (ref == null) {
                throw new DataException(what + " imports '" + dep + "', but the Schema Registry lists no reference"
                        + " of that name for it");
            }
            dependencies[i] = referenced(ref, what, visiting);
        }
        try {
            return FileDescriptor.buildFrom(proto, dependencies);
        } catch (Descriptors.DescriptorValidationException e) {
            throw new DataException(what + " from the Schema Registry does not link: " + e.getMessage(), e);
        }
    }

    private static void requireProtobuf(SchemaRegistryClient.RegisteredSchema registered, String what) {
        if (!"PROTOBUF".equalsIgnoreCase(registered.schemaType())) {
            throw new DataException(what + " is a " + registered.schemaType() + " schema, but the format is"
                    + " protobuf: the record was not written by a Protobuf serializer");
        }
    }

    /** The FileDescriptorProto of a schema in serialized form. */
    static FileDescriptorProto parse(String schema, String what) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(schema.trim());
        } catch (IllegalArgumentException e) {
            throw notSerialized(what);
        }
        try {
            return FileDescriptorProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw notSerialized(what);
        }
    }

    private static ConnectException notSerialized(String what) {
        return new ConnectException("the Schema Registry answered " + what + " with a schema that is not a base64"
                + " FileDescriptorProto although it was asked for format=serialized; it is probably .proto text from"
                + " a registry that predates that parameter. Quiver reads Protobuf schemas from a registry only in"
                + " serialized form: upgrade the registry, or give value.protobuf.descriptor.set instead");
    }
}
