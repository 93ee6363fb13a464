package dev.quiver.parquet;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.FieldVector;

/**
 * Turns a range of rows into the entries of one leaf column: for each entry its repetition level, definition level
 * and the index of its value in the leaf's Arrow vector (or -1 where an ancestor or the leaf itself is null, or a
 * list is empty). It walks the column's path once per range, node by node, reading validity bits and list offsets
 * straight from the Arrow buffers, so no per-row or per-value object is made.
 */
final class Shredder {
    /** One vector on the path from a top-level column down to a leaf (the leaf included). */
    static final class Node {
        final FieldVector vector;
        final boolean nullable;
        /** Repetition level of the entries this node's elements start, or 0 when the node is not a list or map. */
        final int repetitionLevel;

        Node(FieldVector vector, boolean nullable, int repetitionLevel) {
            this.vector = Objects.requireNonNull(vector, "vector");
            this.nullable = nullable;
            this.repetitionLevel = repetitionLevel;
        }

        boolean repeated() {
            return repetitionLevel > 0;
        }
    }

    private final Node[] path;
    private final boolean dense;
    private int count;
    private int[] repetition;
    private int[] definition;
    private int[] index;
    private int[] spareRepetition;
    private int[] spareDefinition;
    private int[] spareIndex;

    Shredder(List<Node> path) {
        this.path = path.toArray(new Node[0]);
        if (this.path.length == 0) {
            throw new IllegalArgumentException("a column path needs at least its leaf");
        }
        boolean anyNullOrRepeated = false;
        for (Node node : this.path) {
            anyNullOrRepeated |= node.nullable || node.repeated();
        }
        this.dense = !anyNullOrRepeated;
        this.repetition = new int[0];
        this.definition = new int[0];
        this.index = new int[0];
        this.spareRepetition = new int[0];
        this.spareDefinition = new int[0];
        this.spareIndex = new int[0];
    }

    /** True when every entry is a present value at level 0: the column is required all the way down. */
    boolean dense() {
        return dense;
    }

    /** Shreds rows {@code [from, to)}; the results stay valid until the next call. */
    void shred(int from, int to) {
        int n = to - from;
        ensure(n);
        for (int i = 0; i < n; i++) {
            index[i] = from + i;
        }
        if (dense) {
            count = n;
            return;
        }
        Arrays.fill(repetition, 0, n, 0);
        Arrays.fill(definition, 0, n, 0);
        count = n;
        for (Node node : path) {
            if (node.nullable) {
                applyValidity(node.vector.getValidityBuffer());
            }
            if (node.repeated()) {
                expand(node.vector.getOffsetBuffer(), node.repetitionLevel);
            }
        }
    }

    int count() {
        return count;
    }

    int[] repetition() {
        return repetition;
    }

    int[] definition() {
        return definition;
    }

    /** Value index in the leaf vector per entry, -1 for an entry with no value. */
    int[] index() {
        return index;
    }

    private void applyValidity(ArrowBuf validity) {
        int[] idx = index;
        int[] def = definition;
        for (int i = 0, n = count; i < n; i++) {
            int ix = idx[i];
            if (ix >= 0) {
                if (((validity.getByte(ix >>> 3) >>> (ix & 7)) & 1) == 0) {
                    idx[i] = -1;
                } else {
                    def[i]++;
                }
            }
        }
    }

    /** Replaces each present list entry by its elements; an empty list stays one entry with no value. */
    private void expand(ArrowBuf offsets, int level) {
        int n = count;
        int[] idx = index;
        int[] def = definition;
        int[] rep = repetition;
        int out = 0;
        int[] outIdx = spareIndex;
        int[] outDef = spareDefinition;
        int[] outRep = spareRepetition;
        for (int i = 0; i < n; i++) {
            int ix = idx[i];
            if (ix < 0) {
                if (out == outIdx.length) {
                    outIdx = grow(outIdx, out + 1);
                    outDef = grow(outDef, out + 1);
                    outRep = grow(outRep, out + 1);
                }
                outIdx[out] = -1;
                outDef[out] = def[i];
                outRep[out] = rep[i];
                out++;
                continue;
            }
            int start = offsets.getInt((long) ix * Integer.BYTES);
            int end = offsets.getInt((long) (ix + 1) * Integer.BYTES);
            int size = Math.max(1, end - start);
            if (out + size > outIdx.length) {
                outIdx = grow(outIdx, out + size);
                outDef = grow(outDef, out + size);
                outRep = grow(outRep, out + size);
            }
            if (end == start) {
                outIdx[out] = -1;
                outDef[out] = def[i];
                outRep[out] = rep[i];
                out++;
                continue;
            }
            int d = def[i] + 1;
            outIdx[out] = start;
            outDef[out] = d;
            outRep[out] = rep[i];
            out++;
            for (int j = start + 1; j < end; j++) {
                outIdx[out] = j;
                outDef[out] = d;
                outRep[out] = level;
                out++;
            }
        }
        spareIndex = idx;
        spareDefinition = def;
        spareRepetition = rep;
        index = outIdx;
        definition = outDef;
        repetition = outRep;
        count = out;
    }

    private void ensure(int n) {
        if (index.length < n) {
            index = new int[n];
            definition = new int[n];
            repetition = new int[n];
        }
    }

    private static int[] grow(int[] array, int min) {
        return Arrays.copyOf(array, Math.max(min, Math.max(16, array.length * 2)));
    }
}
