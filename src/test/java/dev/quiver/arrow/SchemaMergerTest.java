package dev.quiver.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quiver.arrow.SchemaMerger.Mode;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.Test;

class SchemaMergerTest {
    private static final Schema V1 = SchemaBuilder.struct()
            .field("id", Schema.INT32_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .build();

    @Test
    void subsumedSchemaReturnsTheSameInstance() {
        Schema older = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA).build();
        Schema optionalName = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA)
                .field("name", Schema.OPTIONAL_STRING_SCHEMA).build();
        assertThat(SchemaMerger.merge(optionalName, older, Mode.STRICT)).isSameAs(optionalName);
        assertThat(SchemaMerger.merge(V1, V1, Mode.STRICT)).isSameAs(V1);
    }

    @Test
    void newFieldsAreAppendedAsOptionalAndMissingOnesBecomeOptional() {
        Schema v2 = SchemaBuilder.struct().field("id", Schema.INT64_SCHEMA).field("extra", Schema.BOOLEAN_SCHEMA).build();
        Schema merged = SchemaMerger.merge(V1, v2, Mode.STRICT);
        assertThat(merged.fields()).extracting(f -> f.name()).containsExactly("id", "name", "extra");
        assertThat(merged.field("id").schema().type()).isEqualTo(Schema.Type.INT64);
        assertThat(merged.field("name").schema().isOptional()).isTrue();
        assertThat(merged.field("extra").schema().isOptional()).isTrue();
    }

    @Test
    void inferredColumnsAreInNameOrderWhateverOrderTheRecordsBroughtThem() {
        // Issue 16: schemaless columns came in arrival order, so two files of the same fields could differ in order.
        Schema withStatus = SchemaInference.infer(java.util.Map.of("id", 1L, "status", "ok"));
        Schema withTags = SchemaInference.infer(java.util.Map.of("id", 2L, "tags", java.util.List.of("a"),
                "nested", java.util.Map.of("z", 1L)));
        Schema withNestedA = SchemaInference.infer(java.util.Map.of("nested", java.util.Map.of("a", "x")));
        Schema oneWay = SchemaMerger.merge(SchemaMerger.merge(withStatus, withTags, Mode.LENIENT), withNestedA,
                Mode.LENIENT);
        Schema otherWay = SchemaMerger.merge(SchemaMerger.merge(withNestedA, withTags, Mode.LENIENT), withStatus,
                Mode.LENIENT);
        assertThat(oneWay.fields()).extracting(f -> f.name()).containsExactly("id", "nested", "status", "tags");
        assertThat(otherWay).isEqualTo(oneWay);
        assertThat(oneWay.field("nested").schema().fields()).extracting(f -> f.name()).containsExactly("a", "z");
    }

    @Test
    void wideningLattice() {
        assertThat(merged(Schema.INT8_SCHEMA, Schema.INT32_SCHEMA, Mode.STRICT)).isEqualTo(Schema.Type.INT32);
        assertThat(merged(Schema.FLOAT32_SCHEMA, Schema.FLOAT64_SCHEMA, Mode.STRICT)).isEqualTo(Schema.Type.FLOAT64);
        assertThat(merged(Schema.INT32_SCHEMA, Schema.FLOAT32_SCHEMA, Mode.STRICT)).isEqualTo(Schema.Type.FLOAT64);
        // int64 in a double loses precision past 2^53: inferred data accepts it, a declared schema does not.
        assertThat(merged(Schema.INT64_SCHEMA, Schema.FLOAT64_SCHEMA, Mode.LENIENT)).isEqualTo(Schema.Type.FLOAT64);
        assertThatThrownBy(() -> SchemaMerger.merge(Schema.INT64_SCHEMA, Schema.FLOAT64_SCHEMA, Mode.STRICT))
                .hasMessageContaining("INT64").hasMessageContaining("FLOAT64");
    }

    private static Schema.Type merged(Schema a, Schema b, Mode mode) {
        return SchemaMerger.merge(a, b, mode).type();
    }

    @Test
    void conflictsFailStrictAndBecomeJsonTextLenient() {
        Schema structName = SchemaBuilder.struct().field("id", Schema.INT32_SCHEMA)
                .field("name", SchemaBuilder.struct().field("first", Schema.STRING_SCHEMA).build()).build();
        assertThatThrownBy(() -> SchemaMerger.merge(V1, structName, Mode.STRICT))
                .isInstanceOf(SchemaMerger.IncompatibleSchemaException.class)
                .hasMessage("field 'name' changes from STRING to STRUCT, which no column type holds both of");
        Schema lenient = SchemaMerger.merge(V1, structName, Mode.LENIENT);
        assertThat(JsonText.is(lenient.field("name").schema())).isTrue();
        assertThatThrownBy(() -> SchemaMerger.merge(Schema.INT64_SCHEMA, Timestamp.SCHEMA, Mode.STRICT))
                .hasMessageContaining(Timestamp.LOGICAL_NAME);
    }

    @Test
    void decimalsMergeOnlyAtOneScale() {
        Schema p10 = Decimal.builder(2).parameter("connect.decimal.precision", "10").build();
        Schema p20 = Decimal.builder(2).parameter("connect.decimal.precision", "20").build();
        assertThat(SchemaMerger.merge(p10, p20, Mode.STRICT).parameters()).containsEntry("connect.decimal.precision", "20");
        assertThatThrownBy(() -> SchemaMerger.merge(p10, Decimal.schema(3), Mode.STRICT))
                .isInstanceOf(SchemaMerger.IncompatibleSchemaException.class);
    }

    @Test
    void unknownMergesIntoAnything() {
        Schema list = SchemaBuilder.array(SchemaMerger.UNKNOWN).optional().build();
        Schema strings = SchemaBuilder.array(Schema.OPTIONAL_STRING_SCHEMA).optional().build();
        assertThat(SchemaMerger.merge(list, strings, Mode.LENIENT).valueSchema().type()).isEqualTo(Schema.Type.STRING);
        assertThat(JsonText.is(SchemaMerger.merge(list, strings, Mode.LENIENT).valueSchema())).isFalse();
    }
}
