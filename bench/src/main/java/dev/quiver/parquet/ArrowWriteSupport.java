package dev.quiver.parquet;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.arrow.vector.BaseFixedWidthVector;
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
import org.apache.arrow.vector.TimeMilliVector;
import org.apache.arrow.vector.TimeStampVector;
import org.apache.arrow.vector.TinyIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.complex.MapVector;
import org.apache.arrow.vector.complex.StructVector;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

/**
 * The row-by-row writer Quiver used before {@link ColumnarWriter}, kept in the tests as a reference: it goes through
 * parquet-java's own record shredding (MessageColumnIO), so files written both ways must read back the same.
 *
 * <p>Feeds Parquet's record consumer straight from Arrow vectors: the "record" handed to {@link #write} is only a row
 * number, so no per-row object is built. One value writer per column is chosen when the file opens.
 */
final class ArrowWriteSupport extends WriteSupport<Integer> {
    private final MessageType schema;
    private final Map<String, String> metadata;
    private final ValueWriter[] columns;
    private RecordConsumer consumer;

    ArrowWriteSupport(VectorSchemaRoot root, MessageType schema, Map<String, String> metadata) {
        this.schema = Objects.requireNonNull(schema, "schema");
        this.metadata = Map.copyOf(metadata);
        List<FieldVector> vectors = root.getFieldVectors();
        this.columns = new ValueWriter[vectors.size()];
        for (int i = 0; i < columns.length; i++) {
            columns[i] = writerFor(vectors.get(i), vectors.get(i).getName(), i);
        }
    }

    @Override
    public WriteContext init(Configuration configuration) {
        return new WriteContext(schema, metadata);
    }

    @Override
    public WriteContext init(ParquetConfiguration configuration) {
        return new WriteContext(schema, metadata);
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
        this.consumer = recordConsumer;
    }

    @Override
    public void write(Integer row) {
        int r = row;
        consumer.startMessage();
        for (ValueWriter column : columns) {
            column.write(consumer, r);
        }
        consumer.endMessage();
    }

    private static ValueWriter writerFor(FieldVector vector, String name, int index) {
        if (vector instanceof TinyIntVector) {
            TinyIntVector v = (TinyIntVector) vector;
            return new ValueWriter(v, name, index) {
                @Override
                void writeValue(RecordConsumer c, int row) {
                    c.addInteger(v.get(row));
                }
            };
        }
        if (vector instanceof SmallIntVector) {
            SmallIntVector v = (SmallIntVector) vector;
            return new ValueWriter(v, name, index) {
                @Override
                void writeValue(RecordConsumer c, int row) {
                    c.addInteger(v.get(row));
                }
            };
        }
        if (vector instanceof IntVector || vector instanceof DateDayVector || vector instanceof TimeMilliVector) {
            // All three store a plain 4-byte int per value: the day, the milliseconds of the day, or the int itself.
            BaseFixedWidthVector v = (BaseFixedWidthVector) vector;
            return new ValueWriter(v, name, index) {
                @Override
                void writeValue(RecordConsumer c, int row) {
                    c.addInteger(v.getDataBuffer().getInt((long) row * Integer.BYTES));
                }
            };
        }
        if (vector instanceof BigIntVector || vector instanceof TimeStampVector) {
            BaseFixedWidthVector v = (BaseFixedWidthVector) vector;
            return new ValueWriter(v, name, index) {
                @Override
                void writeValue(RecordConsumer c, int row) {
                    c.addLong(v.getDataBuffer().getLong((long) row * Long.BYTES));
                }
            };
        }
        if (vector instanceof Float4Vector) {
            Float4Vector v = (Float4Vector) vector;
            return new ValueWriter(v, name, index) {
                @Override
                void writeValue(RecordConsumer c, int row) {
                    c.addFloat(v.get(row));
                }
            };
        }
        if (vector instanceof Float8Vector) {
            Float8Vector v = (Float8Vector) vector;
            return new ValueWriter(v, name, index) {
                @Override
                void writeValue(RecordConsumer c, int row) {
                    c.addDouble(v.get(row));
                }
            };
        }
        if (vector instanceof BitVector) {
            BitVector v = (BitVector) vector;
            return new ValueWriter(v, name, index) {
                @Override
                void writeValue(RecordConsumer c, int row) {
                    c.addBoolean(v.get(row) != 0);
                }
            };
        }
        if (vector instanceof BaseVariableWidthVector) {
            BaseVariableWidthVector v = (BaseVariableWidthVector) vector;
            // One copy of the column's bytes onto the heap, then zero-copy slices per value. A direct view of the
            // Arrow buffer (nioBuffer) needs --add-opens on JDK 17+, a flag a connector cannot give its worker.
            // The slices stay valid for the writer's whole life, as the dictionary encoder requires.
            int end = v.getValueCount() == 0 ? 0 : v.getOffsetBuffer().getInt((long) v.getValueCount() * Integer.BYTES);
            byte[] data = new byte[end];
            v.getDataBuffer().getBytes(0, data, 0, end);
            return new ValueWriter(v, name, index) {
                @Override
                void writeValue(RecordConsumer c, int row) {
                    c.addBinary(Binary.fromConstantByteArray(data, v.getStartOffset(row), v.getValueLength(row)));
                }
            };
        }
        if (vector instanceof DecimalVector) {
            return decimalWriter((DecimalVector) vector, name, index);
        }
        if (vector instanceof MapVector) {
            return mapWriter((MapVector) vector, name, index);
        }
        if (vector instanceof ListVector) {
            return listWriter((ListVector) vector, name, index);
        }
        if (vector instanceof StructVector) {
            StructVector v = (StructVector) vector;
            List<FieldVector> children = v.getChildrenFromFields();
            ValueWriter[] fields = new ValueWriter[children.size()];
            for (int i = 0; i < fields.length; i++) {
                fields[i] = writerFor(children.get(i), children.get(i).getName(), i);
            }
            return new ValueWriter(v, name, index) {
                @Override
                void writeValue(RecordConsumer c, int row) {
                    c.startGroup();
                    for (ValueWriter field : fields) {
                        field.write(c, row);
                    }
                    c.endGroup();
                }
            };
        }
        throw new IllegalArgumentException("no Parquet writer for Arrow vector " + vector.getClass().getSimpleName()
                + " of column '" + name + "'");
    }

