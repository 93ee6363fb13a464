package dev.quiver.arrow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ArrowBatchTest {
    private static final Schema INNER = SchemaBuilder.struct().optional()
            .field("a", Schema.STRING_SCHEMA)
            .field("b", Schema.OPTIONAL_INT32_SCHEMA)
            .build();
    private static final Schema ROW = SchemaBuilder.struct()
            .field("id", Schema.INT64_SCHEMA)
            .field("label", Schema.OPTIONAL_STRING_SCHEMA)
            .field("inner", INNER)
            .field("list", SchemaBuilder.array(Schema.INT64_SCHEMA).optional().build())
            .field("count", Schema.INT32_SCHEMA)
            .build();
    /** Same names as ROW, but "count" is a string, so appending fails on the last column, after the others. */
    private static final Schema ROW_WRONG_COUNT = SchemaBuilder.struct()
            .field("id", Schema.INT64_SCHEMA)
            .field("label", Schema.OPTIONAL_STRING_SCHEMA)
            .field("inner", INNER)
            .field("list", SchemaBuilder.array(Schema.INT64_SCHEMA).optional().build())
            .field("count", Schema.STRING_SCHEMA)
            .build();

    private final RootAllocator allocator = new RootAllocator();

    @AfterEach
    void noLeaks() {
        assertThat(allocator.getAllocatedMemory()).isZero();
        allocator.close();
    }

    private static Struct good(long id) {
        return new Struct(ROW).put("id", id).put("label", "L" + id)
                .put("inner", new Struct(INNER).put("a", "a" + id).put("b", (int) id))
                .put("list", List.of(id, id + 1)).put("count", (int) id);
    }

    /**
     * Thousands of small batches (2,000 partitions x 24 folders) hold more heap in their vectors' Java objects than in
     * their Arrow buffers: about 1 KiB per vector against a few hundred bytes of buffers. The budget counts that cost,
     * so the batches open at once are bounded by the budget, Java objects included. Before, a 1 MiB budget let 1,024
     * one-column batches open, 2 MiB of Java objects by the measured cost, twice the budget.
     */
    @Test
    void theBatchesOpenAtOnceHoldNoMoreJavaObjectsThanTheBudget() {
        long limit = 1 << 20;
        MemoryBudget budget = new MemoryBudget(limit);
        Schema one = SchemaBuilder.struct().field("s", Schema.OPTIONAL_STRING_SCHEMA).build();
        List<ArrowBatch> open = new java.util.ArrayList<>();
        try (RootAllocator root = new RootAllocator(budget, limit)) {
            try {
                while (true) {
                    open.add(ArrowBatch.open(one, root, "b" + open.size()));
                }
            } catch (org.apache.arrow.memory.OutOfMemoryException e) {
                // The budget is full.
            }
            long javaPerBatch = ArrowBatch.JAVA_BYTES_PER_BATCH + ArrowBatch.JAVA_BYTES_PER_VECTOR;
            assertThat(open).isNotEmpty();
            assertThat(open.size() * javaPerBatch).as("Java objects of %d open batches", open.size())
                    .isLessThanOrEqualTo(limit);
            // What the budget holds is each batch's buffers and its Java cost, and bufferBytes() says so.
            long held = 0;
            for (ArrowBatch batch : open) {
                held += batch.bufferBytes();
            }
            assertThat(budget.held()).isEqualTo(held)
                    .isEqualTo(root.getAllocatedMemory() + open.size() * javaPerBatch);
            // A refused open leaves nothing counted; closing gives everything back, once, even if closed twice.
            open.get(0).close();
            open.get(0).close();
            open.forEach(ArrowBatch::close);
            assertThat(budget.held()).isZero();
        }
    }

    @Test
    void anEmptiedBatchCountsItsRowsBytesNotTheCapacityItKept() {
        try (ArrowBatch batch = ArrowBatch.open(ROW, allocator, "t")) {
            for (long i = 0; i < 1000; i++) {
                batch.append(good(i));
            }
            long full = batch.bufferBytes();
            // Never emptied: what it allocated is what its rows took.
            assertThat(batch.filledBytes()).isEqualTo(full);
            batch.reset();
            assertThat(batch.bufferBytes()).isEqualTo(full);
            assertThat(batch.filledBytes()).isZero();
            for (long i = 0; i < 500; i++) {
                batch.append(good(i));
            }
            // Refilled to half: nothing allocated, and half the bytes of the last fill's rows, which used less than
            // the doubled capacity.
            assertThat(batch.bufferBytes()).isEqualTo(full);
            assertThat(batch.filledBytes()).isPositive().isLessThanOrEqualTo(full / 2);
            for (long i = 500; i < 1000; i++) {
                batch.append(good(i));
            }
            assertThat(batch.filledBytes()).isGreaterThan(full / 4).isLessThanOrEqualTo(full);
            // Past the kept capacity: the buffers grow again and count as allocated.
            for (long i = 1000; i < 5000; i++) {
                batch.append(good(i));
            }
            assertThat(batch.bufferBytes()).isGreaterThan(full);
            assertThat(batch.filledBytes()).isEqualTo(batch.bufferBytes());
            assertThat(batch.seal().getRowCount()).isEqualTo(5000);
            assertThat(((BigIntVector) batch.seal().getVector("id")).get(4999)).isEqualTo(4999L);
        }
    }

    @Test
    void failedRowIsRolledBackByTheNextAppend() {
        try (ArrowBatch batch = ArrowBatch.open(ROW, allocator, "t")) {
            batch.append(good(1));
            Struct bad = new Struct(ROW_WRONG_COUNT).put("id", 99L).put("label", "BAD")
                    .put("inner", new Struct(INNER).put("a", "BAD").put("b", 99))
                    .put("list", List.of(99L, 99L, 99L)).put("count", "x");
            assertThatThrownBy(() -> batch.append(bad))
                    .isInstanceOf(ColumnAppender.FieldException.class)
                    .hasMessageContaining("field 'count'");
            assertThat(batch.rows()).isEqualTo(1);
            batch.append(new Struct(ROW).put("id", 2L).put("inner", null).put("count", 2));

            VectorSchemaRoot root = batch.seal();
            assertThat(root.getRowCount()).isEqualTo(2);
            assertThat(((BigIntVector) root.getVector("id")).get(1)).isEqualTo(2L);
            assertThat(root.getVector("label").isNull(1)).isTrue();
            assertThat(((StructVector) root.getVector("inner")).isNull(1)).isTrue();
            assertThat(root.getVector("list").isNull(1)).isTrue();
            // The bad row's three list elements must not leak into row 1's or anyone's list.
            ListVector list = (ListVector) root.getVector("list");
            assertThat(list.getObject(0)).isEqualTo(List.of(1L, 2L));
            assertThat(list.getDataVector().getValueCount()).isEqualTo(2);
            assertThat(new String(((VarCharVector) root.getVector("label")).get(0))).isEqualTo("L1");
        }
    }

    @Test
    void acceptsOnlyEqualSchemasAndCountsBytesFromTheAllocator() {
        try (ArrowBatch batch = ArrowBatch.open(ROW, allocator, "t")) {
            assertThat(batch.accepts(ROW)).isTrue();
            assertThat(batch.accepts(SchemaBuilder.struct().field("id", Schema.INT64_SCHEMA).build())).isFalse();
            // Every buffer is allocated on open, but small: thousands of open batches must fit a modest budget.
            long empty = batch.bufferBytes();
            assertThat(empty).isPositive().isLessThan(16 * 1024).isEqualTo(allocator.getAllocatedMemory());
            for (int i = 0; i < 1000; i++) {
                batch.append(good(i));
            }
            assertThat(batch.bufferBytes()).isGreaterThan(empty).isEqualTo(allocator.getAllocatedMemory());
        }
    }

    @Test
    void requiredNullNamesTheField() {
        Schema inner = SchemaBuilder.struct().field("must", Schema.STRING_SCHEMA).build();
        Schema outer = SchemaBuilder.struct().field("nested", inner).build();
        try (ArrowBatch batch = ArrowBatch.open(outer, allocator, "t")) {
            // Struct.put validates, so build the bad value through a schema that allows the null.
            Schema innerLoose = SchemaBuilder.struct().field("must", Schema.OPTIONAL_STRING_SCHEMA).build();
            Schema outerLoose = SchemaBuilder.struct().field("nested", innerLoose).build();
            Struct value = new Struct(outerLoose).put("nested", new Struct(innerLoose));
            assertThatThrownBy(() -> batch.append(value)).hasMessage("field 'nested.must' is required but the value is null");
        }
    }

    @Test
    void nonStructValuesLandInAValueColumn() {
        try (ArrowBatch batch = ArrowBatch.open(Schema.STRING_SCHEMA, allocator, "t")) {
            batch.append("hello");
            VectorSchemaRoot root = batch.seal();
            assertThat(root.getSchema().getFields()).extracting(f -> f.getName()).containsExactly("value");
        }
    }

    @Test
    void anInt32ColumnWidenedToInt64KeepsItsEarlierRows() {
        // Before the fix: "field 'n' expected an int64 (Long) but got Integer" from evolve, and the record that
        // brought the wider schema was dead-lettered.
        Schema narrow = SchemaBuilder.struct().field("n", Schema.INT32_SCHEMA).build();
        Schema wide = SchemaBuilder.struct().field("n", Schema.INT64_SCHEMA).build();
        Schema merged = SchemaMerger.merge(narrow, wide, SchemaMerger.Mode.STRICT);
        ArrowBatch evolved;
        try (ArrowBatch batch = ArrowBatch.open(narrow, allocator, "t")) {
            batch.append(new Struct(narrow).put("n", 7));
            evolved = batch.evolve(new RowLayout(merged, null, MetadataColumns.NONE), allocator, "t");
        }
        try (evolved) {
            evolved.append(new Struct(wide).put("n", 5_000_000_000L));
            BigIntVector n = (BigIntVector) evolved.seal().getVector("n");
            assertThat(n.get(0)).isEqualTo(7L);
            assertThat(n.get(1)).isEqualTo(5_000_000_000L);
        }
    }
}
