package dev.quiver.decode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.errors.RetriableException;

/**
 * Fetches writer schemas from a Confluent-compatible Schema Registry by id ({@code GET /schemas/ids/{id}}) and caches
 * them by id for the client's life (an id names one schema forever, so the cache never goes stale).
 *
 * <p>The URLs are tried in turn until one answers. A 404 from any of them means the id is unknown: that is the
 * record's fault and a {@link DataException} (dead letter). When no URL answers, or each answers with a server error,
 * the failure is a {@link RetriableException}: Connect re-delivers the batch and nothing is lost. Credentials go only
 * into the Authorization header; no message here contains them.
 */
public final class SchemaRegistryClient {

    /** One schema as the registry returns it. */
    public record RegisteredSchema(int id, String schema, String schemaType, List<Reference> references) {
    }

    /** A reference from a schema to another subject version (Protobuf imports, Avro named types). */
    public record Reference(String name, String subject, int version) {
    }

    /**
     * No registry URL answered: retriable, the record is delivered again. A type of its own so the task can ask
     * Connect to retry soon (a storage failure has its own backoff).
     */
    public static final class UnavailableException extends RetriableException {
        private static final long serialVersionUID = 1L;

        UnavailableException(String message) {
            super(message);
        }
    }

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<URI> baseUrls;
    private final String authorization;
    private final Duration requestTimeout;
    private final HttpClient http;
    private final Map<Integer, RegisteredSchema> byId = new ConcurrentHashMap<>();
    private final Map<String, RegisteredSchema> bySubjectVersion = new ConcurrentHashMap<>();
    private final Map<String, RegisteredSchema> byIdAndFormat = new ConcurrentHashMap<>();

