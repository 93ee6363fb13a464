package dev.quiver.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class FileLayoutTest {

    @Test
    void keyCarriesTopicPartitionAndPaddedOffset() {
        FileLayout layout = new FileLayout("landing/raw");
        assertThat(layout.dataKey(new TopicPartition("orders", 7), 1234))
                .isEqualTo("landing/raw/orders/partition=7/orders+7+00000000000000001234.parquet");
    }

    @Test
    void emptyPrefixStartsAtBucketRoot() {
        FileLayout layout = new FileLayout("");
        assertThat(layout.dataKey(new TopicPartition("t", 0), 0)).isEqualTo("t/partition=0/t+0+00000000000000000000.parquet");
        assertThat(layout.partitionDirectory(new TopicPartition("t", 0))).isEqualTo("t/partition=0/");
    }

    @Test
    void paddingSortsLexicallyInOffsetOrder() {
        assertThat(FileLayout.pad(9)).isLessThan(FileLayout.pad(10));
        assertThat(FileLayout.pad(Long.MAX_VALUE)).hasSize(20).isEqualTo("0" + Long.MAX_VALUE);
        assertThatThrownBy(() -> FileLayout.pad(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
