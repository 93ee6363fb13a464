package dev.quiver.arrow;

import java.util.Objects;
import org.apache.arrow.vector.FieldVector;
import org.apache.kafka.connect.errors.DataException;

/**
 * Appends one Connect value to one Arrow vector at a given row.
 *
 * <p>The null check happens here, once per value, so that each type's {@link #appendValue} handles only non-null
 * values of its own type. Every row is written, null or not, so that a row left half-written by a failed record is
 * simply overwritten by the next one: that is how a batch rolls a bad record back.
 */
public abstract class ColumnAppender {
    private final String path;
    private final boolean nullable;

    ColumnAppender(String path, boolean nullable) {
        this.path = Objects.requireNonNull(path, "path");
        this.nullable = nullable;
    }

    /** The dotted field path, as error messages name it. */
    public final String path() {
        return path;
    }

    /** The vector this appender writes to. */
    abstract FieldVector vector();

    /** Writes {@code value} (possibly null) at {@code row}. */
    public final void append(int row, Object value) {
        if (value == null) {
            if (!nullable) {
                throw new FieldException(path, "is required but the value is null");
            }
            appendNull(row);
            return;
        }
        try {
            appendValue(row, value);
        } catch (ClassCastException e) {
            throw new FieldException(path, "expected " + expected() + " but got " + value.getClass().getSimpleName());
        }
    }

    /** Marks {@code row} null; containers also null their children so offsets stay consistent. */
    void appendNull(int row) {
        vector().setNull(row);
    }

    abstract void appendValue(int row, Object value);

    /** What Java type the appender takes, for the error when it gets another. */
    abstract String expected();

    /** A value that does not fit its field; the message names the field. */
    public static final class FieldException extends DataException {
        private static final long serialVersionUID = 1L;
        private final String field;

        public FieldException(String field, String problem) {
            super("field '" + field + "' " + problem);
            this.field = field;
        }

        /** The dotted path of the field at fault. */
        public String field() {
            return field;
        }
    }
}
