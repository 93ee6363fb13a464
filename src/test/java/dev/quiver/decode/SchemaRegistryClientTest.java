package dev.quiver.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Runs the client against a real HTTP server on 127.0.0.1 speaking the registry's JSON. */
class SchemaRegistryClientTest {

    private HttpServer server;
    private final AtomicInteger hits = new AtomicInteger();
    private final List<String> authHeaders = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/schemas/ids/", ex -> {
            hits.incrementAndGet();
            authHeaders.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
            String id = ex.getRequestURI().getPath().substring("/schemas/ids/".length());
            byte[] body;
            int status;
            if (id.equals("7")) {
                status = 200;
                body = ("{\"schema\":\"{\\\"type\\\":\\\"string\\\"}\",\"schemaType\":\"AVRO\","
                        + "\"references\":[{\"name\":\"a.proto\",\"subject\":\"a\",\"version\":2}]}")
                        .getBytes(StandardCharsets.UTF_8);
            } else {
                status = 404;
                body = "{\"error_code\":40403,\"message\":\"Schema not found\"}".getBytes(StandardCharsets.UTF_8);
            }
            ex.getResponseHeaders().add("Content-Type", SchemaRegistryClient.CONTENT_TYPE);
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static String deadUrl() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return "http://127.0.0.1:" + s.getLocalPort();
        }
    }

    private SchemaRegistryClient client(List<String> urls, String userInfo, String token) {
        return new SchemaRegistryClient(urls, userInfo, token, null, Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    @Test
    void fetchesOnceByIdTryingTheNextUrlWhenOneIsDown() throws Exception {
        SchemaRegistryClient c = client(List.of(deadUrl(), url()), "alice:s3cret", null);
        SchemaRegistryClient.RegisteredSchema s = c.schema(7);
        assertThat(s.schema()).isEqualTo("{\"type\":\"string\"}");
        assertThat(s.schemaType()).isEqualTo("AVRO");
        assertThat(s.references()).containsExactly(new SchemaRegistryClient.Reference("a.proto", "a", 2));
        assertThat(c.schema(7)).isSameAs(s);
        assertThat(hits.get()).isEqualTo(1);
        assertThat(authHeaders).containsExactly("Basic YWxpY2U6czNjcmV0");
    }

    @Test
    void sendsABearerToken() {
        client(List.of(url()), null, "tok").schema(7);
        assertThat(authHeaders).containsExactly("Bearer tok");
    }

    @Test
    void anUnknownIdIsTheRecordsFault() {
        assertThatThrownBy(() -> client(List.of(url()), null, null).schema(99))
                .isInstanceOf(DataException.class).hasMessageContaining("schema id 99").hasMessageContaining("404");
    }

    @Test
    void anUnreachableRegistryIsRetriableAndNamesNoCredentials() throws Exception {
        String dead = deadUrl().replace("http://", "http://bob:hunter2@");
        assertThatThrownBy(() -> client(List.of(dead), "bob:hunter2", null).schema(7))
                .isInstanceOf(RetriableException.class)
                .hasMessageContaining("schema id 7")
                .hasMessageNotContaining("hunter2");
    }
}
