package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.Test;

class JsonSchemasTest {

    @Test
    void pydanticStyleSchemaTranslates() {
        // What pydantic v2 writes for: class Item(BaseModel): sku: str; price: float | None = None
        //                              class Order(BaseModel): id: int; items: list[Item]; at: datetime | None
        String pydantic = """
                {"$defs": {"Item": {"properties": {"sku": {"title": "Sku", "type": "string"},
                   "price": {"anyOf": [{"type": "number"}, {"type": "null"}], "default": null, "title": "Price"}},
                   "required": ["sku"], "title": "Item", "type": "object"}},
                 "properties": {"id": {"title": "Id", "type": "integer"},
                   "items": {"items": {"$ref": "#/$defs/Item"}, "title": "Items", "type": "array"},
                   "at": {"anyOf": [{"format": "date-time", "type": "string"}, {"type": "null"}], "title": "At"}},
                 "required": ["id", "items", "at"], "title": "Order", "type": "object"}
                """;
        JsonSchemas.Declared declared = JsonSchemas.translate(pydantic);
        Schema s = declared.schema();
        assertThat(s.type()).isEqualTo(Schema.Type.STRUCT);
        assertThat(s.isOptional()).isFalse();
        assertThat(s.field("id").schema()).isEqualTo(Schema.INT64_SCHEMA);
        assertThat(s.field("items").schema().isOptional()).isFalse();
        Schema item = s.field("items").schema().valueSchema();
        assertThat(item.isOptional()).isFalse();
        assertThat(item.field("sku").schema()).isEqualTo(Schema.STRING_SCHEMA);
        assertThat(item.field("price").schema()).isEqualTo(Schema.OPTIONAL_FLOAT64_SCHEMA);
        assertThat(s.field("at").schema()).isEqualTo(Timestamp.builder().optional().build());
        // "at" is required but nullable: it must be present, and may be null.
        assertThat(declared.presentRequired()).containsExactly("at");
    }

    @Test
    void unsupportedOrAmbiguousSchemasAreRefusedWithTheirPath() {
        assertRefused("{\"type\": \"object\", \"properties\": {\"a\": {\"type\": [\"string\", \"integer\"]}}}",
                "schema at '#.properties.a.type' allows both string and integer");
        assertRefused("{\"type\": \"object\", \"properties\": {\"a\": {\"allOf\": [{\"type\": \"string\"}]}}}",
                "schema at '#.properties.a' uses 'allOf'");
        assertRefused("{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"array\"}}}",
                "schema at '#.properties.a' is an array without an 'items' schema");
        assertRefused("{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"object\"}}}",
                "schema at '#.properties.a' is an object with no 'properties'");
        assertRefused("{\"type\": \"object\", \"properties\": {\"a\": {\"$ref\": \"#/$defs/N\"}},"
                + " \"$defs\": {\"N\": {\"type\": \"object\", \"properties\": {\"next\": {\"$ref\": \"#/$defs/N\"}}}}}",
                "refers to itself");
        assertRefused("{\"type\": \"object\", \"properties\": {\"a\": {\"$ref\": \"other.json#/x\"}}}",
                "is not a reference into this document");
        assertRefused("{\"type\": \"object\", \"required\": [\"b\"], \"properties\": {\"a\": {\"type\": \"string\"}}}",
                "lists 'b', which is not in properties");
        assertRefused("{\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"integer\", \"format\": \"uint64\"}}}",
                "'uint64' is not an integer format");
        assertRefused("{\"type\": \"object\", \"properties\": {\"a\": {\"anyOf\": [{\"type\": \"string\"},"
                + " {\"type\": \"integer\"}]}}}", "has 2 non-null alternatives");
        assertRefused("{\"type\": \"object\", \"properties\": {\"a\": {}}}", "schema at '#.properties.a' has no 'type'");
        assertRefused("not json", "is not valid JSON");
        assertRefused("[1]", "is not a JSON Schema object");
        String deep = "{\"type\": \"array\", \"items\": ".repeat(100) + "{\"type\": \"string\"}" + "}".repeat(100);
        assertRefused(deep, "nests deeper than 64 levels");
    }

    private static void assertRefused(String schema, String message) {
        assertThatThrownBy(() -> JsonSchemas.translate(schema)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void mapsEnumsAndFormats() {
        Schema s = JsonSchemas.translate("""
                {"type": "object", "properties": {
                  "counts": {"type": "object", "additionalProperties": {"type": "integer", "format": "int32"}},
                  "color": {"enum": ["red", "green"]},
                  "email": {"type": "string", "format": "email"},
                  "f": {"type": "number", "format": "float"}}}
                """).schema();
        assertThat(s.field("counts").schema().type()).isEqualTo(Schema.Type.MAP);
        assertThat(s.field("counts").schema().valueSchema()).isEqualTo(Schema.INT32_SCHEMA);
        assertThat(s.field("color").schema()).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);
        assertThat(s.field("email").schema()).isEqualTo(Schema.OPTIONAL_STRING_SCHEMA);
        assertThat(s.field("f").schema()).isEqualTo(Schema.OPTIONAL_FLOAT32_SCHEMA);
    }
}
