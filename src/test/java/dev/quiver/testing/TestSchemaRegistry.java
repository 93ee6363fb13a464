package dev.quiver.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A small Schema Registry for tests, speaking the subset of Confluent's documented REST API that Quiver and a
 * serializer call, with its JSON shapes and content type ({@code application/vnd.schemaregistry.v1+json}):
 * <ul>
 *   <li>{@code POST /subjects/{subject}/versions} with {@code {"schema": .., "schemaType": .., "references": [..]}}
 *       registers a schema and answers {@code {"id": n}}, the same id for the same schema text, type and references;</li>
 *   <li>{@code GET /schemas/ids/{id}} answers {@code {"schema": .., "schemaType": .., "references": [..]}}
 *       ({@code schemaType} left out for AVRO, as Confluent does), or 404 with error code 40403;</li>
 *   <li>{@code GET /subjects/{subject}/versions/{version}} answers {@code {"subject", "id", "version", "schema",
 *       "schemaType", "references"}}, or 404 with 40401/40402.</li>
 * </ul>
 * <p>Protobuf: both GETs take {@code ?format=serialized}, with which Confluent's registry answers a Protobuf schema as
 * a base64 {@code FileDescriptorProto}. This server cannot parse .proto text, so it serves a PROTOBUF schema as it
 * was registered: one registered in serialized form (which Confluent's registry accepts too) is answered serialized;
 * one registered as .proto text is answered as that text whatever the format, as a registry that predates the
 * parameter does. (Confluent's registry would answer the text form to a GET without the parameter; Quiver never
 * asks that for Protobuf.)
 *
 * <p>A real Confluent registry is not on Maven Central, so this stands in; it keeps no compatibility rules. With
 * {@code basicUserInfo} set, requests without that basic auth get 401.
 *
 * <p>{@link #main} runs it as its own process, optionally saving its schemas to a file so that a restart serves the
 * same ids (integration tests fork it, as a user's registry is another process):
 * it prints {@code PORT <n>} on stdout once listening, and exits when its stdin closes.
 */
public final class TestSchemaRegistry implements AutoCloseable {
    public static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private record Stored(int id, String schema, String schemaType, JsonNode references) {
    }

    private final HttpServer server;
    private final String requiredAuth;
    private final Map<Integer, Stored> byId = new LinkedHashMap<>();
    private final Map<String, List<Stored>> bySubject = new LinkedHashMap<>();
    private int nextId = 1;
    private final List<String> requests = new ArrayList<>();

    private final Path state;

    private TestSchemaRegistry(int port, String basicUserInfo, Path state) throws IOException {
        this.state = state;
        if (state != null && java.nio.file.Files.exists(state)) {
            for (JsonNode n : JSON.readTree(state.toFile())) {
                Stored s = new Stored(n.get("id").asInt(), n.get("schema").asText(), n.get("schemaType").asText(),
                        n.get("references"));
                byId.put(s.id, s);
                nextId = Math.max(nextId, s.id + 1);
                for (JsonNode subject : n.get("subjects")) {
                    addVersion(subject.asText(), s);
                }
            }
        }
        requiredAuth = basicUserInfo == null ? null
                : "Basic " + Base64.getEncoder().encodeToString(basicUserInfo.getBytes(StandardCharsets.UTF_8));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Starts one in this JVM on {@code port} (0: any free one). */
    public static TestSchemaRegistry start(int port, String basicUserInfo) throws IOException {
        return new TestSchemaRegistry(port, basicUserInfo, null);
    }

    /** Saves every schema and its subjects, so a registry restarted on {@code state} serves the same ids. */
    private void save() {
        if (state == null) {
            return;
        }
        ArrayNode all = JSON.createArrayNode();
        for (Stored s : byId.values()) {
            ObjectNode n = all.addObject();
            n.put("id", s.id);
            n.put("schema", s.schema);
            n.put("schemaType", s.schemaType);
            n.set("references", s.references);
            ArrayNode subjects = n.putArray("subjects");
            bySubject.forEach((subject, versions) -> {
                if (versions.contains(s)) {
                    subjects.add(subject);
                }
            });
        }
        try {
            JSON.writeValue(state.toFile(), all);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        return "http://127.0.0.1:" + port();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** The requests served so far, as "METHOD /path?query", for tests of caching. */
    public synchronized List<String> requests() {
        return List.copyOf(requests);
    }

    private synchronized void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (requiredAuth != null && !requiredAuth.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                send(ex, 401, error(40101, "Unauthorized"));
                return;
            }
            requests.add(ex.getRequestMethod() + " " + ex.getRequestURI());
            String[] parts = ex.getRequestURI().getRawPath().split("/");
            String method = ex.getRequestMethod();
            if (parts.length == 4 && parts[1].equals("schemas") && parts[2].equals("ids") && method.equals("GET")) {
                Stored s = byId.get(parseInt(parts[3]));
                if (s == null) {
                    send(ex, 404, error(40403, "Schema " + parts[3] + " not found"));
                } else {
                    send(ex, 200, body(s, null, -1));
                }
            } else if (parts.length == 4 && parts[1].equals("subjects") && parts[3].equals("versions")
                    && method.equals("POST")) {
                JsonNode req = JSON.readTree(ex.getRequestBody());
                String subject = URLDecoder.decode(parts[2], StandardCharsets.UTF_8);
                ObjectNode out = JSON.createObjectNode();
                out.put("id", register(subject, req.path("schema").asText(), req.path("schemaType").asText("AVRO"),
                        req.has("references") ? req.get("references") : JSON.createArrayNode()));
                send(ex, 200, out);
            } else if (parts.length == 5 && parts[1].equals("subjects") && parts[3].equals("versions")
                    && method.equals("GET")) {
                String subject = URLDecoder.decode(parts[2], StandardCharsets.UTF_8);
                List<Stored> versions = bySubject.get(subject);
                if (versions == null) {
                    send(ex, 404, error(40401, "Subject '" + subject + "' not found."));
                    return;
                }
                int v = parts[4].equals("latest") ? versions.size() : parseInt(parts[4]);
                if (v < 1 || v > versions.size()) {
                    send(ex, 404, error(40402, "Version " + parts[4] + " not found."));
                    return;
                }
                send(ex, 200, body(versions.get(v - 1), subject, v));
            } else {
                send(ex, 404, error(404, "HTTP 404 Not Found"));
            }
        } catch (RuntimeException e) {
            send(ex, 500, error(50001, String.valueOf(e)));
        }
    }

    private int register(String subject, String schema, String type, JsonNode references) {
        for (Stored s : byId.values()) {
            if (s.schema.equals(schema) && s.schemaType.equals(type) && s.references.equals(references)) {
                addVersion(subject, s);
                save();
                return s.id;
            }
        }
        Stored s = new Stored(nextId++, schema, type, references);
        byId.put(s.id, s);
        addVersion(subject, s);
        save();
        return s.id;
    }

    private void addVersion(String subject, Stored s) {
        List<Stored> versions = bySubject.computeIfAbsent(subject, k -> new ArrayList<>());
        if (!versions.contains(s)) {
            versions.add(s);
        }
    }

    private static int parseInt(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static ObjectNode body(Stored s, String subject, int version) {
        ObjectNode out = JSON.createObjectNode();
        if (subject != null) {
            out.put("subject", subject);
            out.put("version", version);
            out.put("id", s.id);
        }
        out.put("schema", s.schema);
        if (!s.schemaType.equals("AVRO")) {
            out.put("schemaType", s.schemaType);
        }
        if (s.references.size() > 0) {
            out.set("references", s.references);
        }
        return out;
    }

    private static ObjectNode error(int code, String message) {
        ObjectNode out = JSON.createObjectNode();
        out.put("error_code", code);
        out.put("message", message);
        return out;
    }

    private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        ex.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    /** Registers a schema over HTTP, as a serializer does, and returns its id. */
    public static int register(String baseUrl, String subject, String schema, String schemaType,
            List<Map<String, Object>> references) throws IOException, InterruptedException {
        ObjectNode req = JSON.createObjectNode();
        req.put("schema", schema);
        req.put("schemaType", schemaType);
        ArrayNode refs = req.putArray("references");
        for (Map<String, Object> r : references) {
            refs.add(JSON.valueToTree(r));
        }
        java.net.http.HttpResponse<String> resp = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(baseUrl + "/subjects/"
                        + java.net.URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20") + "/versions"))
                        .header("Content-Type", CONTENT_TYPE)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(req))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        if (resp.statusCode() != 200) {
            throw new IOException("registering under " + subject + ": HTTP " + resp.statusCode() + " " + resp.body());
        }
        return JSON.readTree(resp.body()).get("id").asInt();
    }

    /** A registry in a process of its own, on the test classpath; stopped by closing. */
    public static final class Forked implements AutoCloseable {
        private final Process process;
        private final int port;

        private Forked(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        /**
         * Forks one on {@code port} (0: any free one) and waits until it listens; a port just freed by an earlier
         * registry may take a moment to be bound again, so that is tried for a few seconds.
         */
        public static Forked start(int port, String basicUserInfo, Path state) throws IOException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (true) {
                try {
                    return startOnce(port, basicUserInfo, state);
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        throw e;
                    }
                    try {
                        Thread.sleep(500);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw e;
                    }
                }
            }
        }

        private static Forked startOnce(int port, String basicUserInfo, Path state) throws IOException {
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx64m", "-cp", System.getProperty("java.class.path"), TestSchemaRegistry.class.getName(),
                    Integer.toString(port)));
            cmd.add(basicUserInfo == null ? "-" : basicUserInfo);
            cmd.add(state == null ? "-" : state.toString());
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            if (line == null || !line.startsWith("PORT ")) {
                p.destroyForcibly();
                throw new IOException("the forked schema registry did not start: " + line);
            }
            return new Forked(p, Integer.parseInt(line.substring(5).trim()));
        }

        public int port() {
            return port;
        }

        public String url() {
            return "http://127.0.0.1:" + port;
        }

        public long pid() {
            return process.pid();
        }

        @Override
        public void close() throws IOException {
            process.getOutputStream().close();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    /** {@code port user:password|- statefile|-}: serves until stdin closes. */
    public static void main(String[] args) throws IOException {
        TestSchemaRegistry registry = new TestSchemaRegistry(Integer.parseInt(args[0]),
                args[1].equals("-") ? null : args[1], args[2].equals("-") ? null : Path.of(args[2]));
        System.out.println("PORT " + registry.port());
        System.out.flush();
        while (System.in.read() >= 0) {
            // Serve until the parent closes our stdin (or dies).
        }
        registry.close();
    }
}
