package dev.quiver.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import software.amazon.awssdk.core.exception.SdkClientException;

/** The fixture later outage tests rely on: objects and port survive a stop/start, and a stopped server is gone. */
class S3ProxyServerTest {

    @TempDir
    Path tmp;

    @Test
    void keepsObjectsAndPortAcrossARestartAndRefusesRequestsWhileStopped() throws Exception {
        for (S3ProxyServer.Storage storage : S3ProxyServer.Storage.values()) {
            try (S3ProxyServer s3 = new S3ProxyServer(storage).start()) {
                int port = s3.port();
                assertThat(s3.endpoint()).isEqualTo("http://127.0.0.1:" + port);
                s3.createBucket("bkt");
                Path f = tmp.resolve("hello.txt");
                Files.writeString(f, "hello " + storage);
                s3.putObject("bkt", "pre/fix/a.txt", f);
                s3.putObject("bkt", "pre/fix/sub/b.txt", f);
                s3.putObject("bkt", "other/c.txt", f);
                assertThat(s3.listKeys("bkt", "pre/")).containsExactly("pre/fix/a.txt", "pre/fix/sub/b.txt");

                s3.stop();
                assertThat(s3.isRunning()).isFalse();
                assertThatThrownBy(() -> s3.listKeys("bkt", ""))
                        .as("requests while %s s3proxy is stopped", storage)
                        .isInstanceOf(SdkClientException.class);

                s3.start();
                assertThat(s3.port()).isEqualTo(port);
                Path out = tmp.resolve("out-" + storage);
                List<Path> files = s3.downloadTo("bkt", "pre/", out);
                assertThat(files).containsExactly(out.resolve("pre/fix/a.txt"), out.resolve("pre/fix/sub/b.txt"));
                assertThat(Files.readString(files.get(1))).isEqualTo("hello " + storage);

                s3.restart();
                assertThat(s3.listKeys("bkt", "")).containsExactly("other/c.txt", "pre/fix/a.txt",
                        "pre/fix/sub/b.txt");
            }
        }
    }
}
