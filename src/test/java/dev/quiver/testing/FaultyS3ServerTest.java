package dev.quiver.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;

/** The write cut ExactlyOnceIT relies on: n PUTs per Kafka partition get through, later ones store nothing. */
class FaultyS3ServerTest {

    private static void put(FaultyS3Server s3, String key) {
        s3.client().putObject(PutObjectRequest.builder().bucket("bkt").key(key).build(), RequestBody.fromString(key));
    }

    @Test
    void cutsEachPartitionOffAfterItsAllowedWritesUntilHealedAndKeepsObjectsAcrossARestart() {
        try (FaultyS3Server s3 = new FaultyS3Server().start()) {
            s3.createBucket("bkt");
            put(s3, "p/t/partition=0/t+0+00000000000000000000.parquet");

            s3.cutWritesAfter(1);
            put(s3, "p/_quiver/offsets/c/t+0.properties");                 // partition t+0: 1st write, stored
            put(s3, "p/t/dt=2026-01-01/hr=00/t+1+00000000000000000007.parquet"); // partition t+1: 1st write, stored
            assertThatThrownBy(() -> put(s3, "p/t/partition=0/t+0+00000000000000000010.parquet"))
                    .as("2nd write of partition t+0 during the cut").isInstanceOf(SdkException.class);
            assertThatThrownBy(() -> put(s3, "p/_quiver/offsets/c/t+1.properties"))
                    .as("2nd write of partition t+1 during the cut").isInstanceOf(SdkException.class);

            assertThat(s3.refusedWrites()).isGreaterThanOrEqualTo(2);
            assertThat(s3.writesAllowedDuringCut()).containsExactly("p/_quiver/offsets/c/t+0.properties",
                    "p/t/dt=2026-01-01/hr=00/t+1+00000000000000000007.parquet");
            assertThat(s3.writesRefusedDuringCut()).contains("p/t/partition=0/t+0+00000000000000000010.parquet",
                    "p/_quiver/offsets/c/t+1.properties");
            // reads are never cut, and a refused write stored nothing
            assertThat(s3.listKeys("bkt", "p/")).containsExactly("p/_quiver/offsets/c/t+0.properties",
                    "p/t/dt=2026-01-01/hr=00/t+1+00000000000000000007.parquet",
                    "p/t/partition=0/t+0+00000000000000000000.parquet");

            s3.heal();
            put(s3, "p/t/partition=0/t+0+00000000000000000010.parquet");
            s3.stop();
            assertThat(s3.isRunning()).isFalse();
            assertThatThrownBy(() -> s3.listKeys("bkt", "")).isInstanceOf(SdkException.class);
            s3.start();
            assertThat(s3.listKeys("bkt", "p/t/partition=0/")).containsExactly(
                    "p/t/partition=0/t+0+00000000000000000000.parquet",
                    "p/t/partition=0/t+0+00000000000000000010.parquet");
        }
    }

    @Test
    void namesThePartitionOfDataFilesAndMarkers() {
        assertThat(FaultyS3Server.partitionOf("x/orders/partition=3/orders+3+00000000000000000042.parquet"))
                .isEqualTo("orders+3");
        assertThat(FaultyS3Server.partitionOf("x/orders/dt=2026-01-01/hr=05/orders+3+00000000000000000042.parquet"))
                .isEqualTo("orders+3");
        assertThat(FaultyS3Server.partitionOf("x/_quiver/offsets/sink/orders+3.properties")).isEqualTo("orders+3");
        assertThat(FaultyS3Server.partitionOf("x/something/else")).isEqualTo("x/something/else");
    }
}
