package dev.quiver;

import dev.quiver.config.Version;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/** Checks the plugin zip that {@code mvn package} built: what a user unzips into plugin.path. */
class PluginPackageIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path pluginZip() throws Exception {
        try (Stream<Path> files = Files.list(Path.of("target/components/packages"))) {
            List<Path> zips = files.filter(p -> p.toString().endsWith(".zip")).collect(Collectors.toList());
            assertThat(zips).as("exactly one plugin zip").hasSize(1);
            return zips.get(0);
        }
    }

    private static List<String> entries(ZipFile zip) {
        List<String> names = new ArrayList<>();
        Enumeration<? extends ZipEntry> e = zip.entries();
        while (e.hasMoreElements()) {
            names.add(e.nextElement().getName());
        }
        return names;
    }

    @Test
    void topLevelManifestStatesTheSameFactsAsThePackagedOne() throws Exception {
        try (ZipFile zip = new ZipFile(pluginZip().toFile())) {
            String manifestEntry = entries(zip).stream().filter(n -> n.endsWith("/manifest.json")).findFirst().orElseThrow();
            ObjectNode packaged = (ObjectNode) JSON.readTree(zip.getInputStream(zip.getEntry(manifestEntry)));
            // The release date is stamped at build time; every other fact must agree.
            packaged.remove("release_date");
            JsonNode topLevel = JSON.readTree(Path.of("manifest.json").toFile());
            assertThat(topLevel).isEqualTo(packaged);
            assertThat(packaged.get("version").asText()).isEqualTo(Version.get());
        }
    }

    @Test
    void zipHoldsTheConnectorButNotTheWorkersOwnJars() throws Exception {
        try (ZipFile zip = new ZipFile(pluginZip().toFile())) {
            List<String> jars = entries(zip).stream().filter(n -> n.endsWith(".jar"))
                    .map(n -> n.substring(n.lastIndexOf('/') + 1)).collect(Collectors.toList());
            assertThat(jars).anyMatch(j -> j.startsWith("quiver-kafka-connect-"));
            assertThat(jars).anyMatch(j -> j.startsWith("arrow-vector-"));
            assertThat(jars).anyMatch(j -> j.startsWith("parquet-hadoop-"));
            assertThat(jars).anyMatch(j -> j.startsWith("hadoop-aws-"));
            // Connect provides these; a second copy in the plugin would shadow the worker's classes.
            assertThat(jars).noneMatch(j -> j.startsWith("connect-api-") || j.startsWith("kafka-clients-")
                    || j.startsWith("slf4j-api-") || j.startsWith("connect-runtime-"));
        }
    }
}
