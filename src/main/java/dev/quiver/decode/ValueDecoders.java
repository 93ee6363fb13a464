package dev.quiver.decode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Builds the {@link ValueDecoder} that the {@code value.*} settings describe, or none; the same for the record key
 * from the {@code key.*} settings, which have the same shape ({@link #create(String, Spec)} with prefix {@code key}).
 *
 * <ul>
 *   <li>{@code value.format=connect}: none; values land as the converter delivers them.</li>
 *   <li>{@code value.format=json} without a schema: none here; the partition writer streams the JSON into each batch
 *       with a {@link SchemalessJsonDecoder} bound to the batch's inferred schema.</li>
 *   <li>{@code value.format=json} with {@code value.json.schema} or {@code value.json.schema.file}: a
 *       {@link JsonDecoder} of that JSON Schema.</li>
 *   <li>{@code value.format=protobuf}: a {@link ProtobufDecoder} of {@code value.protobuf.message} from the
 *       FileDescriptorSet in {@code value.protobuf.descriptor.set} (base64) or {@code value.protobuf.descriptor.file}
 *       (a path on the worker), framed as {@code value.protobuf.wire.format} says;</li>
 *   <li>{@code value.format=protobuf} with neither descriptor setting but a Schema Registry
 *       ({@code schema.registry.url}): a {@link ProtobufRegistryDecoder}, each value's schema id and message indexes
 *       naming its message.</li>
 * </ul>
 * Every problem is a {@link SettingException} naming the setting at fault, so the config can attach it to that field.
 */
public final class ValueDecoders {

    /** The settings a decoder is built from, as {@link Spec} carries them. */
    public enum Setting { FORMAT, JSON_SCHEMA, JSON_SCHEMA_FILE, DESCRIPTOR_SET, DESCRIPTOR_FILE, MESSAGE, WIRE_FORMAT }

    /**
     * The {@code value.*} (or {@code key.*}) settings; empty strings (or null) mean unset.
     *
     * @param format         connect, json or protobuf
     * @param jsonSchema     a JSON Schema document
     * @param jsonSchemaFile a path on the worker holding one
     * @param descriptorSet  a FileDescriptorSet, base64
     * @param descriptorFile a path on the worker holding one (binary, as protoc writes it)
     * @param message        the fully-qualified message name
     * @param wireFormat     auto, plain or confluent
     * @param registry       true when a Schema Registry is configured (schema.registry.url), which Protobuf reads
     *                       when no descriptor setting is given
     */
    public record Spec(String format, String jsonSchema, String jsonSchemaFile, String descriptorSet,
            String descriptorFile, String message, String wireFormat, boolean registry) {

        /** Without a Schema Registry. */
        public Spec(String format, String jsonSchema, String jsonSchemaFile, String descriptorSet,
                String descriptorFile, String message, String wireFormat) {
            this(format, jsonSchema, jsonSchemaFile, descriptorSet, descriptorFile, message, wireFormat, false);
        }
    }

    /** A setting that cannot work, with the problem. */
    public static final class SettingException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final Setting setting;

        public SettingException(Setting setting, String problem) {
            super(problem);
            this.setting = setting;
        }

        public Setting setting() {
            return setting;
        }
    }

    private ValueDecoders() {
    }

    /**
     * The decoder {@code spec} describes, or null when values are not decoded from raw bytes with a declared schema.
     *
     * @throws SettingException naming the setting at fault
     */
    public static ValueDecoder create(Spec spec) {
        return create("value", spec);
    }

    /**
     * The decoder {@code spec} describes for the part of the record {@code prefix} names ({@code value} or
     * {@code key}), or null when it is not decoded from raw bytes with a declared schema. Messages name the settings
     * with that prefix, e.g. {@code key.protobuf.message}.
     *
     * @throws SettingException naming the setting at fault
     */
    public static ValueDecoder create(String prefix, Spec spec) {
        return create(prefix, spec, null);
    }

    /**
     * As {@link #create(String, Spec)}; a Protobuf decoder reading its schemas from a Schema Registry gets its client
     * from {@code registry}. With {@code registry} null, such settings are only checked and null is returned (for
     * validation, which must not open a client).
     *
     * @throws SettingException naming the setting at fault
     */
    public static ValueDecoder create(String prefix, Spec spec, Supplier<SchemaRegistryClient> registry) {
        String format = text(spec.format()).toLowerCase(Locale.ROOT);
        switch (format) {
            case "":
            case "connect":
                return null;
            case "avro":
                // Built from the avro and schema.registry settings (config/AvroSettings), not from a Spec.
                return null;
            case "json": {
                String schema = jsonSchemaText(prefix, spec);
                if (schema == null) {
                    return null;
                }
                try {
                    return JsonDecoder.fromJsonSchema(schema);
                } catch (IllegalArgumentException e) {
                    throw new SettingException(text(spec.jsonSchema()).isEmpty() ? Setting.JSON_SCHEMA_FILE
                            : Setting.JSON_SCHEMA, e.getMessage());
                }
            }
            case "protobuf": {
                ProtobufDecoder.Framing framing = framing(spec.wireFormat());
                if (spec.registry() && text(spec.descriptorSet()).isEmpty() && text(spec.descriptorFile()).isEmpty()) {
                    checkRegistrySettings(prefix, spec, framing);
                    return registry == null ? null : new ProtobufRegistryDecoder(registry.get());
                }
                List<com.google.protobuf.Descriptors.FileDescriptor> files = descriptorFiles(prefix, spec);
                String message = text(spec.message());
                if (message.isEmpty()) {
                    throw new SettingException(Setting.MESSAGE, "is required with " + prefix + ".format=protobuf: the"
                            + " fully-qualified name of the " + prefix + "'s message, e.g. shop.v1.Order");
                }
                ProtobufDecoder decoder;
                try {
                    decoder = new ProtobufDecoder(ProtobufSchemas.find(files, message), framing);
                } catch (IllegalArgumentException e) {
                    throw new SettingException(Setting.MESSAGE, e.getMessage());
                }
                if (!prefix.equals("value") && decoder.valueSchema().fields().isEmpty()) {
                    // The key is one struct column, and Parquet has no empty groups: say so now, not per record.
                    throw new SettingException(Setting.MESSAGE, "'" + message + "' has no fields, so the " + prefix
                            + " column would be an empty struct, which Parquet cannot store");
                }
                return decoder;
            }
            default:
                throw new SettingException(Setting.FORMAT, "'" + format + "' is not connect, json, protobuf or avro");
        }
    }

    /** With a registry the message and framing come from each value: settings that say otherwise are refused. */
    private static void checkRegistrySettings(String prefix, Spec spec, ProtobufDecoder.Framing framing) {
        if (!text(spec.message()).isEmpty()) {
            throw new SettingException(Setting.MESSAGE, "is not used with a Schema Registry (schema.registry.url):"
                    + " each " + prefix + "'s schema id and message indexes name its message; leave it empty, or give "
                    + prefix + ".protobuf.descriptor.set to read one fixed message");
        }
        if (framing == ProtobufDecoder.Framing.PLAIN) {
            throw new SettingException(Setting.WIRE_FORMAT, "'plain' " + prefix + "s carry no schema id, so the"
                    + " Schema Registry (schema.registry.url) cannot say how to read them; use 'confluent' (or 'auto'),"
                    + " or give " + prefix + ".protobuf.descriptor.set");
        }
    }

    /** The JSON Schema text, or null when none is set. */
    private static String jsonSchemaText(String prefix, Spec spec) {
        String inline = text(spec.jsonSchema());
        String file = text(spec.jsonSchemaFile());
        if (!inline.isEmpty() && !file.isEmpty()) {
            throw new SettingException(Setting.JSON_SCHEMA_FILE, "is set together with " + prefix + ".json.schema;"
                    + " set one");
        }
        if (!inline.isEmpty()) {
            return inline;
        }
        if (!file.isEmpty()) {
            return new String(readFile(file, Setting.JSON_SCHEMA_FILE), StandardCharsets.UTF_8);
        }
        return null;
    }

    private static List<com.google.protobuf.Descriptors.FileDescriptor> descriptorFiles(String prefix, Spec spec) {
        String inline = text(spec.descriptorSet());
        String file = text(spec.descriptorFile());
        if (!inline.isEmpty() && !file.isEmpty()) {
            throw new SettingException(Setting.DESCRIPTOR_FILE, "is set together with " + prefix
                    + ".protobuf.descriptor.set; set one");
        }
        if (inline.isEmpty() && file.isEmpty()) {
            // Keys fall back to the value's descriptor set before they get here (see QuiverSinkConfig).
            String alternatives = prefix + ".protobuf.descriptor.file"
                    + (prefix.equals("value") ? "" : ", or a value.protobuf.descriptor.* holding the message too");
            throw new SettingException(Setting.DESCRIPTOR_SET, "is required with " + prefix + ".format=protobuf (or "
                    + alternatives + ", or schema.registry.url for Confluent-framed " + prefix + "s): the"
                    + " FileDescriptorSet of protoc --include_imports --descriptor_set_out, base64-encoded");
        }
        if (!inline.isEmpty()) {
            return descriptorSet(inline);
        }
        try {
            return ProtobufSchemas.load(readFile(file, Setting.DESCRIPTOR_FILE));
        } catch (IllegalArgumentException e) {
            throw new SettingException(Setting.DESCRIPTOR_FILE, e.getMessage());
        }
    }

    /**
     * The files of a base64 FileDescriptorSet; for the single-field validator of value.protobuf.descriptor.set.
     *
     * @throws SettingException on DESCRIPTOR_SET when it is not base64 or not a descriptor set that links
     */
    public static List<com.google.protobuf.Descriptors.FileDescriptor> descriptorSet(String base64) {
        byte[] bytes;
        try {
            bytes = Base64.getMimeDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new SettingException(Setting.DESCRIPTOR_SET, "is not base64: " + e.getMessage());
        }
        try {
            return ProtobufSchemas.load(bytes);
        } catch (IllegalArgumentException e) {
            throw new SettingException(Setting.DESCRIPTOR_SET, e.getMessage());
        }
    }

    /** For the single-field validator of value.json.schema: the problem with a JSON Schema, or null. */
    public static String jsonSchemaProblem(String schema) {
        if (text(schema).isEmpty()) {
            return null;
        }
        try {
            JsonDecoder.fromJsonSchema(schema);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** auto, plain or confluent. */
    public static ProtobufDecoder.Framing framing(String wireFormat) {
        String text = text(wireFormat);
        try {
            return text.isEmpty() ? ProtobufDecoder.Framing.AUTO : ProtobufDecoder.Framing.parse(text);
        } catch (IllegalArgumentException e) {
            throw new SettingException(Setting.WIRE_FORMAT, "'" + text + "' is not auto, plain or confluent");
        }
    }

    private static byte[] readFile(String file, Setting setting) {
        try {
            return SettingFiles.read(file, setting == Setting.DESCRIPTOR_FILE ? SettingFiles.MAX_DESCRIPTOR_FILE_BYTES
                    : SettingFiles.MAX_SCHEMA_FILE_BYTES);
        } catch (IllegalArgumentException e) {
            throw new SettingException(setting, e.getMessage());
        }
    }

    private static String text(String value) {
        return value == null ? "" : value.trim();
    }
}
