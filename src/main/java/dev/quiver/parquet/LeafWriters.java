package dev.quiver.parquet;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.vector.BaseVariableWidthVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.DateDayVector;
import org.apache.arrow.vector.DecimalVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.SmallIntVector;
import org.apache.arrow.vector.TimeMicroVector;
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;

/**
 * Builds one {@link LeafWriter} per Parquet leaf column of a batch, walking the Arrow vectors and the Parquet schema
 * from {@link ParquetSchemas} side by side, in the schema's column order.
 */
final class LeafWriters {
    private LeafWriters() {
    }

    static List<LeafWriter> create(VectorSchemaRoot root, MessageType schema, ParquetProperties props) {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(schema, "schema");
        Objects.requireNonNull(props, "props");
        List<LeafWriter> leaves = new ArrayList<>();
        List<FieldVector> vectors = root.getFieldVectors();
        if (vectors.size() != schema.getFieldCount()) {
            throw new IllegalArgumentException("the batch has " + vectors.size() + " columns, the Parquet schema "
                    + schema.getFieldCount());
        }
        for (int i = 0; i < vectors.size(); i++) {
            collect(vectors.get(i), schema.getType(i), new ArrayList<>(), new ArrayList<>(), 0, schema, props, leaves);
        }
        if (leaves.size() != schema.getColumns().size()) {
            throw new IllegalStateException("built " + leaves.size() + " leaf writers for "
                    + schema.getColumns().size() + " Parquet columns");
        }
        return leaves;
    }

    private static void collect(FieldVector vector, Type type, List<String> names, List<Shredder.Node> path,
            int repetition, MessageType schema, ParquetProperties props, List<LeafWriter> leaves) {
        names.add(type.getName());
        boolean nullable = vector.getField().isNullable();
        if (vector instanceof MapVector) {
            // optional group (MAP) { repeated group key_value { key; value } }: Arrow's entries struct is the
            // repeated group, its key and value vectors are indexed by entry.
            GroupType keyValue = type.asGroupType().getType(0).asGroupType();
            names.add(keyValue.getName());
            path.add(new Shredder.Node(vector, nullable, repetition + 1));
            StructVector entries = (StructVector) ((MapVector) vector).getDataVector();
            List<FieldVector> children = entries.getChildrenFromFields();
            for (int i = 0; i < children.size(); i++) {
                collect(children.get(i), keyValue.getType(i), new ArrayList<>(names), new ArrayList<>(path),
                        repetition + 1, schema, props, leaves);
            }
            return;
        }
        if (vector instanceof ListVector) {
            // optional group (LIST) { repeated group list { element } }
            GroupType list = type.asGroupType().getType(0).asGroupType();
            names.add(list.getName());
            path.add(new Shredder.Node(vector, nullable, repetition + 1));
            collect(((ListVector) vector).getDataVector(), list.getType(0), names, path, repetition + 1, schema,
                    props, leaves);
            return;
        }
        if (vector instanceof StructVector) {
            path.add(new Shredder.Node(vector, nullable, 0));
            List<FieldVector> children = ((StructVector) vector).getChildrenFromFields();
            GroupType group = type.asGroupType();
            for (int i = 0; i < children.size(); i++) {
                collect(children.get(i), group.getType(i), new ArrayList<>(names), new ArrayList<>(path), repetition,
                        schema, props, leaves);
            }
            return;
        }
        path.add(new Shredder.Node(vector, nullable, 0));
        ColumnDescriptor descriptor = schema.getColumnDescription(names.toArray(new String[0]));
        int definition = 0;
        for (Shredder.Node node : path) {
            definition += (node.nullable ? 1 : 0) + (node.repeated() ? 1 : 0);
        }
        if (definition != descriptor.getMaxDefinitionLevel() || repetition != descriptor.getMaxRepetitionLevel()) {
            throw new IllegalStateException("column " + descriptor + " has levels (" + repetition + ", " + definition
                    + ") in Arrow but (" + descriptor.getMaxRepetitionLevel() + ", "
                    + descriptor.getMaxDefinitionLevel() + ") in Parquet");
        }
        leaves.add(leaf(vector, descriptor, new Shredder(path), props));
    }

