package dev.quiver.decode;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;

/**
 * Translates a JSON Schema document (a subset of draft 2020-12) into the Connect schema of the rows, once, when the
 * decoder is built.
 *
 * <p>The subset, and what each part becomes:
 * <ul>
 *   <li>{@code "type": "object"} with {@code properties}: a struct, fields in declaration order; {@code required}
 *       lists the keys that must be present. An object with only {@code additionalProperties: {schema}}: a map from
 *       string to that schema.</li>
 *   <li>{@code "type": "array"} with {@code items}: a list.</li>
 *   <li>{@code "integer"}: int64; {@code format} int8, int16, int32 or int64 narrows it.</li>
 *   <li>{@code "number"}: float64; {@code format: "float"} makes it float32.</li>
 *   <li>{@code "string"}: string; {@code format} date-time becomes a timestamp (ms, UTC), date a date, time a time
 *       (ms); {@code contentEncoding: "base64"} makes it bytes.</li>
 *   <li>{@code "boolean"}.</li>
 *   <li>Nullable: {@code "type": ["string", "null"]}, or {@code anyOf}/{@code oneOf} of one schema and
 *       {@code {"type": "null"}} (what pydantic writes for Optional fields).</li>
 *   <li>{@code $ref} to a place in the same document ({@code #/$defs/Address}); a reference cycle is refused, since a
 *       column schema cannot be recursive.</li>
 *   <li>{@code title}, {@code description}, {@code $schema}, {@code $id}, {@code $defs}, {@code definitions},
 *       {@code default}, {@code examples}, {@code enum}, {@code const} and validation keywords such as
 *       {@code minimum} or {@code pattern} are accepted and not enforced.</li>
 * </ul>
 * A field not listed in {@code required} is nullable (absent or null reads as null); a required field whose type
 * does not allow null must be present and non-null. Anything else ({@code allOf}, {@code if}, {@code not},
 * {@code patternProperties}, several non-null types, remote references) is refused with the path at fault, so a
 * schema never silently means something other than what it says.
 */
