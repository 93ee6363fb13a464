package dev.quiver.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the shape the README's Development section describes: no import cycle between Quiver's packages (a reference
 * by full name counts as an import), and no class over 500 lines in the engine's three packages, so that a newcomer
 * reads the data path from the folder tree and finds the whole commit protocol in {@code commit/}.
 */
class PackageStructureTest {
    private static final Path SOURCES = Paths.get("src/main/java/dev/quiver");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.quiver\\.([a-z]+)\\.[A-Z]");
    private static final int MAX_LINES = 500;

    @Test
    void packagesFormNoCycle() throws IOException {
        Map<String, Set<String>> uses = dependencies();
        assertThat(uses).containsKeys("intake", "land", "commit", "parquet", "store");
        List<String> cycles = new ArrayList<>();
        for (String from : uses.keySet()) {
            for (String to : uses.get(from)) {
                if (reaches(uses, to, from, new TreeSet<>())) {
                    cycles.add(from + " -> " + to + " -> ... -> " + from);
                }
            }
        }
        assertThat(cycles).as("package cycles, from %s", uses).isEmpty();
    }

    @Test
    void parquetKnowsNothingOfStorageAndArrowNothingOfDecoding() throws IOException {
        Map<String, Set<String>> uses = dependencies();
        assertThat(uses.get("parquet")).doesNotContain("store", "land");
        assertThat(uses.get("store")).doesNotContain("parquet", "arrow");
        assertThat(uses.get("arrow")).doesNotContain("decode");
        assertThat(uses.get("commit")).doesNotContain("intake", "land", "parquet");
        assertThat(uses.get("land")).doesNotContain("intake");
    }

    @Test
    void engineClassesStaySmall() throws IOException {
        Map<String, Integer> tooLong = new TreeMap<>();
        for (String pkg : List.of("intake", "land", "commit")) {
            try (Stream<Path> files = Files.list(SOURCES.resolve(pkg))) {
                for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
                    int lines = Files.readAllLines(file).size();
                    if (lines > MAX_LINES) {
                        tooLong.put(pkg + "/" + file.getFileName(), lines);
                    }
                }
            }
        }
        assertThat(tooLong).as("classes over %d lines", MAX_LINES).isEmpty();
    }

    /** For each package under dev.quiver (the root's classes excluded: they are the plugin's entry points), the others it uses. */
    private static Map<String, Set<String>> dependencies() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
                Path dir = SOURCES.relativize(file.getParent());
                if (dir.toString().isEmpty()) {
                    continue;
                }
                String pkg = dir.getName(0).toString();
                Set<String> used = uses.computeIfAbsent(pkg, p -> new TreeSet<>());
                Matcher m = REFERENCE.matcher(Files.readString(file));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        used.add(m.group(1));
                    }
                }
            }
        }
        return uses;
    }

    private static boolean reaches(Map<String, Set<String>> uses, String from, String target, Set<String> seen) {
        if (from.equals(target)) {
            return true;
        }
        if (!seen.add(from)) {
            return false;
        }
        for (String next : uses.getOrDefault(from, Set.of())) {
            if (reaches(uses, next, target, seen)) {
                return true;
            }
        }
        return false;
    }
}