    private static LeafWriter leaf(FieldVector vector, ColumnDescriptor descriptor, Shredder shredder,
            ParquetProperties props) {
        LeafWriter widened = widened(vector, descriptor, shredder, props);
        if (widened != null) {
            return widened;
        }
        if (vector instanceof TinyIntVector) {
            return new IntLeafWriter(descriptor, shredder, props, vector.getDataBuffer(), 1, 1);
        }
        if (vector instanceof SmallIntVector) {
            return new IntLeafWriter(descriptor, shredder, props, vector.getDataBuffer(), 2, 2);
        }
        if (vector instanceof IntVector || vector instanceof DateDayVector || vector instanceof TimeMilliVector) {
            return new IntLeafWriter(descriptor, shredder, props, vector.getDataBuffer(), 4, 4);
        }
        if (vector instanceof BigIntVector || vector instanceof TimeStampVector || vector instanceof TimeMicroVector) {
            return new LongLeafWriter(descriptor, shredder, props, vector.getDataBuffer(), 8);
        }
        if (vector instanceof Float4Vector) {
            return new FloatingLeafWriter(descriptor, shredder, props, vector.getDataBuffer(), false);
        }
        if (vector instanceof Float8Vector) {
            return new FloatingLeafWriter(descriptor, shredder, props, vector.getDataBuffer(), true);
        }
        if (vector instanceof BitVector) {
            return new BooleanLeafWriter(descriptor, shredder, props, vector.getDataBuffer());
        }
        if (vector instanceof BaseVariableWidthVector) {
            return new BinaryLeafWriter(descriptor, shredder, props, (BaseVariableWidthVector) vector);
        }
        if (vector instanceof DecimalVector) {
            // The column's precision, not the vector's: TypeMapping.widest() writes every decimal at 38 digits.
            int precision = descriptor.getPrimitiveType().getDecimalMetadata().getPrecision();
            if (precision <= 9) {
                // The value fits in 32 bits, so the low 4 bytes of the little-endian 16 are the int itself.
                return new IntLeafWriter(descriptor, shredder, props, vector.getDataBuffer(), 4, DecimalVector.TYPE_WIDTH);
            }
            if (precision <= 18) {
                return new LongLeafWriter(descriptor, shredder, props, vector.getDataBuffer(), DecimalVector.TYPE_WIDTH);
            }
            return new FixedDecimalLeafWriter(descriptor, shredder, props, vector.getDataBuffer());
        }
        throw new IllegalArgumentException("no Parquet writer for Arrow vector " + vector.getClass().getSimpleName()
                + " of column " + descriptor);
    }

    /** A writer for a column that TypeMapping made wider than its vector, or null when the widths match. */
    private static LeafWriter widened(FieldVector vector, ColumnDescriptor descriptor, Shredder shredder,
            ParquetProperties props) {
        PrimitiveTypeName physical = descriptor.getPrimitiveType().getPrimitiveTypeName();
        if (physical == PrimitiveTypeName.INT64) {
            if (vector instanceof TinyIntVector) {
                return new WidenedLeafWriter(descriptor, shredder, props, vector.getDataBuffer(), 1, 1, false);
            }
            if (vector instanceof SmallIntVector) {
                return new WidenedLeafWriter(descriptor, shredder, props, vector.getDataBuffer(), 2, 1, false);
            }
            if (vector instanceof IntVector) {
                return new WidenedLeafWriter(descriptor, shredder, props, vector.getDataBuffer(), 4, 1, false);
            }
            if (vector instanceof TimeMilliVector) {
                // TIME(MICROS): milliseconds of the day times 1000.
                return new WidenedLeafWriter(descriptor, shredder, props, vector.getDataBuffer(), 4, 1000, false);
            }
        }
        if (physical == PrimitiveTypeName.DOUBLE && vector instanceof Float4Vector) {
            return new WidenedLeafWriter(descriptor, shredder, props, vector.getDataBuffer(), 4, 1, true);
        }
        return null;
    }
}