    private static ValueWriter decimalWriter(DecimalVector v, String name, int index) {
        int precision = v.getPrecision();
        if (precision <= 18) {
            boolean asInt = precision <= 9;
            return new ValueWriter(v, name, index) {
                @Override
                void writeValue(RecordConsumer c, int row) {
                    long unscaled = v.getObject(row).unscaledValue().longValueExact();
                    if (asInt) {
                        c.addInteger((int) unscaled);
                    } else {
                        c.addLong(unscaled);
                    }
                }
            };
        }
        int width = ParquetSchemas.decimalBytes(precision);
        return new ValueWriter(v, name, index) {
            @Override
            void writeValue(RecordConsumer c, int row) {
                BigInteger unscaled = v.getObject(row).unscaledValue();
                byte[] minimal = unscaled.toByteArray();
                byte[] fixed = new byte[width];
                // Big-endian two's complement, sign-extended to the column's fixed width.
                byte pad = unscaled.signum() < 0 ? (byte) 0xFF : 0;
                int lead = width - minimal.length;
                for (int i = 0; i < lead; i++) {
                    fixed[i] = pad;
                }
                System.arraycopy(minimal, 0, fixed, lead, minimal.length);
                c.addBinary(Binary.fromConstantByteArray(fixed));
            }
        };
    }

    private static ValueWriter listWriter(ListVector v, String name, int index) {
        ValueWriter element = writerFor(v.getDataVector(), "element", 0);
        return new ValueWriter(v, name, index) {
            @Override
            void writeValue(RecordConsumer c, int row) {
                int start = v.getElementStartIndex(row);
                int end = v.getElementEndIndex(row);
                c.startGroup();
                if (end > start) {
                    c.startField("list", 0);
                    for (int i = start; i < end; i++) {
                        c.startGroup();
                        element.write(c, i);
                        c.endGroup();
                    }
                    c.endField("list", 0);
                }
                c.endGroup();
            }
        };
    }

    private static ValueWriter mapWriter(MapVector v, String name, int index) {
        StructVector entries = (StructVector) v.getDataVector();
        List<FieldVector> kv = entries.getChildrenFromFields();
        ValueWriter key = writerFor(kv.get(0), "key", 0);
        ValueWriter value = writerFor(kv.get(1), "value", 1);
        return new ValueWriter(v, name, index) {
            @Override
            void writeValue(RecordConsumer c, int row) {
                int start = v.getElementStartIndex(row);
                int end = v.getElementEndIndex(row);
                c.startGroup();
                if (end > start) {
                    c.startField("key_value", 0);
                    for (int i = start; i < end; i++) {
                        c.startGroup();
                        key.write(c, i);
                        value.write(c, i);
                        c.endGroup();
                    }
                    c.endField("key_value", 0);
                }
                c.endGroup();
            }
        };
    }

    /** Writes one field of one row: nothing for a null, else the field with its value. */
    private abstract static class ValueWriter {
        private final FieldVector vector;
        private final String name;
        private final int index;

        ValueWriter(FieldVector vector, String name, int index) {
            this.vector = vector;
            this.name = name;
            this.index = index;
        }

        final void write(RecordConsumer c, int row) {
            if (vector.isNull(row)) {
                return;
            }
            c.startField(name, index);
            writeValue(c, row);
            c.endField(name, index);
        }

        abstract void writeValue(RecordConsumer c, int row);
    }
}
