package dev.quiver.config;

import dev.quiver.decode.AvroDecoder;
import dev.quiver.decode.SchemaRegistryClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The settings of {@code value.format=avro} and {@code key.format=avro}: a Schema Registry (URLs tried in turn, basic
 * auth or a bearer token, a TLS trust store, timeouts), or a fixed Avro schema per key and value for plain Avro
 * binary without a registry. Kept in one class so the main ConfigDef only calls {@link #define}. Credentials are
 * PASSWORD settings: Connect masks them, and the registry client puts them only into the Authorization header.
 */
public final class AvroSettings {
    private AvroSettings() {
    }

    static final String GROUP = "Avro and Schema Registry";

    /** Registry base URLs. */
    public static final String REGISTRY_URL = "schema.registry.url";
    /** user:password for basic auth. */
    public static final String REGISTRY_BASIC_AUTH = "schema.registry.basic.auth.user.info";
    /** A bearer token. */
    public static final String REGISTRY_BEARER_TOKEN = "schema.registry.bearer.token";
    /** Trust store for https registry URLs. */
    public static final String REGISTRY_TRUSTSTORE_LOCATION = "schema.registry.ssl.truststore.location";
    /** Its password. */
    public static final String REGISTRY_TRUSTSTORE_PASSWORD = "schema.registry.ssl.truststore.password";
    /** Its type. */
    public static final String REGISTRY_TRUSTSTORE_TYPE = "schema.registry.ssl.truststore.type";
    /** Connect timeout per registry URL. */
    public static final String REGISTRY_CONNECT_TIMEOUT_MS = "schema.registry.connect.timeout.ms";
    /** Request timeout per registry URL. */
    public static final String REGISTRY_REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";
    /** A fixed writer schema of the values, inline. */
    public static final String VALUE_AVRO_SCHEMA = "value.avro.schema";
    /** The same, in a file. */
    public static final String VALUE_AVRO_SCHEMA_FILE = "value.avro.schema.file";
    /** A fixed writer schema of the keys, inline. */
    public static final String KEY_AVRO_SCHEMA = "key.avro.schema";
    /** The same, in a file. */
    public static final String KEY_AVRO_SCHEMA_FILE = "key.avro.schema.file";

    static void define(ConfigDef def) {
        int order = 0;
        def.define(REGISTRY_URL, Type.LIST, "", new UrlsValidator(), Importance.HIGH, "For value.format=avro or"
                + " key.format=avro without a fixed schema: the Schema Registry base URLs, comma-separated, tried in"
                + " turn until one answers. Values are in Confluent's wire format (magic byte 0, 4-byte schema id,"
                + " Avro binary); each writer schema is fetched once by id (GET /schemas/ids/{id}) and kept. An unknown"
                + " id (404) makes the record bad; a registry no URL reaches is retried, nothing is lost. Also read by"
                + " value.format=protobuf and key.format=protobuf when no descriptor set is given.", GROUP,
                ++order, Width.LONG, "Schema Registry URLs");
        def.define(REGISTRY_BASIC_AUTH, Type.PASSWORD, null, Importance.MEDIUM, "Basic auth for the Schema Registry,"
                + " as user:password. Never logged.", GROUP, ++order, Width.MEDIUM, "Registry user info");
        def.define(REGISTRY_BEARER_TOKEN, Type.PASSWORD, null, Importance.MEDIUM, "A bearer token for the Schema"
                + " Registry, the alternative to basic auth. Never logged.", GROUP, ++order, Width.MEDIUM,
                "Registry bearer token");
        def.define(REGISTRY_TRUSTSTORE_LOCATION, Type.STRING, "", Importance.LOW, "For https registry URLs: the path,"
                + " on every worker, of a trust store holding the registry's CA. Empty trusts the JVM's default CAs.",
                GROUP, ++order, Width.LONG, "Registry trust store");
        def.define(REGISTRY_TRUSTSTORE_PASSWORD, Type.PASSWORD, null, Importance.LOW, "The trust store's password,"
                + " if it has one. Never logged.", GROUP, ++order, Width.MEDIUM, "Registry trust store password");
        def.define(REGISTRY_TRUSTSTORE_TYPE, Type.STRING, "PKCS12", ConfigDef.CaseInsensitiveValidString.in("PKCS12",
                "JKS"), Importance.LOW, "The trust store's type.", GROUP, ++order, Width.SHORT,
                "Registry trust store type");
        def.define(REGISTRY_CONNECT_TIMEOUT_MS, Type.INT, 10_000, ConfigDef.Range.between(1, 600_000),
                Importance.LOW, "How long to wait for a connection to one registry URL before trying the next.",
                GROUP, ++order, Width.SHORT, "Registry connect timeout (ms)");
        def.define(REGISTRY_REQUEST_TIMEOUT_MS, Type.INT, 30_000, ConfigDef.Range.between(1, 600_000),
                Importance.LOW, "How long to wait for one registry URL's answer before trying the next.", GROUP,
                ++order, Width.SHORT, "Registry request timeout (ms)");
        for (String prefix : List.of("value", "key")) {
            def.define(prefix + ".avro.schema", Type.STRING, "", new SchemaValidator(false), Importance.MEDIUM,
                    "For " + prefix + ".format=avro without a Schema Registry: the Avro schema (JSON) every " + prefix
                    + " is written with, inline; " + prefix + "s are then plain Avro binary, without framing. Empty"
                    + " to read the writer schema from the registry.", GROUP, ++order, Width.LONG,
                    prefix + " Avro schema");
            def.define(prefix + ".avro.schema.file", Type.STRING, "", new SchemaValidator(true), Importance.LOW,
                    "For " + prefix + ".format=avro: the path, on every worker, of a file holding that schema; the"
                    + " alternative to " + prefix + ".avro.schema.", GROUP, ++order, Width.LONG,
                    prefix + " Avro schema file");
        }
    }

    /**
     * The problems that span settings, by the setting at fault: a format of avro with no schema source, two sources
     * of one schema, basic auth with a bearer token, a trust store that does not load. {@code valueOf} gives a
     * setting's parsed value, or null when it is missing or failed its own check.
     */
    public static Map<String, String> crossFieldProblems(Function<String, Object> valueOf) {
        Map<String, String> problems = new LinkedHashMap<>();
        List<?> urls = (List<?>) valueOf.apply(REGISTRY_URL);
        for (String prefix : List.of("value", "key")) {
            Object format = valueOf.apply(prefix + ".format");
            String inline = text(valueOf.apply(prefix + ".avro.schema"));
            String file = text(valueOf.apply(prefix + ".avro.schema.file"));
            if (!inline.isEmpty() && !file.isEmpty()) {
                problems.putIfAbsent(prefix + ".avro.schema.file", "is set together with " + prefix
                        + ".avro.schema; set one");
            }
            boolean schemaSettingsPassed = valueOf.apply(prefix + ".avro.schema") != null
                    && valueOf.apply(prefix + ".avro.schema.file") != null;
            if ("avro".equalsIgnoreCase(text(format)) && inline.isEmpty() && file.isEmpty() && urls != null
                    && urls.isEmpty() && schemaSettingsPassed) {
                problems.putIfAbsent(REGISTRY_URL, "is required with " + prefix + ".format=avro, unless " + prefix
                        + ".avro.schema or " + prefix + ".avro.schema.file gives the schema of plain Avro " + prefix
                        + "s");
            }
        }
        if (!secret(valueOf.apply(REGISTRY_BASIC_AUTH)).isEmpty()
                && !secret(valueOf.apply(REGISTRY_BEARER_TOKEN)).isEmpty()) {
            problems.put(REGISTRY_BEARER_TOKEN, "is set together with " + REGISTRY_BASIC_AUTH + "; set one");
        }
        String basic = secret(valueOf.apply(REGISTRY_BASIC_AUTH));
        if (!basic.isEmpty() && basic.indexOf(':') < 0) {
            problems.put(REGISTRY_BASIC_AUTH, "is not user:password");
        }
        String store = text(valueOf.apply(REGISTRY_TRUSTSTORE_LOCATION));
        if (store.isEmpty() && !secret(valueOf.apply(REGISTRY_TRUSTSTORE_PASSWORD)).isEmpty()) {
            problems.put(REGISTRY_TRUSTSTORE_PASSWORD, "is set, but " + REGISTRY_TRUSTSTORE_LOCATION + " is empty");
        } else if (!store.isEmpty() && valueOf.apply(REGISTRY_TRUSTSTORE_TYPE) != null) {
            try {
                sslContext(store, secret(valueOf.apply(REGISTRY_TRUSTSTORE_PASSWORD)),
                        text(valueOf.apply(REGISTRY_TRUSTSTORE_TYPE)));
            } catch (IllegalArgumentException e) {
                problems.put(REGISTRY_TRUSTSTORE_LOCATION, e.getMessage());
            }
        }
        return problems;
    }

    /** The first cross-field problem, thrown as Connect reports a bad setting. */
    static void check(QuiverSinkConfig config) {
        Map<String, String> problems = crossFieldProblems(key -> config.values().get(key));
        for (Map.Entry<String, String> e : problems.entrySet()) {
            Object value = config.values().get(e.getKey());
            throw new ConfigException(e.getKey(), value instanceof Password ? "[hidden]" : value, e.getValue());
        }
    }

    /** True when {@code prefix}.format is avro. */
    static boolean isAvro(QuiverSinkConfig config, String prefix) {
        return "avro".equalsIgnoreCase(config.getString(prefix + ".format").trim());
    }

    /** A new decoder (one per task) of the {@code prefix} ({@code value} or {@code key}) when its format is avro. */
    static AvroDecoder decoder(QuiverSinkConfig config, String prefix) {
        String inline = config.getString(prefix + ".avro.schema").trim();
        String file = config.getString(prefix + ".avro.schema.file").trim();
        if (!inline.isEmpty() || !file.isEmpty()) {
            return inline.isEmpty() ? AvroDecoder.withSchemaFile(file) : AvroDecoder.withSchema(inline);
        }
        return AvroDecoder.withRegistry(registryClient(config));
    }

    /** The registry client the settings describe. */
    static SchemaRegistryClient registryClient(QuiverSinkConfig config) {
        String store = config.getString(REGISTRY_TRUSTSTORE_LOCATION).trim();
        SSLContext ssl = store.isEmpty() ? null : sslContext(store, secret(config.getPassword(REGISTRY_TRUSTSTORE_PASSWORD)),
                config.getString(REGISTRY_TRUSTSTORE_TYPE));
        return new SchemaRegistryClient(config.getList(REGISTRY_URL), secret(config.getPassword(REGISTRY_BASIC_AUTH)),
                secret(config.getPassword(REGISTRY_BEARER_TOKEN)), ssl,
                Duration.ofMillis(config.getInt(REGISTRY_CONNECT_TIMEOUT_MS)),
                Duration.ofMillis(config.getInt(REGISTRY_REQUEST_TIMEOUT_MS)));
    }

    private static SSLContext sslContext(String location, String password, String type) {
        try (InputStream in = Files.newInputStream(Path.of(location))) {
            KeyStore ks = KeyStore.getInstance(type.trim().toUpperCase(Locale.ROOT));
            ks.load(in, password.isEmpty() ? null : password.toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException | GeneralSecurityException e) {
            // The message of a wrong password says so without the password.
            throw new IllegalArgumentException("is not a readable " + type + " trust store: " + e.getMessage(), e);
        }
    }

    private static String text(Object value) {
        return value == null ? "" : String.valueOf(value).trim();
    }

    private static String secret(Object value) {
        return value instanceof Password ? ((Password) value).value().trim() : "";
    }

    /** http or https URLs with a host; none at all is fine here (the cross-field check asks for one when needed). */
    private static final class UrlsValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            for (Object item : (List<?>) value) {
                String url = String.valueOf(item).trim();
                URI uri;
                try {
                    uri = URI.create(url);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(name, value, "'" + url + "' is not a URL: " + e.getMessage());
                }
                if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                    throw new ConfigException(name, value, "'" + url + "' is not an http or https URL with a host");
                }
                if (uri.getUserInfo() != null) {
                    // Never echo it: it holds the credentials.
                    throw new ConfigException(name, "[hidden]", "a URL carries user info; put it in "
                            + REGISTRY_BASIC_AUTH + ", which is never logged");
                }
            }
        }

        @Override
        public String toString() {
            return "http or https URLs, comma-separated";
        }
    }

    /** An Avro schema Quiver can store, inline or in a readable file; empty passes. */
    private static final class SchemaValidator extends InlineOrFileValidator {
        SchemaValidator(boolean file) {
            super(file, "(Avro schema)", "empty, or an Avro schema (JSON)",
                    "empty, or the path of an Avro schema file on the worker");
        }

        @Override
        String problem(String text, boolean file) {
            try {
                if (file) {
                    AvroDecoder.withSchemaFile(text);
                } else {
                    AvroDecoder.withSchema(text);
                }
                return null;
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        }
    }
}