public final class JsonSchemas {
    /** The deepest schema nesting accepted; the decoder recurses once per level, so this also bounds its stack. */
    public static final int MAX_SCHEMA_DEPTH = 64;

    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(JsonValues.MAX_DEPTH).build())
            .build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final Set<String> UNSUPPORTED = Set.of("allOf", "not", "if", "then", "else", "patternProperties",
            "prefixItems", "dependentSchemas", "unevaluatedProperties", "unevaluatedItems", "$dynamicRef",
            "propertyNames", "contains");

    /** A translated schema: the Connect value schema and the paths of nullable fields that must still be present. */
    public record Declared(Schema schema, Set<String> presentRequired) {
    }

    private final JsonNode root;
    private final Set<String> presentRequired = new HashSet<>();
    private final Set<String> resolving = new LinkedHashSet<>();

    private JsonSchemas(JsonNode root) {
        this.root = root;
    }

    /**
     * Translates {@code document}, a JSON Schema as text.
     *
     * @throws IllegalArgumentException naming the schema path at fault, e.g. {@code properties.items.items}
     */
    public static Declared translate(String document) {
        JsonNode node;
        try {
            node = MAPPER.readTree(document);
        } catch (JsonProcessingException e) {
            // Only where, not what: Jackson's message quotes the text it met, and the document may be a worker file
            // that someone who can call validate() named to read it.
            com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
            throw new IllegalArgumentException("is not valid JSON" + (at == null ? ""
                    : " (at line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("is not a JSON Schema object");
        }
        JsonSchemas translator = new JsonSchemas(node);
        Schema schema = translator.toConnect(node, "", "#", true, 0);
        if (schema.isOptional()) {
            // The value itself is never null here: a null value is a tombstone and never reaches a decoder.
            schema = copyRequired(schema);
        }
        return new Declared(schema, Set.copyOf(translator.presentRequired));
    }

    private Schema toConnect(JsonNode node, String fieldPath, String schemaPath, boolean required, int depth) {
        if (depth > MAX_SCHEMA_DEPTH) {
            throw fail(schemaPath, "nests deeper than " + MAX_SCHEMA_DEPTH + " levels");
        }
        if (!node.isObject()) {
            throw fail(schemaPath, "is not a schema object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String keyword = names.next();
            if (UNSUPPORTED.contains(keyword)) {
                throw fail(schemaPath, "uses '" + keyword + "', which Quiver's JSON Schema subset does not support");
            }
        }
        JsonNode ref = node.get("$ref");
        if (ref != null) {
            return resolveRef(node, ref, fieldPath, schemaPath, required, depth);
        }
        boolean nullable = false;
        JsonNode alternatives = node.has("anyOf") ? node.get("anyOf") : node.get("oneOf");
        if (alternatives != null) {
            return nullableAlternative(node, alternatives, fieldPath, schemaPath, required, depth);
        }
        JsonNode typeNode = node.get("type");
        String type = null;
        if (typeNode == null) {
            type = typeFromEnum(node, schemaPath);
        } else if (typeNode.isTextual()) {
            type = typeNode.asText();
        } else if (typeNode.isArray()) {
            for (JsonNode t : typeNode) {
                if (!t.isTextual()) {
                    throw fail(schemaPath + ".type", "lists a type that is not a string: " + t);
                }
                if (t.asText().equals("null")) {
                    nullable = true;
                } else if (type == null) {
                    type = t.asText();
                } else if (!type.equals(t.asText())) {
                    throw fail(schemaPath + ".type", "allows both " + type + " and " + t.asText()
                            + "; a column has one type (only \"null\" may be added)");
                }
            }
        } else {
            throw fail(schemaPath + ".type", "is neither a string nor an array of strings");
        }
        if (type == null) {
            throw fail(schemaPath, "has no type other than null");
        }
        if (nullable && required) {
            presentRequired.add(fieldPath);
        }
        boolean optional = nullable || !required;
        SchemaBuilder builder = builderFor(node, type, fieldPath, schemaPath, depth);
        if (optional) {
            builder.optional();
        }
        return builder.build();
    }

    private SchemaBuilder builderFor(JsonNode node, String type, String fieldPath, String schemaPath, int depth) {
        String format = node.path("format").asText("");
        switch (type) {
            case "integer":
                switch (format) {
                    case "int8":
                        return SchemaBuilder.int8();
                    case "int16":
                        return SchemaBuilder.int16();
                    case "int32":
                        return SchemaBuilder.int32();
                    case "":
                    case "int64":
                        return SchemaBuilder.int64();
                    default:
                        throw fail(schemaPath + ".format", "'" + format + "' is not an integer format; use int8,"
                                + " int16, int32 or int64");
                }
            case "number":
                switch (format) {
                    case "float":
                        return SchemaBuilder.float32();
                    case "":
                    case "double":
                        return SchemaBuilder.float64();
                    default:
                        throw fail(schemaPath + ".format", "'" + format + "' is not a number format; use float or"
                                + " double");
                }
            case "boolean":
                return SchemaBuilder.bool();
            case "string":
                if (node.has("contentEncoding")) {
                    String encoding = node.get("contentEncoding").asText().toLowerCase(Locale.ROOT);
                    if (!encoding.equals("base64")) {
                        throw fail(schemaPath + ".contentEncoding", "'" + encoding + "' is not supported; use base64");
                    }
                    return SchemaBuilder.bytes();
                }
                switch (format) {
                    case "date-time":
                        return Timestamp.builder();
                    case "date":
                        return Date.builder();
                    case "time":
                        return Time.builder();
                    default:
                        // Other formats (email, uuid, uri, ...) are strings; they are not validated.
                        return SchemaBuilder.string();
                }
            case "array": {
                JsonNode items = node.get("items");
                if (items == null || !items.isObject()) {
                    throw fail(schemaPath, "is an array without an 'items' schema");
                }
                // An element is nullable only when its own type says so: "required" means nothing for elements.
                Schema element = toConnect(items, fieldPath + "[]", schemaPath + ".items", true, depth + 1);
                return SchemaBuilder.array(element);
            }
            case "object":
                return objectBuilder(node, fieldPath, schemaPath, depth);
            case "null":
                throw fail(schemaPath, "has only the type null, which cannot be a column");
            default:
                throw fail(schemaPath + ".type", "'" + type + "' is not a JSON Schema type");
        }
    }

    private SchemaBuilder objectBuilder(JsonNode node, String fieldPath, String schemaPath, int depth) {
        JsonNode properties = node.get("properties");
        JsonNode additional = node.get("additionalProperties");
        if ((properties == null || properties.isEmpty()) && additional != null && additional.isObject()
                && !additional.isEmpty()) {
            Schema value = toConnect(additional, fieldPath + ".value", schemaPath + ".additionalProperties", true,
                    depth + 1);
            return SchemaBuilder.map(Schema.STRING_SCHEMA, value);
        }
        if (properties == null || !properties.isObject() || properties.isEmpty()) {
            throw fail(schemaPath, "is an object with no 'properties' (and no 'additionalProperties' schema for a map);"
                    + " Parquet cannot store a struct without fields");
        }
        Set<String> requiredNames = new HashSet<>();
        JsonNode required = node.get("required");
        if (required != null) {
            if (!required.isArray()) {
                throw fail(schemaPath + ".required", "is not an array of property names");
            }
            for (JsonNode name : required) {
                if (!properties.has(name.asText())) {
                    throw fail(schemaPath + ".required", "lists '" + name.asText() + "', which is not in properties");
                }
                requiredNames.add(name.asText());
            }
        }
        SchemaBuilder struct = SchemaBuilder.struct();
        for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> property = it.next();
            String name = property.getKey();
            String childPath = fieldPath.isEmpty() ? name : fieldPath + "." + name;
            struct.field(name, toConnect(property.getValue(), childPath,
                    schemaPath + ".properties." + name, requiredNames.contains(name), depth + 1));
        }
        return struct;
    }

    private Schema resolveRef(JsonNode node, JsonNode ref, String fieldPath, String schemaPath, boolean required,
            int depth) {
        String pointer = ref.asText();
        if (!pointer.startsWith("#")) {
            throw fail(schemaPath + ".$ref", "'" + pointer + "' is not a reference into this document (#/...)");
        }
        if (!resolving.add(pointer)) {
            throw fail(schemaPath + ".$ref", "'" + pointer + "' refers to itself through " + resolving
                    + "; a recursive schema cannot be a fixed set of columns");
        }
        try {
            JsonNode target = pointer.equals("#") ? root : root.at(pointer.substring(1));
            if (target.isMissingNode()) {
                throw fail(schemaPath + ".$ref", "'" + pointer + "' points at nothing in this document");
            }
            Schema schema = toConnect(target, fieldPath, pointer, required, depth + 1);
            if (node.path("type").isArray()) {
                // {"$ref": ..., "type": [.., "null"]} is not a shape generators write; keep it simple and explicit.
                throw fail(schemaPath, "combines $ref with type; wrap it in anyOf with {\"type\": \"null\"} instead");
            }
            return schema;
        } finally {
            resolving.remove(pointer);
        }
    }

    private Schema nullableAlternative(JsonNode node, JsonNode alternatives, String fieldPath, String schemaPath,
            boolean required, int depth) {
        String keyword = node.has("anyOf") ? "anyOf" : "oneOf";
        List<JsonNode> nonNull = new ArrayList<>();
        boolean hasNull = false;
        for (JsonNode alternative : alternatives) {
            if (alternative.isObject() && alternative.size() == 1 && "null".equals(alternative.path("type").asText())) {
                hasNull = true;
            } else {
                nonNull.add(alternative);
            }
        }
        if (nonNull.size() != 1) {
            throw fail(schemaPath + "." + keyword, "has " + nonNull.size() + " non-null alternatives; only one schema"
                    + " plus {\"type\": \"null\"} is supported, since a column has one type");
        }
        Schema inner = toConnect(nonNull.get(0), fieldPath, schemaPath + "." + keyword, !hasNull && required,
                depth + 1);
        if (hasNull && required) {
            presentRequired.add(fieldPath);
        }
        if (hasNull && !inner.isOptional()) {
            return copyOptional(inner);
        }
        return inner;
    }

    private static String typeFromEnum(JsonNode node, String schemaPath) {
        JsonNode values = node.has("enum") ? node.get("enum") : null;
        if (values != null && values.isArray() && !values.isEmpty()) {
            boolean allText = true;
            for (JsonNode v : values) {
                allText &= v.isTextual() || v.isNull();
            }
            if (allText) {
                return "string";
            }
        }
        if (node.has("const") && node.get("const").isTextual()) {
            return "string";
        }
        throw fail(schemaPath, "has no 'type'");
    }

    private static Schema copyOptional(Schema schema) {
        return copy(schema, true);
    }

    private static Schema copyRequired(Schema schema) {
        return copy(schema, false);
    }

    private static Schema copy(Schema schema, boolean optional) {
        SchemaBuilder builder;
        switch (schema.type()) {
            case STRUCT:
                builder = SchemaBuilder.struct();
                for (org.apache.kafka.connect.data.Field f : schema.fields()) {
                    builder.field(f.name(), f.schema());
                }
                break;
            case ARRAY:
                builder = SchemaBuilder.array(schema.valueSchema());
                break;
            case MAP:
                builder = SchemaBuilder.map(schema.keySchema(), schema.valueSchema());
                break;
            default:
                builder = new SchemaBuilder(schema.type());
                break;
        }
        if (schema.name() != null) {
            builder.name(schema.name());
        }
        if (schema.version() != null) {
            builder.version(schema.version());
        }
        if (schema.parameters() != null) {
            builder.parameters(schema.parameters());
        }
        if (optional) {
            builder.optional();
        }
        return builder.build();
    }

    private static IllegalArgumentException fail(String schemaPath, String problem) {
        return new IllegalArgumentException("schema at '" + schemaPath + "' " + problem);
    }
}
