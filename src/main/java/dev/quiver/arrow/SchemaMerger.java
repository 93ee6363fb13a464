package dev.quiver.arrow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * Merges two Connect schemas into one that holds the values of both, so that compatible schema versions share a batch
 * (and a file) instead of each switch starting a new one.
 *
 * <p>The lattice, applied at any depth:
 * <ul>
 *   <li>struct ∪ struct: the union of the fields, a field missing on one side optional; declared schemas keep
 *       first-seen order, inferred ones name order;</li>
 *   <li>int8 ⊂ int16 ⊂ int32 ⊂ int64, float32 ⊂ float64, and int8..int32 ⊂ float64 (all exact);</li>
 *   <li>int64 ∪ float → float64 only for inferred (schemaless) data, because doubles hold integers exactly only up to
 *       2^53; a declared schema that does this is a change that cannot merge;</li>
 *   <li>decimals of one scale merge to the larger precision; arrays and maps merge element-wise;</li>
 *   <li>optional ∪ required is optional; the unknown type of an all-null inferred value merges into anything.</li>
 * </ul>
 * Anything else cannot merge: declared schemas then start a new file, inferred ones fall back to {@link JsonText}.
 */
public final class SchemaMerger {

    /** How to treat two types that do not merge. */
    public enum Mode {
        /** Declared schemas: report the conflict, the caller starts a new file. */
        STRICT,
        /** Inferred schemas: keep the values as JSON text, never drop them. */
        LENIENT
    }

