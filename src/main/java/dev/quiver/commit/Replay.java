package dev.quiver.commit;

import java.util.ArrayList;
import java.util.List;

/**
 * A flush found incomplete on open, to be replayed exactly: it starts at {@code start}, is cut by no threshold and
 * flushes as soon as offset {@code end} is accepted (or a later offset shows the range ended early), so it writes the
 * same object keys as the first attempt and replaces them. Keys the first attempt recorded that the replay does not
 * rewrite are orphans, deleted before the replay's own intent is recorded.
 *
 * @param start the replayed flush's first offset, which names its keys
 * @param end   the last offset it covered (inclusive)
 * @param files the keys the interrupted attempt recorded in its marker
 */
public record Replay(long start, long end, List<String> files) {
    public Replay {
        files = List.copyOf(files);
    }

    /** The recorded keys that a replay writing {@code keys} leaves behind. */
    public List<String> orphans(List<String> keys) {
        List<String> orphans = new ArrayList<>();
        for (String file : files) {
            if (!keys.contains(file)) {
                orphans.add(file);
            }
        }
        return orphans;
    }
}
