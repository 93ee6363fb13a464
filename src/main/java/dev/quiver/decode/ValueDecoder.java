package dev.quiver.decode;

import dev.quiver.arrow.RowDecoder;
import java.util.List;
import org.apache.arrow.vector.FieldVector;
import org.apache.kafka.connect.data.Schema;

/**
 * Decodes a raw record value (JSON or Protobuf bytes) straight into a batch's value columns, with no Connect Struct,
 * Map or other per-record object in between.
 *
 * <p>The columns are those {@code dev.quiver.arrow.ArrowSchemas} builds from {@link #valueSchema()}: one vector per
 * top-level field of a struct schema, in field order, or a single vector for a non-struct schema.
 */
public interface ValueDecoder extends RowDecoder {

    /** The schema of every value this decoder produces; fixed for the decoder's life. */
    Schema valueSchema();

    /**
     * Writes one value into row {@code row} of {@code columns}. It must write every column of the row, null or not,
     * so that a failed decode leaves nothing behind that the next record's write would not overwrite.
     *
     * @param raw the record value as the converter delivered it: byte[], ByteBuffer or String
     * @throws org.apache.kafka.connect.errors.DataException naming the field at fault and the problem
     */
    void decode(Object raw, List<FieldVector> columns, int row);

    /**
     * True when the last {@link #decode} read a JSON {@code null} document and wrote nulls: a struct column written
     * through its children (a key) must then stay null itself rather than become a struct of nulls. Decoders that
     * refuse a null document never say so.
     */
    default boolean decodedNull() {
        return false;
    }

    /**
     * The schema of one raw value, for decoders whose values name their own writer schema (Avro from a Schema
     * Registry): one object per writer schema, which the partition writer merges into its batch's schema with the
     * lattice, cutting the file when they do not merge. Others have one schema: {@link #valueSchema()}.
     *
     * @throws org.apache.kafka.connect.errors.DataException when the value names no schema that can be had
     * @throws org.apache.kafka.connect.errors.RetriableException when the schema's source cannot be reached now
     */
    default Schema schemaOf(Object raw) {
        return valueSchema();
    }

    /**
     * The decoder that writes into the columns of {@code batchSchema}, a schema merged from {@link #schemaOf} results;
     * its {@link #valueSchema()} is {@code batchSchema}. Decoders of one schema are their own.
     */
    default ValueDecoder boundTo(Schema batchSchema) {
        return this;
    }
}