    /** Two schemas that cannot share a batch; the message says where and why. */
    public static final class IncompatibleSchemaException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        IncompatibleSchemaException(String message) {
            super(message);
        }
    }

    /** The schema of a value that was null everywhere so far: it merges into any type. */
    public static final Schema UNKNOWN = SchemaBuilder.string().name("dev.quiver.Unknown").optional().build();

    private SchemaMerger() {
    }

    /**
     * The merge of {@code current} and {@code incoming}.
     *
     * @throws IncompatibleSchemaException in {@link Mode#STRICT} when a type changes beyond widening
     */
    public static Schema merge(Schema current, Schema incoming, Mode mode) {
        return merge(current, incoming, mode, "");
    }

    private static Schema merge(Schema a, Schema b, Mode mode, String path) {
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        if (a == b) {
            return a;
        }
        if (isUnknown(a)) {
            return optionalIf(b, a.isOptional());
        }
        if (isUnknown(b)) {
            return optionalIf(a, b.isOptional());
        }
        boolean optional = a.isOptional() || b.isOptional();
        if (JsonText.is(a) || JsonText.is(b)) {
            if (JsonText.is(a) && JsonText.is(b)) {
                return optionalIf(a, optional);
            }
            return conflict(a, b, mode, path);
        }
        if (!Objects.equals(a.name(), b.name()) && (isLogical(a) || isLogical(b))) {
            return conflict(a, b, mode, path);
        }
        if (a.type() == b.type()) {
            switch (a.type()) {
                case STRUCT:
                    return mergeStructs(a, b, mode, path, optional);
                case ARRAY: {
                    Schema element = merge(a.valueSchema(), b.valueSchema(), mode, path + "[]");
                    if (element == a.valueSchema() && optional == a.isOptional()) {
                        return a;
                    }
                    return finish(SchemaBuilder.array(element), a, optional);
                }
                case MAP: {
                    Schema key = merge(a.keySchema(), b.keySchema(), mode, path + ".key");
                    Schema value = merge(a.valueSchema(), b.valueSchema(), mode, path + ".value");
                    if (key == a.keySchema() && value == a.valueSchema() && optional == a.isOptional()) {
                        return a;
                    }
                    return finish(SchemaBuilder.map(key, value), a, optional);
                }
                case BYTES:
                    if (Decimal.LOGICAL_NAME.equals(a.name())) {
                        return mergeDecimals(a, b, mode, path, optional);
                    }
                    return optionalIf(a, optional);
                default:
                    return optionalIf(a, optional);
            }
        }
        Schema.Type wider = widen(a.type(), b.type(), mode);
        if (wider == null || isLogical(a) || isLogical(b)) {
            return conflict(a, b, mode, path);
        }
        return optionalIf(wider == a.type() ? a : primitive(wider), optional);
    }

    private static Schema mergeStructs(Schema a, Schema b, Mode mode, String path, boolean optional) {
        Map<String, Schema> fields = new LinkedHashMap<>();
        boolean changed = optional != a.isOptional();
        for (Field fa : a.fields()) {
            Field fb = b.field(fa.name());
            String fieldPath = path.isEmpty() ? fa.name() : path + "." + fa.name();
            Schema merged = fb == null ? optionalIf(fa.schema(), true) : merge(fa.schema(), fb.schema(), mode, fieldPath);
            changed |= merged != fa.schema();
            fields.put(fa.name(), merged);
        }
        for (Field fb : b.fields()) {
            if (!fields.containsKey(fb.name())) {
                fields.put(fb.name(), optionalIf(fb.schema(), true));
                changed = true;
            }
        }
        if (mode == Mode.LENIENT) {
            // Inferred fields are in name order, so the columns depend only on the batch's schema and never on which
            // record brought a field first: positional readers (Hive, Trino by index) see one order in every file.
            Map<String, Schema> sorted = new java.util.TreeMap<>(fields);
            changed |= !new ArrayList<>(sorted.keySet()).equals(new ArrayList<>(fields.keySet()));
            fields = sorted;
        }
        if (!changed) {
            return a;
        }
        SchemaBuilder builder = SchemaBuilder.struct();
        fields.forEach(builder::field);
        return finish(builder, a, optional);
    }

    private static Schema mergeDecimals(Schema a, Schema b, Mode mode, String path, boolean optional) {
        String scaleA = a.parameters().get(Decimal.SCALE_FIELD);
        String scaleB = b.parameters().get(Decimal.SCALE_FIELD);
        if (!scaleA.equals(scaleB)) {
            return conflict(a, b, mode, path);
        }
        String pa = a.parameters().get(ArrowSchemas.DECIMAL_PRECISION_PARAMETER);
        String pb = b.parameters().get(ArrowSchemas.DECIMAL_PRECISION_PARAMETER);
        // No declared precision means the widest, so it wins.
        String precision = pa == null || pb == null ? null
                : Integer.toString(Math.max(Integer.parseInt(pa), Integer.parseInt(pb)));
        if (Objects.equals(precision, pa) && optional == a.isOptional()) {
            return a;
        }
        SchemaBuilder builder = Decimal.builder(Integer.parseInt(scaleA));
        if (precision != null) {
            builder.parameter(ArrowSchemas.DECIMAL_PRECISION_PARAMETER, precision);
        }
        return optional ? builder.optional().build() : builder.build();
    }

    private static Schema.Type widen(Schema.Type a, Schema.Type b, Mode mode) {
        int ia = intRank(a);
        int ib = intRank(b);
        if (ia > 0 && ib > 0) {
            return ia >= ib ? a : b;
        }
        boolean aFloat = a == Schema.Type.FLOAT32 || a == Schema.Type.FLOAT64;
        boolean bFloat = b == Schema.Type.FLOAT32 || b == Schema.Type.FLOAT64;
        if (aFloat && bFloat) {
            return Schema.Type.FLOAT64;
        }
        if ((aFloat && ib > 0) || (bFloat && ia > 0)) {
            int rank = Math.max(ia, ib);
            // int64 in a double is exact only up to 2^53: accepted for inferred data, refused for declared schemas.
            return rank < 4 || mode == Mode.LENIENT ? Schema.Type.FLOAT64 : null;
        }
        return null;
    }

    private static int intRank(Schema.Type t) {
        switch (t) {
            case INT8:
                return 1;
            case INT16:
                return 2;
            case INT32:
                return 3;
            case INT64:
                return 4;
            default:
                return 0;
        }
    }

    private static Schema conflict(Schema a, Schema b, Mode mode, String path) {
        if (mode == Mode.LENIENT) {
            return JsonText.SCHEMA;
        }
        throw new IncompatibleSchemaException("field '" + (path.isEmpty() ? "<value>" : path) + "' changes from "
                + describe(a) + " to " + describe(b) + ", which no column type holds both of");
    }

    static String describe(Schema s) {
        return isLogical(s) ? s.name() : s.type().toString();
    }

    private static boolean isLogical(Schema s) {
        String name = s.name();
        return name != null && (name.equals(Decimal.LOGICAL_NAME)
                || name.equals(org.apache.kafka.connect.data.Date.LOGICAL_NAME)
                || name.equals(org.apache.kafka.connect.data.Time.LOGICAL_NAME)
                || name.equals(org.apache.kafka.connect.data.Timestamp.LOGICAL_NAME)
                || ArrowSchemas.isLongTime(name));
    }

    /** True for {@link #UNKNOWN}. */
    public static boolean isUnknown(Schema s) {
        return UNKNOWN.name().equals(s.name());
    }

    private static Schema primitive(Schema.Type type) {
        return SchemaBuilder.type(type).build();
    }

    /** {@code s}, made optional when {@code optional} is set and it is not already. */
    public static Schema optionalIf(Schema s, boolean optional) {
        if (!optional || s.isOptional()) {
            return s;
        }
        SchemaBuilder builder;
        switch (s.type()) {
            case STRUCT:
                builder = SchemaBuilder.struct();
                for (Field f : s.fields()) {
                    builder.field(f.name(), f.schema());
                }
                break;
            case ARRAY:
                builder = SchemaBuilder.array(s.valueSchema());
                break;
            case MAP:
                builder = SchemaBuilder.map(s.keySchema(), s.valueSchema());
                break;
            default:
                builder = SchemaBuilder.type(s.type());
        }
        return finish(builder, s, true);
    }

    /** Copies name, version, doc and parameters of {@code like} and sets optionality. */
    private static Schema finish(SchemaBuilder builder, Schema like, boolean optional) {
        if (like.name() != null) {
            builder.name(like.name());
        }
        if (like.version() != null) {
            builder.version(like.version());
        }
        if (like.doc() != null) {
            builder.doc(like.doc());
        }
        if (like.parameters() != null && !like.parameters().isEmpty()) {
            builder.parameters(like.parameters());
        }
        if (optional) {
            builder.optional();
        }
        return builder.build();
    }

    /** The top-level fields of a struct schema, made optional: the value columns of a batch that holds tombstones. */
    public static Schema allFieldsOptional(Schema struct) {
        if (struct.type() != Schema.Type.STRUCT) {
            return optionalIf(struct, true);
        }
        List<Field> fields = new ArrayList<>(struct.fields());
        SchemaBuilder builder = SchemaBuilder.struct();
        boolean changed = false;
        for (Field f : fields) {
            Schema optional = optionalIf(f.schema(), true);
            changed |= optional != f.schema();
            builder.field(f.name(), optional);
        }
        return changed ? finish(builder, struct, struct.isOptional()) : struct;
    }
}
