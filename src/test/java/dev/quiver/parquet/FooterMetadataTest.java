package dev.quiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FooterMetadataTest {
    @Test
    void pairsKeepTheGivenOrderAfterTheSparkCalendarMarker() {
        Map<String, String> footer = FooterMetadata.of("z", "1", "a", "2", "m", "3");
        assertThat(new ArrayList<>(footer.keySet())).containsExactly("org.apache.spark.version", "z", "a", "m");
        assertThat(footer).containsEntry("org.apache.spark.version", "3.0.0").containsEntry("a", "2");
    }

    @Test
    void oddCountsNullsAndRepeatedKeysAreRefused() {
        assertThatThrownBy(() -> FooterMetadata.of("a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FooterMetadata.of("a", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FooterMetadata.of("a", "1", "a", "2")).hasMessageContaining("'a' given twice");
        assertThatThrownBy(() -> FooterMetadata.of(FooterMetadata.SPARK_VERSION_KEY, "9"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(List.copyOf(FooterMetadata.of().keySet())).containsExactly(FooterMetadata.SPARK_VERSION_KEY);
    }
}
