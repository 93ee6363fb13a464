package dev.quiver.decode;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.apache.arrow.vector.FieldVector;

/**
 * A decoder's readers, bound to one batch's value columns and cached by the identity of the column list: one decoder
 * serves every partition of a task, whose records interleave, so rebinding on every switch would rebuild the readers
 * per record. Not thread-safe, like the decoders that own it.
 *
 * @param <T> the root of a decoder's reader tree
 */
final class ColumnBindings<T> {
    /** Batches of flushed files are gone; past this many, dropping every binding is simpler than tracking which. */
    private static final int MAX_BINDINGS = 256;

    private final Function<List<FieldVector>, T> bind;
    private final Map<List<FieldVector>, T> bindings = new IdentityHashMap<>();
    private List<FieldVector> lastColumns;
    private T last;

    ColumnBindings(Function<List<FieldVector>, T> bind) {
        this.bind = Objects.requireNonNull(bind, "bind");
    }

    /** The readers for {@code columns}, built on first use. */
    T forColumns(List<FieldVector> columns) {
        if (columns == lastColumns) {
            return last;
        }
        T binding = bindings.get(columns);
        if (binding == null) {
            if (bindings.size() >= MAX_BINDINGS) {
                bindings.clear();
            }
            binding = bind.apply(columns);
            bindings.put(columns, binding);
        }
        lastColumns = columns;
        last = binding;
        return binding;
    }
}
