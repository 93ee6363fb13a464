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
    @Test
    void laterLogIncarnationsEndInTheirNumberAndTheFirstKeepsThePlainName() {
        FileLayout layout = new FileLayout("landing");
        TopicPartition tp = new TopicPartition("orders", 3);
        assertThat(layout.dataKey(tp, 7, "", null, 0)).isEqualTo(layout.dataKey(tp, 7))
                .isEqualTo("landing/orders/partition=3/orders+3+00000000000000000007.parquet");
        assertThat(layout.dataKey(tp, 7, "", null, 2))
                .isEqualTo("landing/orders/partition=3/orders+3+00000000000000000007+log2.parquet");
        assertThatThrownBy(() -> layout.dataKey(tp, 7, "", null, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aKeyOfAtMost1024BytesPassesAndOneByteMoreIsABadRecordNamingItsParts() {
        FileLayout layout = new FileLayout("landing");
        TopicPartition tp = new TopicPartition("orders", 3);
        // Room is kept for the widest log incarnation suffix, so that no later log of the partition passes the limit.
        int base = layout.dataKey(tp, 0, "", "a", Integer.MAX_VALUE).getBytes(java.nio.charset.StandardCharsets.UTF_8)
                .length - 1;
        String fits = "a".repeat(1024 - base);
        layout.checkKeyLength(tp, "", fits);
        assertThat(layout.dataKey(tp, Long.MAX_VALUE, "", fits, Integer.MAX_VALUE)).hasSize(1024);
        assertThatThrownBy(() -> layout.checkKeyLength(tp, "", fits + "a"))
                .isInstanceOf(org.apache.kafka.connect.errors.DataException.class)
                .hasMessageContaining("1025 bytes").hasMessageContaining("at most 1024")
                .hasMessageContaining("the folder from partition.by 'aaaa");
        // Multi-byte characters count as their UTF-8 bytes, escaped in a record type name as %XX each.
        assertThatThrownBy(() -> layout.checkKeyLength(tp, "\u00e9".repeat(200), null))
                .hasMessageContaining("the record type (value schema name)").hasMessageContaining("takes 1200 bytes");
        layout.checkKeyLength(tp, "com.example.Order", null);
    }
}
