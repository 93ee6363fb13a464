package dev.quiver.decode;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;

/**
 * The tree of readers that {@link JsonDecoder} (a declared schema) and {@link SchemalessJsonDecoder} (an inferred one)
 * build over a batch's value columns: one {@link Node} per column, taking Jackson's tokens straight into its vector.
 * The shape is the same for both, so it lives here: binding the root, structs (field lookup by name, missing fields,
 * the path of each field), lists and JSON null. The leaves are each decoder's own ({@link #leaf}), with its coercions,
 * and so is what a token that does not fit means ({@link Mismatch}): a bad record with a reason for a declared schema,
 * a cheap misfit that widens the schema for an inferred one.
 *
 * <p>The hot path costs what the two separate trees cost: one call per node and value, no allocation per token; the
 * {@link Mismatch} is consulted only when a token does not fit.
 */
abstract class JsonTree {
    /**
     * The parser settings of {@link JsonValues}: its depth limit (which, with the schema's, keeps the readers'
     * recursion shallow) and its duplicate-key check (so a struct never reads a field twice).
     */
    static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(JsonValues.MAX_DEPTH).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /**
     * {@link #FACTORY} without Jackson's duplicate-key check, which costs a hash set and an entry per key of every
     * object (the largest allocation of a decoded record in the worker's profile). A decoder reads a document with it
     * first: the struct readers catch a repeated field themselves with their seen-flags ({@link #DUPLICATE}), and
     * whatever reads an object outside them (a skipped unknown field, JSON text, a map) marks the read
     * {@link #unchecked}. A read that fails in any way, or ends unchecked, is done again with {@link #FACTORY}, whose
     * outcome stands: the errors, and which error wins, stay exactly Jackson's.
     */
    static final JsonFactory FAST = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(JsonValues.MAX_DEPTH).build())
            .disable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /**
     * A struct reader met one of its fields twice in a {@link #FAST} read: the strict read reports it. Thrown only
     * under FAST, never leaves the decoder, so it carries no stack trace.
     */
    static final RuntimeException DUPLICATE = new RuntimeException("duplicate key, to be read again strictly", null,
            false, false) {
        private static final long serialVersionUID = 1L;
    };

    /**
     * Set by a reader that consumed an object (or a container that may hold one) without checking its keys; the
     * decoder then reads the document again with {@link #FACTORY}. The decoder clears it before each read.
     */
    boolean unchecked;

    /**
     * What a decoder makes of what its schema does not expect at a struct, a list or a JSON null (the leaves apply
     * their decoder's rules themselves). The caller throws the exceptions returned; the void methods throw, or return
     * to go on reading.
     */
    interface Mismatch {
        /** A JSON null where the schema allows none. */
        RuntimeException nullValue(JsonParser p);

        /** A value of another kind than the node reads; {@code expected} is "an object" or "an array". */
        RuntimeException wrongToken(JsonParser p, String expected, JsonToken token);

        /** A key the struct has no field for, the parser on the key: skips its value, or throws. */
        void unknownField(JsonParser p) throws IOException;

        /** An object without a single key where a struct is bound: goes on, or throws. */
        void emptyObject(JsonParser p);

        /** The field {@code name}, which must be present, is not in the object the parser has just ended. */
        RuntimeException missingField(JsonParser p, String name);
    }

    private final Mismatch mismatch;

    JsonTree(Mismatch mismatch) {
        this.mismatch = Objects.requireNonNull(mismatch, "mismatch");
    }

    /** The reader of {@code s}, or null when it is a struct or an array, which {@link #create} builds. */
    abstract Node leaf(Schema s, FieldVector vector, String path);

    /** Whether {@code field}, at {@code path}, must be in every object of its struct. */
    abstract boolean mustBePresent(Field field, String path);

    /** The root reader over a batch's value columns: one per field of a struct {@code schema}, else one. */
    final Node root(Schema schema, List<FieldVector> columns) {
        if (schema.type() == Schema.Type.STRUCT) {
            List<Field> fields = schema.fields();
            if (columns.size() != fields.size()) {
                throw new IllegalStateException("expected " + fields.size() + " value columns, got " + columns.size());
            }
            return new StructNode(this, schema, null, columns, "");
        }
        if (columns.size() != 1) {
            throw new IllegalStateException("expected one value column, got " + columns.size());
        }
        return create(schema, columns.get(0), "value");
    }

    /** The reader of {@code s} over {@code vector}; {@code path} names the field, as {@code items[].price}. */
    final Node create(Schema s, FieldVector vector, String path) {
        Node leaf = leaf(s, vector, path);
        if (leaf != null) {
            return leaf;
        }
        switch (s.type()) {
            case STRUCT: {
                StructVector struct = (StructVector) vector;
                List<FieldVector> children = new ArrayList<>();
                for (int i = 0; i < s.fields().size(); i++) {
                    children.add((FieldVector) struct.getChildByOrdinal(i));
                }
                return new StructNode(this, s, struct, children, path);
            }
            case ARRAY: {
                ListVector list = (ListVector) vector;
                return new ListNode(s.isOptional(), mismatch, list,
                        create(s.valueSchema(), list.getDataVector(), path + "[]"));
            }
            default:
                throw new IllegalStateException("unsupported " + s.type());
        }
    }

    /** The first token of the array's next element, or null at the end of the array. */
    static JsonToken nextElement(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == JsonToken.END_ARRAY) {
            return null;
        }
        if (t == null) {
            throw JsonDecoder.fail(p, "ends before its array does");
        }
        return t;
    }

    /** Closes {@code parser} if it was opened; its failure to close loses nothing. */
    static void close(JsonParser parser) {
        if (parser != null) {
            try {
                parser.close();
            } catch (IOException ignored) {
                // nothing to release but recycled buffers
            }
        }
    }

    /** A reader of one column, writing at a given index. */
    abstract static class Node {
        final boolean nullable;
        final Mismatch mismatch;

        Node(boolean nullable, Mismatch mismatch) {
            this.nullable = nullable;
            this.mismatch = mismatch;
        }

        /** Reads the value whose first token is {@code token} (not VALUE_NULL) into index {@code i}. */
        abstract void read(JsonParser p, JsonToken token, int i) throws IOException;

        /** Writes null at {@code i}; containers null their children too, so every vector of the row is written. */
        abstract void writeNull(int i);

        final void readOrNull(JsonParser p, JsonToken token, int i) throws IOException {
            if (token == JsonToken.VALUE_NULL) {
                if (!nullable) {
                    throw mismatch.nullValue(p);
                }
                writeNull(i);
            } else {
                read(p, token, i);
            }
        }
    }

    /** A reader of a single vector: its null is the vector's. */
    abstract static class Leaf<V extends FieldVector> extends Node {
        final V vector;

        Leaf(boolean nullable, Mismatch mismatch, V vector) {
            super(nullable, mismatch);
            this.vector = vector;
        }

        @Override
        final void writeNull(int i) {
            // Through the two base classes, whose setNull has no override, the calls bind statically; one call
            // through FieldVector, shared by every kind of leaf, would be a megamorphic interface dispatch per null.
            if (vector instanceof BaseFixedWidthVector) {
                ((BaseFixedWidthVector) vector).setNull(i);
            } else if (vector instanceof BaseVariableWidthVector) {
                ((BaseVariableWidthVector) vector).setNull(i);
            } else {
                vector.setNull(i);
            }
        }
    }

    /** A struct: the root (vector null, one column per field) or a nested one. */
    static final class StructNode extends Node {
        /** Null at the root, whose fields are the batch's columns. */
        private final StructVector vector;
        private final JsonTree tree;
        private final String[] names;
        private final Node[] children;
        private final boolean[] mustBePresent;
        private final boolean[] seen;
        private final Map<String, Integer> index;
        /**
         * Which field followed field k - 1 in the last object ({@code next[0]}: which came first); at first the
         * schema's order. Inferred columns are sorted by name but documents keep their producer's order, so the
         * order seen last predicts the next object's.
         */
        private final int[] next;
        /** The keys without a field in the object being read, for the duplicate check of a {@link #FAST} read. */
        private final String[] unknownNames = new String[8];

        StructNode(JsonTree tree, Schema s, StructVector vector, List<FieldVector> columns, String path) {
            super(s.isOptional(), tree.mismatch);
            this.vector = vector;
            this.tree = tree;
            List<Field> fields = s.fields();
            int n = fields.size();
            this.names = new String[n];
            this.children = new Node[n];
            this.mustBePresent = new boolean[n];
            this.seen = new boolean[n];
            this.index = new HashMap<>(n * 2);
            this.next = new int[n + 1];
            for (int k = 0; k < n; k++) {
                next[k] = k;
                Field f = fields.get(k);
                String childPath = path.isEmpty() ? f.name() : path + "." + f.name();
                // Interned, as Jackson's field names are, so the predicted-field check below is one comparison.
                names[k] = f.name().intern();
                children[k] = tree.create(f.schema(), columns.get(k), childPath);
                mustBePresent[k] = tree.mustBePresent(f, childPath);
                index.put(names[k], k);
            }
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) throws IOException {
            if (token != JsonToken.START_OBJECT) {
                throw mismatch.wrongToken(p, "an object", token);
            }
            if (vector != null) {
                vector.setIndexDefined(i);
            }
            boolean[] seen = this.seen;
            Arrays.fill(seen, false);
            String[] names = this.names;
            int[] next = this.next;
            int previous = 0;
            int unknown = 0;
            JsonToken t = p.nextToken();
            if (t != JsonToken.FIELD_NAME) {
                mismatch.emptyObject(p);
            }
            for (; t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String name = p.currentName();
                int k = next[previous];
                if (k >= names.length || names[k] != name) {
                    Integer found = index.get(name);
                    if (found == null) {
                        unknown = unknown(name, unknown);
                        mismatch.unknownField(p);
                        JsonToken skipped = p.currentToken();
                        if (skipped == JsonToken.END_OBJECT || skipped == JsonToken.END_ARRAY) {
                            // Skipped unread: its keys were not checked here.
                            tree.unchecked = true;
                        }
                        continue;
                    }
                    k = found;
                    next[previous] = k;
                }
                if (seen[k]) {
                    // Only under FAST: the strict parser refuses the key before it gets here.
                    throw DUPLICATE;
                }
                seen[k] = true;
                previous = k + 1;
                children[k].readOrNull(p, p.nextToken(), i);
            }
            for (int k = 0; k < seen.length; k++) {
                if (!seen[k]) {
                    if (mustBePresent[k]) {
                        throw mismatch.missingField(p, names[k]);
                    }
                    children[k].writeNull(i);
                }
            }
        }

        /**
         * Notes a key the struct has no field for, the {@code count}-th of this object, and returns the new count; a
         * key met twice, or more such keys than are kept, leaves the object {@link #unchecked}.
         */
        private int unknown(String name, int count) {
            String[] kept = unknownNames;
            for (int u = 0; u < count && u < kept.length; u++) {
                if (kept[u].equals(name)) {
                    tree.unchecked = true;
                }
            }
            if (count < kept.length) {
                kept[count] = name;
            } else {
                tree.unchecked = true;
            }
            return count + 1;
        }

        @Override
        void writeNull(int i) {
            if (vector != null) {
                vector.setNull(i);
            }
            for (Node child : children) {
                child.writeNull(i);
            }
        }
    }

    static final class ListNode extends Node {
        private final ListVector vector;
        private final Node element;

        ListNode(boolean nullable, Mismatch mismatch, ListVector vector, Node element) {
            super(nullable, mismatch);
            this.vector = vector;
            this.element = element;
        }

        @Override
        void read(JsonParser p, JsonToken token, int i) throws IOException {
            if (token != JsonToken.START_ARRAY) {
                throw mismatch.wrongToken(p, "an array", token);
            }
            // A misfit or error part-way leaves the offset of i + 1 unwritten; the next record restarts at i.
            int start = vector.startNewValue(i);
            int n = 0;
            JsonToken t;
            while ((t = nextElement(p)) != null) {
                element.readOrNull(p, t, start + n);
                n++;
            }
            vector.endValue(i, n);
        }

        @Override
        void writeNull(int i) {
            vector.setNull(i);
        }
    }
}