    /**
     * @param baseUrls registry base URLs, tried in order
     * @param basicUserInfo {@code user:password} for basic auth, or null
     * @param bearerToken a bearer token, or null (basic auth wins when both are given)
     * @param sslContext the TLS context for https URLs (e.g. from a trust store), or null for the JVM default
     */
    public SchemaRegistryClient(List<String> baseUrls, String basicUserInfo, String bearerToken, SSLContext sslContext,
            Duration connectTimeout, Duration requestTimeout) {
        if (baseUrls.isEmpty()) {
            throw new IllegalArgumentException("no Schema Registry URL");
        }
        List<URI> urls = new ArrayList<>();
        for (String u : baseUrls) {
            urls.add(URI.create(u.endsWith("/") ? u : u + "/"));
        }
        this.baseUrls = List.copyOf(urls);
        if (basicUserInfo != null && !basicUserInfo.isEmpty()) {
            authorization = "Basic " + Base64.getEncoder().encodeToString(basicUserInfo.getBytes(StandardCharsets.UTF_8));
        } else if (bearerToken != null && !bearerToken.isEmpty()) {
            authorization = "Bearer " + bearerToken;
        } else {
            authorization = null;
        }
        this.requestTimeout = requestTimeout;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER);
        if (sslContext != null) {
            b.sslContext(sslContext);
        }
        this.http = b.build();
    }

    /** The schema with this id, from the cache or the registry. */
    public RegisteredSchema schema(int id) {
        RegisteredSchema cached = byId.get(id);
        if (cached != null) {
            return cached;
        }
        RegisteredSchema fetched = fetch(id);
        byId.putIfAbsent(id, fetched);
        return fetched;
    }

    /**
     * The schema with this id in the form {@code format} names ({@code GET /schemas/ids/{id}?format=..}), e.g.
     * {@code serialized}, with which Confluent's registry answers a Protobuf schema as a base64 FileDescriptorProto
     * instead of .proto text. A registry that does not know the parameter ignores it and answers the default form:
     * callers check what they got. Cached apart from {@link #schema(int)}.
     */
    public RegisteredSchema schema(int id, String format) {
        String key = id + "?" + format;
        RegisteredSchema cached = byIdAndFormat.get(key);
        if (cached != null) {
            return cached;
        }
        RegisteredSchema fetched = get("schemas/ids/" + id + "?format=" + URLEncoder.encode(format,
                StandardCharsets.UTF_8), "schema id " + id, id);
        byIdAndFormat.putIfAbsent(key, fetched);
        return fetched;
    }

    /** A referenced schema ({@link #referenced(Reference)}) in the form {@code format} names, cached per form. */
    public RegisteredSchema referenced(Reference ref, String format) {
        String key = ref.subject() + '\u0000' + ref.version() + '?' + format;
        RegisteredSchema cached = bySubjectVersion.get(key);
        if (cached != null) {
            return cached;
        }
        RegisteredSchema fetched = get(subjectVersionPath(ref) + "?format=" + URLEncoder.encode(format,
                StandardCharsets.UTF_8), "subject '" + ref.subject() + "' version " + ref.version(), -1);
        bySubjectVersion.putIfAbsent(key, fetched);
        return fetched;
    }

    private static String subjectVersionPath(Reference ref) {
        return "subjects/" + URLEncoder.encode(ref.subject(), StandardCharsets.UTF_8).replace("+", "%20")
                + "/versions/" + ref.version();
    }

    /**
     * A schema another one references ({@code GET /subjects/{subject}/versions/{version}}), cached like schemas by id
     * (a subject version never changes).
     */
    public RegisteredSchema referenced(Reference ref) {
        String key = ref.subject() + '\u0000' + ref.version();
        RegisteredSchema cached = bySubjectVersion.get(key);
        if (cached != null) {
            return cached;
        }
        RegisteredSchema fetched = get(subjectVersionPath(ref), "subject '" + ref.subject() + "' version "
                + ref.version(), -1);
        bySubjectVersion.putIfAbsent(key, fetched);
        return fetched;
    }

    private RegisteredSchema fetch(int id) {
        return get("schemas/ids/" + id, "schema id " + id, id);
    }

    private RegisteredSchema get(String path, String what, int id) {
        StringBuilder failures = new StringBuilder();
        for (URI base : baseUrls) {
            HttpRequest.Builder req = HttpRequest.newBuilder(base.resolve(path))
                    .timeout(requestTimeout).header("Accept", CONTENT_TYPE + ", application/json").GET();
            if (authorization != null) {
                req.header("Authorization", authorization);
            }
            HttpResponse<String> resp;
            try {
                resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                failures.append("; ").append(hostOf(base)).append(": ").append(e.getClass().getSimpleName());
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RetriableException("interrupted while fetching " + what);
            }
            int status = resp.statusCode();
            if (status == 200) {
                return parse(id, resp.body());
            }
            if (status == 404) {
                throw new DataException(what + " is unknown to the Schema Registry at " + hostOf(base)
                        + " (404): the record was written against another registry or the schema was deleted");
            }
            if (status == 401 || status == 403) {
                failures.append("; ").append(hostOf(base)).append(": HTTP ").append(status)
                        .append(" (check the registry credentials)");
                continue;
            }
            failures.append("; ").append(hostOf(base)).append(": HTTP ").append(status);
        }
        throw new UnavailableException("no Schema Registry answered for " + what + failures);
    }

    /** Scheme, host and port only: a URL's user info may hold credentials and is never printed. */
    private static String hostOf(URI u) {
        return u.getScheme() + "://" + u.getHost() + (u.getPort() >= 0 ? ":" + u.getPort() : "");
    }

    static RegisteredSchema parse(int id, String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new RetriableException("the Schema Registry answered schema id " + id + " with a body that is not JSON");
        }
        JsonNode schema = root == null ? null : root.get("schema");
        if (schema == null || !schema.isTextual()) {
            throw new RetriableException("the Schema Registry answered schema id " + id + " without a 'schema' string");
        }
        String type = root.hasNonNull("schemaType") ? root.get("schemaType").asText() : "AVRO";
        List<Reference> refs = new ArrayList<>();
        JsonNode r = root.get("references");
        if (r != null && r.isArray()) {
            for (JsonNode n : r) {
                refs.add(new Reference(n.path("name").asText(), n.path("subject").asText(), n.path("version").asInt()));
            }
        }
        return new RegisteredSchema(id >= 0 ? id : root.path("id").asInt(-1), schema.asText(), type, List.copyOf(refs));
    }
}
