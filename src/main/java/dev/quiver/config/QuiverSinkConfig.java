package dev.quiver.config;

import java.net.URI;
import java.net.URISyntaxException;
import dev.quiver.arrow.MetadataColumns;
import dev.quiver.decode.KeyDecoding;
import dev.quiver.decode.ValueDecoder;
import dev.quiver.decode.ValueDecoders;
import dev.quiver.layout.PathPartitioner;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.Width;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The one definition of every Quiver setting: its type, default, validator, group and documentation.
 *
 * <p>Validators here check one field at a time, so that Connect's REST {@code validate} endpoint attaches each error to
 * the field at fault; the few checks that span fields live in {@link #validateAcrossFields}.
 */
public final class QuiverSinkConfig extends AbstractConfig {

    private static final String GROUP_STORE = "Storage";
    private static final String GROUP_S3 = "S3";
    private static final String GROUP_FLUSH = "Flush";
    private static final String GROUP_PARQUET = "Parquet";
    private static final String GROUP_ROWS = "Rows";
    private static final String GROUP_PATHS = "Paths";
    private static final String GROUP_DECODING = "Value decoding";
    private static final String GROUP_KEY_DECODING = "Key decoding";

    /** Where files land: {@code s3a://bucket[/prefix]} or {@code file:///absolute/dir}. */
    public static final String STORE_URL = "store.url";
    private static final String STORE_URL_DOC = "Where Parquet files land. s3a://bucket[/prefix] for S3 and S3-compatible"
            + " stores (MinIO and others), or file:///absolute/dir for a local or mounted directory.";

    /** S3 endpoint override, for MinIO and other S3-compatible servers. */
    public static final String S3_ENDPOINT = "s3.endpoint";
    private static final String S3_ENDPOINT_DOC = "S3 endpoint URL, for example http://minio:9000. Empty means AWS S3,"
            + " with the endpoint derived from s3.region.";
    private static final String S3_ENDPOINT_DEFAULT = "";

    /** S3 signing region. */
    public static final String S3_REGION = "s3.region";
    private static final String S3_REGION_DOC = "S3 region used for request signing and, on AWS, for the endpoint.";
    private static final String S3_REGION_DEFAULT = "us-east-1";

    /** Path-style addressing, which MinIO and most self-hosted S3 servers need. */
    public static final String S3_PATH_STYLE_ACCESS = "s3.path.style.access";
    private static final String S3_PATH_STYLE_ACCESS_DOC = "Address buckets as http://endpoint/bucket rather than"
            + " http://bucket.endpoint. Most self-hosted S3 servers, MinIO among them, need true.";
    private static final boolean S3_PATH_STYLE_ACCESS_DEFAULT = false;

    /** Static access key; empty falls back to the AWS default credential chain. */
    public static final String S3_ACCESS_KEY = "s3.access.key";
    private static final String S3_ACCESS_KEY_DOC = "S3 access key id. Leave empty to use the AWS default credential"
            + " chain (environment, instance profile, web identity). Never logged.";

    /** Static secret key; required whenever {@link #S3_ACCESS_KEY} is set. */
    public static final String S3_SECRET_KEY = "s3.secret.key";
    private static final String S3_SECRET_KEY_DOC = "S3 secret access key, required with s3.access.key. Never logged.";

    /** Row threshold of one partition's batch. */
    public static final String FLUSH_MAX_RECORDS = "flush.max.records";
    private static final String FLUSH_MAX_RECORDS_DOC = "Write a partition's batch as one Parquet file once it holds this"
            + " many records.";
    private static final long FLUSH_MAX_RECORDS_DEFAULT = 500_000L;

    /** Byte threshold of one partition's batch, counted in Arrow buffer bytes. */
    public static final String FLUSH_MAX_BYTES = "flush.max.bytes";
    private static final String FLUSH_MAX_BYTES_DOC = "Write a partition's file once its rows have taken this many Arrow"
            + " bytes, counting the rows already streamed out as row groups (see parquet.row.group.bytes) and those"
            + " still buffered; so a file may be far larger than buffer.memory.bytes. Parquet files are typically 3 to"
            + " 10 times smaller than this, depending on compression.";
    private static final long FLUSH_MAX_BYTES_DEFAULT = 128L * 1024 * 1024;

    /** The memory budget of one task's Arrow buffers. */
    public static final String BUFFER_MEMORY_BYTES = "buffer.memory.bytes";
    private static final String BUFFER_MEMORY_BYTES_DOC = "The most Arrow buffer memory one task may hold, across all"
            + " its partitions, folders and record types. Enforced by Arrow's allocator, not estimated: when the budget"
            + " fills, the task lands its largest batches (of at least flush.min.bytes) first and carries on, and if"
            + " that cannot free enough at once it pauses its busiest partitions until memory frees, so many partitions"
            + " or thousands of time folders never end in an OutOfMemoryError. It also counts each open batch's Java"
            + " objects (about 1 KiB per column), and encoded bytes held on the heap while it was full. Arrow memory is"
            + " off-heap: keep the worker's -XX:MaxDirectMemorySize (by default the heap size) above tasks x this budget.";
    private static final long BUFFER_MEMORY_BYTES_DEFAULT = 256L * 1024 * 1024;

    /**
     * The smallest batch, in Arrow buffer bytes, that the memory budget may land early: smaller ones wait for their own
     * thresholds while the task pauses its busiest partitions instead, so quiet partitions are not shredded into tiny
     * files by busy ones.
     */
    public static final String FLUSH_MIN_BYTES = "flush.min.bytes";
    private static final String FLUSH_MIN_BYTES_DOC = "When buffer.memory.bytes fills, only partitions whose batches"
            + " hold at least this many Arrow bytes are landed early, largest first; smaller batches keep filling"
            + " until a row, byte or interval threshold, so a quiet partition is not cut into many tiny files by"
            + " memory pressure from busy ones. If that frees too little because uploads are behind, the task pauses"
            + " its busiest partitions through Connect and resumes them once half the budget is free; if nothing is"
            + " uploading and every batch is smaller, the batches above the average size land, with a warning that"
            + " the budget is small for that many partitions. Must not"
            + " exceed flush.max.bytes; at most a quarter of buffer.memory.bytes is used, as a batch's buffers grow by"
            + " doubling. 0 lets the budget land any batch.";
    private static final long FLUSH_MIN_BYTES_DEFAULT = 1024L * 1024;

    /** Background threads that encode and upload files. */
    public static final String FLUSH_THREADS = "flush.threads";
    private static final String FLUSH_THREADS_DOC = "Threads per task that encode and upload files in the background,"
            + " so that put() keeps appending while earlier batches land. Each Kafka partition has at most one flush in"
            + " flight; when a partition's next batch is due before its previous one has landed, put() waits for it a"
            + " tenth of max.poll.interval.ms at most (5 s at most), then pauses the partition until it has. 0 encodes"
            + " and uploads on the task thread.";
    private static final int FLUSH_THREADS_DEFAULT = 2;

    /** Time threshold: wall time since the first record of the batch arrived. */
    public static final String FLUSH_INTERVAL_MS = "flush.interval.ms";
    private static final String FLUSH_INTERVAL_MS_DOC = "Write a partition's batch once this many milliseconds have passed"
            + " since its first record was buffered. Checked on every put(), including the empty ones Connect sends"
            + " while a topic is idle, so a quiet partition still lands its data.";
    private static final long FLUSH_INTERVAL_MS_DEFAULT = 600_000L;

    /** Parquet compression codec. */
    public static final String PARQUET_COMPRESSION = "parquet.compression";
    private static final String PARQUET_COMPRESSION_DOC = "Compression codec of the Parquet pages: snappy, zstd, gzip or"
            + " none.";
    private static final String PARQUET_COMPRESSION_DEFAULT = "snappy";

    /** When a batch's rows are streamed out of memory as a row group of its open file. */
    public static final String PARQUET_ROW_GROUP_BYTES = "parquet.row.group.bytes";
    private static final String PARQUET_ROW_GROUP_BYTES_DOC = "Once one batch (a partition's record type and folder)"
            + " holds this many Arrow bytes, its rows are encoded as a row group of its file, uploaded as multipart"
            + " parts as they fill, and its Arrow vectors are emptied and reused for the next rows; the file is"
            + " completed at the flush. Capped at a quarter of buffer.memory.bytes; when two row groups and an upload"
            + " part would pass 85% of the budget, files are not streamed and each is bounded by the budget.";
    private static final long PARQUET_ROW_GROUP_BYTES_DEFAULT = 64L * 1024 * 1024;

    /** How a Connect Time is written. */
    public static final String PARQUET_TIME_TYPE = "parquet.time.type";
    private static final String PARQUET_TIME_TYPE_DOC = "How a Connect Time (a time of day) is written. int32-millis"
            + " (default): a plain INT32 of milliseconds since midnight, which every reader opens (Spark 3.5 and 4.x"
            + " refuse a file holding an INT32 TIME column). time-micros: an INT64 TIME(MICROS), read as TIME by DuckDB,"
            + " Trino and pyarrow, and by Spark 4.1+ only with spark.sql.timeType.enabled=true; Spark 3.5 cannot open"
            + " such a file.";
    private static final String PARQUET_TIME_TYPE_DEFAULT = "int32-millis";

    /** The column order declared for float and double columns. */
    public static final String PARQUET_FLOAT_COLUMN_ORDER = "parquet.float.column.order";
    private static final String PARQUET_FLOAT_COLUMN_ORDER_DOC = "The column order declared for FLOAT and DOUBLE"
            + " columns, which decides which readers use their min/max statistics and column indexes. type-defined"
            + " (default): understood by every reader, including the parquet-java of Spark 3.5 (1.13) and 4.1 (1.16)."
            + " ieee754-total: the IEEE 754 total order (orders NaN and signed zeros), which readers before"
            + " parquet-java 1.18 ignore, losing those statistics.";
    private static final String PARQUET_FLOAT_COLUMN_ORDER_DEFAULT = "type-defined";

    /** Write the widest type of the merge lattice, so a column's type never changes from file to file. */
    public static final String PARQUET_WIDEST_TYPES = "parquet.widest.types";
    private static final String PARQUET_WIDEST_TYPES_DOC = "When true, every integer column is written as INT64, every"
            + " float as DOUBLE and every decimal at precision 38, from the first file on, so a declared schema that"
            + " later widens a field (int32 to int64, float to double, a larger decimal precision) keeps one Parquet"
            + " type across files. Spark's mergeSchema fails on a column whose type differs between files; set this"
            + " when Spark reads the topic with mergeSchema. Default false: each file has the narrowest exact types.";

    /** The size of the parts a large file is uploaded in. */
    public static final String UPLOAD_PART_BYTES = "upload.part.bytes";
    private static final String UPLOAD_PART_BYTES_DOC = "A file larger than this is uploaded as a multipart upload in"
            + " parts of about this size (up to 1 MiB more), each sent as soon as it is encoded; smaller files are one"
            + " PUT. Encoded bytes wait for upload in Arrow memory, inside buffer.memory.bytes. At least 5 MiB, S3's"
            + " least part size.";
    private static final long UPLOAD_PART_BYTES_DEFAULT = 8L * 1024 * 1024;

    /** How record values are read: as Connect delivers them, or parsed from JSON text or bytes. */
    public static final String VALUE_FORMAT = "value.format";
    private static final String VALUE_FORMAT_DOC = "How record values become rows. 'connect': as the converter delivers"
            + " them; schema'd values land with their declared types, schemaless Maps (JsonConverter with"
            + " schemas.enable=false) are typed per batch. 'json': the value is JSON text (StringConverter) or JSON"
            + " bytes (ByteArrayConverter); without value.json.schema it is parsed and typed per batch like schemaless"
            + " Maps, with one it is decoded straight into the declared columns. 'protobuf': the value is Protobuf"
            + " bytes (ByteArrayConverter) of value.protobuf.message, or Confluent-framed with its schema from"
            + " schema.registry.url, decoded straight into columns. 'avro': the value"
            + " is Avro bytes (ByteArrayConverter), framed by a Schema Registry serializer (schema.registry.url) or"
            + " plain with value.avro.schema, decoded straight into columns. A value that does"
            + " not decode is a bad record, with the field and the problem in its error.";
    private static final String VALUE_FORMAT_DEFAULT = "connect";

    /** A JSON Schema the JSON values follow (value.format=json). */
    public static final String VALUE_JSON_SCHEMA = "value.json.schema";
    private static final String VALUE_JSON_SCHEMA_DOC = "For value.format=json: a JSON Schema document (draft 2020-12"
            + " subset) that declares the columns, inline. Values are then decoded straight into those columns"
            + " instead of being typed per batch: fields not in the schema are ignored, a missing field is null, a"
            + " missing required field or a value that does not fit its type is a bad record. Supported: type"
            + " (one type, optionally with \"null\"), properties, required, items, additionalProperties (maps),"
            + " format (date-time, date, time; int8/int16/int32/int64; float/double), contentEncoding base64,"
            + " $ref within the document, and anyOf/oneOf of one schema plus {\"type\": \"null\"}. Empty for none.";
    private static final String VALUE_JSON_SCHEMA_DEFAULT = "";

    /** The same, from a file on the worker. */
    public static final String VALUE_JSON_SCHEMA_FILE = "value.json.schema.file";
    private static final String VALUE_JSON_SCHEMA_FILE_DOC = "For value.format=json: the path, on every worker, of a"
            + " JSON Schema file; the alternative to value.json.schema. Empty for none.";
    private static final String VALUE_JSON_SCHEMA_FILE_DEFAULT = "";

    /** The FileDescriptorSet of the Protobuf values, base64. */
    public static final String VALUE_PROTOBUF_DESCRIPTOR_SET = "value.protobuf.descriptor.set";
    private static final String VALUE_PROTOBUF_DESCRIPTOR_SET_DOC = "For value.format=protobuf: the FileDescriptorSet"
            + " that protoc --include_imports --descriptor_set_out=set.pb writes, base64-encoded (base64 -w0 set.pb)."
            + " The well-known google/protobuf files may be left out. Empty to use value.protobuf.descriptor.file, or,"
            + " when both are empty, the Schema Registry at schema.registry.url: each value is then Confluent-framed"
            + " and its schema id and message indexes name its message, fetched once per id in serialized form"
            + " (GET /schemas/ids/{id}?format=serialized) with its references; schema ids that merge share a file.";
    private static final String VALUE_PROTOBUF_DESCRIPTOR_SET_DEFAULT = "";

    /** The same, from a file on the worker. */
    public static final String VALUE_PROTOBUF_DESCRIPTOR_FILE = "value.protobuf.descriptor.file";
    private static final String VALUE_PROTOBUF_DESCRIPTOR_FILE_DOC = "For value.format=protobuf: the path, on every"
            + " worker, of a binary FileDescriptorSet file; the alternative to value.protobuf.descriptor.set.";
    private static final String VALUE_PROTOBUF_DESCRIPTOR_FILE_DEFAULT = "";

    /** The message type of the Protobuf values. */
    public static final String VALUE_PROTOBUF_MESSAGE = "value.protobuf.message";
    private static final String VALUE_PROTOBUF_MESSAGE_DOC = "For value.format=protobuf: the fully-qualified name of"
            + " the values' message, package included, e.g. shop.v1.Order. Its fields become the columns: scalars keep"
            + " their type (uint32 and fixed32 as int64, uint64 and fixed64 as decimal(20,0)), enums land as their"
            + " names, messages as structs, repeated fields as lists, maps as maps, google.protobuf.Timestamp as a"
            + " timestamp, Duration as int64 milliseconds, wrappers as nullable values. Fields with explicit presence"
            + " (optional, oneof members, messages) are null when absent; other fields hold the proto3 default. Leave"
            + " empty with a Schema Registry, where each value names its message.";
    private static final String VALUE_PROTOBUF_MESSAGE_DEFAULT = "";

    /** How the Protobuf values are framed. */
    public static final String VALUE_PROTOBUF_WIRE_FORMAT = "value.protobuf.wire.format";
    private static final String VALUE_PROTOBUF_WIRE_FORMAT_DOC = "For value.format=protobuf: 'plain' for the bare"
            + " message bytes; 'confluent' for Confluent's serializer framing (magic byte 0, 4-byte schema id,"
            + " message indexes), whose indexes must name value.protobuf.message; 'auto' accepts both, which is"
            + " unambiguous because a plain message never starts with a zero byte. With a descriptor set the schema id"
            + " is not checked; with a Schema Registry it picks the schema, and 'plain' is refused.";
    private static final String VALUE_PROTOBUF_WIRE_FORMAT_DEFAULT = "auto";

    /** How record keys are read: as Connect delivers them, or decoded from JSON or Protobuf like values. */
    public static final String KEY_FORMAT = "key.format";
    private static final String KEY_FORMAT_DOC = "How record keys become the key metadata column (which metadata.columns"
            + " must then include). 'connect': as the key converter delivers them. 'json': the key is JSON text"
            + " (StringConverter) or bytes (ByteArrayConverter); without key.json.schema it is parsed and typed per"
            + " batch, with one it is decoded straight into the key column, with the same coercions as values."
            + " 'protobuf': the key is Protobuf bytes (ByteArrayConverter) of key.protobuf.message, or from the Schema"
            + " Registry as value.format=protobuf. 'avro': Avro bytes,"
            + " as value.format=avro, with key.avro.schema for plain Avro. A struct key is"
            + " one struct column; a null key is a null column value. A key that does not decode is a bad record whose"
            + " error names the key and the field at fault.";
    private static final String KEY_FORMAT_DEFAULT = "connect";

    /** A JSON Schema the JSON keys follow (key.format=json). */
    public static final String KEY_JSON_SCHEMA = "key.json.schema";
    private static final String KEY_JSON_SCHEMA_DOC = "For key.format=json: a JSON Schema document that declares the"
            + " key's type, inline; the subset value.json.schema supports. An object schema makes the key column a"
            + " struct of its properties; a scalar one (e.g. {\"type\": \"string\"}) a column of that type. Empty to"
            + " type keys per batch.";
    private static final String KEY_JSON_SCHEMA_DEFAULT = "";

    /** The same, from a file on the worker. */
    public static final String KEY_JSON_SCHEMA_FILE = "key.json.schema.file";
    private static final String KEY_JSON_SCHEMA_FILE_DOC = "For key.format=json: the path, on every worker, of a JSON"
            + " Schema file; the alternative to key.json.schema. Empty for none.";
    private static final String KEY_JSON_SCHEMA_FILE_DEFAULT = "";

    /** The FileDescriptorSet of the Protobuf keys, base64. */
    public static final String KEY_PROTOBUF_DESCRIPTOR_SET = "key.protobuf.descriptor.set";
    private static final String KEY_PROTOBUF_DESCRIPTOR_SET_DOC = "For key.format=protobuf: the FileDescriptorSet"
            + " holding key.protobuf.message, base64-encoded, as for value.protobuf.descriptor.set. When this and"
            + " key.protobuf.descriptor.file are both empty, the value's descriptor set (value.protobuf.descriptor.set"
            + " or .file) is used: one set usually holds both messages; with neither, schema.registry.url.";
    private static final String KEY_PROTOBUF_DESCRIPTOR_SET_DEFAULT = "";

    /** The same, from a file on the worker. */
    public static final String KEY_PROTOBUF_DESCRIPTOR_FILE = "key.protobuf.descriptor.file";
    private static final String KEY_PROTOBUF_DESCRIPTOR_FILE_DOC = "For key.format=protobuf: the path, on every"
            + " worker, of a binary FileDescriptorSet file; the alternative to key.protobuf.descriptor.set.";
    private static final String KEY_PROTOBUF_DESCRIPTOR_FILE_DEFAULT = "";

    /** The message type of the Protobuf keys. */
    public static final String KEY_PROTOBUF_MESSAGE = "key.protobuf.message";
    private static final String KEY_PROTOBUF_MESSAGE_DOC = "For key.format=protobuf: the fully-qualified name of the"
            + " keys' message, e.g. shop.v1.OrderKey. The key column is a struct of its fields, typed as for"
            + " value.protobuf.message.";
    private static final String KEY_PROTOBUF_MESSAGE_DEFAULT = "";

    /** How the Protobuf keys are framed. */
    public static final String KEY_PROTOBUF_WIRE_FORMAT = "key.protobuf.wire.format";
    private static final String KEY_PROTOBUF_WIRE_FORMAT_DOC = "For key.format=protobuf: 'plain', 'confluent' or"
            + " 'auto', as value.protobuf.wire.format, for the keys.";
    private static final String KEY_PROTOBUF_WIRE_FORMAT_DEFAULT = "auto";

    /** What to do with a record whose value is null. */
    public static final String BEHAVIOR_ON_NULL_VALUES = "behavior.on.null.values";
    private static final String BEHAVIOR_ON_NULL_VALUES_DOC = "What to do with a record whose value is null (a"
            + " tombstone). 'ignore': skip it. 'fail': treat it as a bad record. 'write': write a row with the key and"
            + " the Kafka metadata, null value columns and the tombstone flag column set to true.";
    private static final String BEHAVIOR_ON_NULL_VALUES_DEFAULT = "ignore";

    /** Which Kafka metadata columns each row carries. */
    public static final String METADATA_COLUMNS = "metadata.columns";
    private static final String METADATA_COLUMNS_DOC = "Kafka metadata columns added to every row, after the value's"
            + " own columns: any of topic, partition, offset, timestamp, timestamp_type, key, headers. Empty for"
            + " none. The offset and partition columns carry Parquet statistics, so readers can prune files by"
            + " offset. The key column is typed when the key has a schema, else string or bytes as the key converter"
            + " delivers it, unless key.format decodes it. Headers are a list of (key, value) with values as text.";
    private static final String METADATA_COLUMNS_DEFAULT = "topic,partition,offset,timestamp,timestamp_type,key,headers";

    /** Renames of metadata columns. */
    public static final String METADATA_COLUMN_NAMES = "metadata.column.names";
    private static final String METADATA_COLUMN_NAMES_DOC = "Renames metadata columns, as a list of kind:name pairs,"
            + " e.g. offset:kafka_offset,key:message_key. Kinds are those of metadata.columns, plus tombstone for"
            + " the flag written with behavior.on.null.values=write. Default names are _kafka_<kind>.";
    private static final String METADATA_COLUMN_NAMES_DEFAULT = "";

    /** How files are grouped into folders below the topic. */
    public static final String PARTITION_BY = "partition.by";
    private static final String PARTITION_BY_DOC = "How files are grouped into folders below the topic. 'kafka':"
            + " <topic>/partition=<p>/. 'time': a folder from partition.time.pattern, by the record's Kafka timestamp"
            + " or the field named in partition.time.source; late records go to their own time's folder. 'field':"
            + " Hive-style <field>=<value>/ folders for the fields in partition.fields, values escaped so that none can"
            + " add a folder or leave the prefix. In time and field layouts one flush may write several files, and"
            + " the file name still carries the topic, the Kafka partition and the start offset.";
    private static final String PARTITION_BY_DEFAULT = "kafka";

    /** Where time partitioning takes the time from. */
    public static final String PARTITION_TIME_SOURCE = "partition.time.source";
    private static final String PARTITION_TIME_SOURCE_DOC = "For partition.by=time: 'record' for the Kafka record"
            + " timestamp, or the (dotted) name of a value field holding epoch milliseconds or a Connect Timestamp.";
    private static final String PARTITION_TIME_SOURCE_DEFAULT = "record";

    /** The folder pattern of time partitioning. */
    public static final String PARTITION_TIME_PATTERN = "partition.time.pattern";
    private static final String PARTITION_TIME_PATTERN_DOC = "For partition.by=time: a java.time DateTimeFormatter"
            + " pattern for the folder, literal text in single quotes, e.g. 'dt='yyyy-MM-dd/'hr='HH.";
    private static final String PARTITION_TIME_PATTERN_DEFAULT = "'dt='yyyy-MM-dd/'hr='HH";

    /** The time zone of time partitioning. */
    public static final String PARTITION_TIME_ZONE = "partition.time.zone";
    private static final String PARTITION_TIME_ZONE_DOC = "For partition.by=time: the time zone the folder's date and"
            + " hour are in, e.g. UTC or Europe/Berlin.";
    private static final String PARTITION_TIME_ZONE_DEFAULT = "UTC";

    /** The fields of field partitioning. */
    public static final String PARTITION_FIELDS = "partition.fields";
    private static final String PARTITION_FIELDS_DOC = "For partition.by=field: the (dotted) value fields whose values"
            + " name the folders, in order, e.g. country,city. A null or missing value goes to"
            + " <field>=__HIVE_DEFAULT_PARTITION__.";

    /** Metadata kinds as config lists name them; declared before CONFIG_DEF, whose validators use it. */
    private static final List<String> KINDS = java.util.Arrays.stream(MetadataColumns.Kind.values())
            .map(MetadataColumns.Kind::configName).collect(java.util.stream.Collectors.toList());

    /** Not a Quiver setting: Connect's per-connector override of its consumer's poll deadline. */
    private static final String CONSUMER_MAX_POLL_INTERVAL_OVERRIDE = "consumer.override.max.poll.interval.ms";
    /** Kafka's default max.poll.interval.ms. */
    private static final long DEFAULT_MAX_POLL_INTERVAL_MS = 300_000L;

    private static final ConfigDef CONFIG_DEF = buildConfigDef();

    private final StoreUrl storeUrl;

    /** Parses and validates {@code props}; throws {@link ConfigException} naming the first field at fault. */
    public QuiverSinkConfig(Map<String, String> props) {
        super(CONFIG_DEF, props);
        this.storeUrl = StoreUrl.parse(getString(STORE_URL));
        String problem = validateAcrossFields(getPassword(S3_ACCESS_KEY), getPassword(S3_SECRET_KEY));
        if (problem != null) {
            throw new ConfigException(S3_SECRET_KEY, "[hidden]", problem);
        }
        S3SecurityConfig.check(this, props);
        AvroSettings.check(this);
        String partitioning = validatePartitioning(getString(PARTITION_BY), getList(PARTITION_FIELDS));
        if (partitioning != null) {
            throw new ConfigException(PARTITION_FIELDS, getList(PARTITION_FIELDS), partitioning);
        }
        String decodedPartitioning = validatePartitioningWithDecoder(getString(PARTITION_BY),
                getString(PARTITION_TIME_SOURCE), decodesDirectly(getString(VALUE_FORMAT), getString(VALUE_JSON_SCHEMA),
                        getString(VALUE_JSON_SCHEMA_FILE)));
        if (decodedPartitioning != null) {
            throw new ConfigException(PARTITION_BY, getString(PARTITION_BY), decodedPartitioning);
        }
        String minBytes = validateFlushMinBytes(props.containsKey(FLUSH_MIN_BYTES) ? getLong(FLUSH_MIN_BYTES) : null,
                getLong(FLUSH_MAX_BYTES));
        if (minBytes != null) {
            throw new ConfigException(FLUSH_MIN_BYTES, getLong(FLUSH_MIN_BYTES), minBytes);
        }
        String[] decoding = validateValueDecoding(valueDecoderSpec());
        if (decoding != null) {
            throw new ConfigException(decoding[0], getString(decoding[0]), decoding[1]);
        }
        String[] keyDecoding = validateKeyDecoding(keyDecoderSpec(), metadataColumns().has(MetadataColumns.Kind.KEY));
        if (keyDecoding != null) {
            throw new ConfigException(keyDecoding[0], getString(keyDecoding[0]), keyDecoding[1]);
        }
    }

    /** The ConfigDef, for the connector's {@code config()} and the generated reference. */
    public static ConfigDef configDef() {
        return CONFIG_DEF;
    }

    /**
     * Checks that span several fields. Returns the message to attach to {@link #S3_SECRET_KEY}, or null when the
     * combination is valid.
     */
    public static String validateAcrossFields(Password accessKey, Password secretKey) {
        boolean hasAccess = accessKey != null && !accessKey.value().isEmpty();
        boolean hasSecret = secretKey != null && !secretKey.value().isEmpty();
        if (hasAccess && !hasSecret) {
            return "s3.secret.key is required when s3.access.key is set";
        }
        if (hasSecret && !hasAccess) {
            return "s3.secret.key is set but s3.access.key is empty; set both or neither";
        }
        return null;
    }

    /**
     * Checks {@link #FLUSH_MIN_BYTES} against {@link #FLUSH_MAX_BYTES}. Returns the message to attach to
     * flush.min.bytes, or null when valid. {@code minBytes} is null when the user did not set it: the default then
     * simply yields to a smaller flush.max.bytes rather than refusing a configuration that never mentioned it.
     */
    public static String validateFlushMinBytes(Long minBytes, Long maxBytes) {
        if (minBytes != null && maxBytes != null && minBytes > maxBytes) {
            return "flush.min.bytes (" + minBytes + ") must not exceed flush.max.bytes (" + maxBytes + ")";
        }
        return null;
    }

    private static ConfigDef buildConfigDef() {
        ConfigDef def = new ConfigDef();
        int order = 0;
        def.define(STORE_URL, Type.STRING, ConfigDef.NO_DEFAULT_VALUE, new StoreUrlValidator(), Importance.HIGH,
                STORE_URL_DOC, GROUP_STORE, ++order, Width.LONG, "Store URL");

        order = 0;
        def.define(S3_ENDPOINT, Type.STRING, S3_ENDPOINT_DEFAULT, new EndpointValidator(), Importance.MEDIUM,
                S3_ENDPOINT_DOC, GROUP_S3, ++order, Width.LONG, "S3 endpoint");
        def.define(S3_REGION, Type.STRING, S3_REGION_DEFAULT, new ConfigDef.NonEmptyString(), Importance.MEDIUM,
                S3_REGION_DOC, GROUP_S3, ++order, Width.SHORT, "S3 region");
        def.define(S3_PATH_STYLE_ACCESS, Type.BOOLEAN, S3_PATH_STYLE_ACCESS_DEFAULT, Importance.LOW,
                S3_PATH_STYLE_ACCESS_DOC, GROUP_S3, ++order, Width.SHORT, "Path-style access");
        def.define(S3_ACCESS_KEY, Type.PASSWORD, null, Importance.HIGH, S3_ACCESS_KEY_DOC, GROUP_S3, ++order,
                Width.MEDIUM, "Access key");
        def.define(S3_SECRET_KEY, Type.PASSWORD, null, Importance.HIGH, S3_SECRET_KEY_DOC, GROUP_S3, ++order,
                Width.MEDIUM, "Secret key");
        S3SecurityConfig.define(def);
        AvroSettings.define(def);

        order = 0;
        def.define(FLUSH_MAX_RECORDS, Type.LONG, FLUSH_MAX_RECORDS_DEFAULT, ConfigDef.Range.between(1, Integer.MAX_VALUE),
                Importance.HIGH, FLUSH_MAX_RECORDS_DOC, GROUP_FLUSH, ++order, Width.SHORT, "Max records per file");
        def.define(FLUSH_MAX_BYTES, Type.LONG, FLUSH_MAX_BYTES_DEFAULT, ConfigDef.Range.atLeast(1024), Importance.HIGH,
                FLUSH_MAX_BYTES_DOC, GROUP_FLUSH, ++order, Width.SHORT, "Max Arrow bytes per file");
        def.define(BUFFER_MEMORY_BYTES, Type.LONG, BUFFER_MEMORY_BYTES_DEFAULT, ConfigDef.Range.atLeast(1024 * 1024),
                Importance.HIGH, BUFFER_MEMORY_BYTES_DOC, GROUP_FLUSH, 10, Width.SHORT, "Memory budget");
        def.define(FLUSH_THREADS, Type.INT, FLUSH_THREADS_DEFAULT, ConfigDef.Range.between(0, 64), Importance.MEDIUM,
                FLUSH_THREADS_DOC, GROUP_FLUSH, 11, Width.SHORT, "Flush threads");
        def.define(FLUSH_MIN_BYTES, Type.LONG, FLUSH_MIN_BYTES_DEFAULT, ConfigDef.Range.atLeast(0), Importance.MEDIUM,
                FLUSH_MIN_BYTES_DOC, GROUP_FLUSH, 12, Width.SHORT, "Min Arrow bytes to land for memory");
        def.define(FLUSH_INTERVAL_MS, Type.LONG, FLUSH_INTERVAL_MS_DEFAULT, ConfigDef.Range.atLeast(1), Importance.HIGH,
                FLUSH_INTERVAL_MS_DOC, GROUP_FLUSH, ++order, Width.SHORT, "Flush interval (ms)");

        order = 0;
        def.define(VALUE_FORMAT, Type.STRING, VALUE_FORMAT_DEFAULT, ConfigDef.CaseInsensitiveValidString.in("connect", "json", "protobuf",
                "avro"), Importance.HIGH, VALUE_FORMAT_DOC, GROUP_ROWS, ++order, Width.SHORT, "Value format");
        def.define(BEHAVIOR_ON_NULL_VALUES, Type.STRING, BEHAVIOR_ON_NULL_VALUES_DEFAULT,
                ConfigDef.CaseInsensitiveValidString.in("ignore", "fail", "write"), Importance.MEDIUM,
                BEHAVIOR_ON_NULL_VALUES_DOC, GROUP_ROWS, ++order, Width.SHORT, "On null values");
        def.define(METADATA_COLUMNS, Type.LIST, METADATA_COLUMNS_DEFAULT, new MetadataColumnsValidator(),
                Importance.MEDIUM, METADATA_COLUMNS_DOC, GROUP_ROWS, ++order, Width.LONG, "Metadata columns");
        def.define(METADATA_COLUMN_NAMES, Type.LIST, METADATA_COLUMN_NAMES_DEFAULT, new ColumnNamesValidator(),
                Importance.LOW, METADATA_COLUMN_NAMES_DOC, GROUP_ROWS, ++order, Width.LONG, "Metadata column names");

        order = 0;
        def.define(PARTITION_BY, Type.STRING, PARTITION_BY_DEFAULT,
                ConfigDef.CaseInsensitiveValidString.in("kafka", "time", "field"), Importance.HIGH, PARTITION_BY_DOC,
                GROUP_PATHS, ++order, Width.SHORT, "Partition by");
        def.define(PARTITION_TIME_SOURCE, Type.STRING, PARTITION_TIME_SOURCE_DEFAULT, new ConfigDef.NonEmptyString(),
                Importance.MEDIUM, PARTITION_TIME_SOURCE_DOC, GROUP_PATHS, ++order, Width.MEDIUM, "Time source");
        def.define(PARTITION_TIME_PATTERN, Type.STRING, PARTITION_TIME_PATTERN_DEFAULT, new TimePatternValidator(),
                Importance.MEDIUM, PARTITION_TIME_PATTERN_DOC, GROUP_PATHS, ++order, Width.MEDIUM, "Time pattern");
        def.define(PARTITION_TIME_ZONE, Type.STRING, PARTITION_TIME_ZONE_DEFAULT, new ZoneValidator(),
                Importance.MEDIUM, PARTITION_TIME_ZONE_DOC, GROUP_PATHS, ++order, Width.SHORT, "Time zone");
        def.define(PARTITION_FIELDS, Type.LIST, "", Importance.MEDIUM, PARTITION_FIELDS_DOC, GROUP_PATHS, ++order,
                Width.LONG, "Partition fields");

        order = 0;
        def.define(VALUE_JSON_SCHEMA, Type.STRING, VALUE_JSON_SCHEMA_DEFAULT, new JsonSchemaValidator(false),
                Importance.MEDIUM, VALUE_JSON_SCHEMA_DOC, GROUP_DECODING, ++order, Width.LONG, "JSON Schema");
        def.define(VALUE_JSON_SCHEMA_FILE, Type.STRING, VALUE_JSON_SCHEMA_FILE_DEFAULT, new JsonSchemaValidator(true),
                Importance.LOW, VALUE_JSON_SCHEMA_FILE_DOC, GROUP_DECODING, ++order, Width.LONG, "JSON Schema file");
        def.define(VALUE_PROTOBUF_DESCRIPTOR_SET, Type.STRING, VALUE_PROTOBUF_DESCRIPTOR_SET_DEFAULT,
                new DescriptorSetValidator(false), Importance.MEDIUM, VALUE_PROTOBUF_DESCRIPTOR_SET_DOC, GROUP_DECODING,
                ++order, Width.LONG, "Protobuf descriptor set");
        def.define(VALUE_PROTOBUF_DESCRIPTOR_FILE, Type.STRING, VALUE_PROTOBUF_DESCRIPTOR_FILE_DEFAULT,
                new DescriptorSetValidator(true), Importance.LOW, VALUE_PROTOBUF_DESCRIPTOR_FILE_DOC, GROUP_DECODING,
                ++order, Width.LONG, "Protobuf descriptor file");
        def.define(VALUE_PROTOBUF_MESSAGE, Type.STRING, VALUE_PROTOBUF_MESSAGE_DEFAULT, Importance.MEDIUM,
                VALUE_PROTOBUF_MESSAGE_DOC, GROUP_DECODING, ++order, Width.MEDIUM, "Protobuf message");
        def.define(VALUE_PROTOBUF_WIRE_FORMAT, Type.STRING, VALUE_PROTOBUF_WIRE_FORMAT_DEFAULT,
                ConfigDef.CaseInsensitiveValidString.in("auto", "plain", "confluent"), Importance.LOW,
                VALUE_PROTOBUF_WIRE_FORMAT_DOC, GROUP_DECODING, ++order, Width.SHORT, "Protobuf wire format");

        order = 0;
        def.define(KEY_FORMAT, Type.STRING, KEY_FORMAT_DEFAULT,
                ConfigDef.CaseInsensitiveValidString.in("connect", "json", "protobuf", "avro"), Importance.MEDIUM,
                KEY_FORMAT_DOC, GROUP_KEY_DECODING, ++order, Width.SHORT, "Key format");
        def.define(KEY_JSON_SCHEMA, Type.STRING, KEY_JSON_SCHEMA_DEFAULT, new JsonSchemaValidator(false),
                Importance.MEDIUM, KEY_JSON_SCHEMA_DOC, GROUP_KEY_DECODING, ++order, Width.LONG, "Key JSON Schema");
        def.define(KEY_JSON_SCHEMA_FILE, Type.STRING, KEY_JSON_SCHEMA_FILE_DEFAULT, new JsonSchemaValidator(true),
                Importance.LOW, KEY_JSON_SCHEMA_FILE_DOC, GROUP_KEY_DECODING, ++order, Width.LONG,
                "Key JSON Schema file");
        def.define(KEY_PROTOBUF_DESCRIPTOR_SET, Type.STRING, KEY_PROTOBUF_DESCRIPTOR_SET_DEFAULT,
                new DescriptorSetValidator(false), Importance.MEDIUM, KEY_PROTOBUF_DESCRIPTOR_SET_DOC,
                GROUP_KEY_DECODING, ++order, Width.LONG, "Key Protobuf descriptor set");
        def.define(KEY_PROTOBUF_DESCRIPTOR_FILE, Type.STRING, KEY_PROTOBUF_DESCRIPTOR_FILE_DEFAULT,
                new DescriptorSetValidator(true), Importance.LOW, KEY_PROTOBUF_DESCRIPTOR_FILE_DOC,
                GROUP_KEY_DECODING, ++order, Width.LONG, "Key Protobuf descriptor file");
        def.define(KEY_PROTOBUF_MESSAGE, Type.STRING, KEY_PROTOBUF_MESSAGE_DEFAULT, Importance.MEDIUM,
                KEY_PROTOBUF_MESSAGE_DOC, GROUP_KEY_DECODING, ++order, Width.MEDIUM, "Key Protobuf message");
        def.define(KEY_PROTOBUF_WIRE_FORMAT, Type.STRING, KEY_PROTOBUF_WIRE_FORMAT_DEFAULT,
                ConfigDef.CaseInsensitiveValidString.in("auto", "plain", "confluent"), Importance.LOW,
                KEY_PROTOBUF_WIRE_FORMAT_DOC, GROUP_KEY_DECODING, ++order, Width.SHORT, "Key Protobuf wire format");

        order = 0;
        def.define(PARQUET_COMPRESSION, Type.STRING, PARQUET_COMPRESSION_DEFAULT,
                ConfigDef.CaseInsensitiveValidString.in("snappy", "zstd", "gzip", "none"), Importance.MEDIUM,
                PARQUET_COMPRESSION_DOC, GROUP_PARQUET, ++order, Width.SHORT, "Compression");
        def.define(PARQUET_ROW_GROUP_BYTES, Type.LONG, PARQUET_ROW_GROUP_BYTES_DEFAULT,
                ConfigDef.Range.atLeast(64 * 1024), Importance.MEDIUM, PARQUET_ROW_GROUP_BYTES_DOC, GROUP_PARQUET,
                ++order, Width.SHORT, "Row group Arrow bytes");
        def.define(PARQUET_TIME_TYPE, Type.STRING, PARQUET_TIME_TYPE_DEFAULT,
                ConfigDef.CaseInsensitiveValidString.in("int32-millis", "time-micros"), Importance.LOW,
                PARQUET_TIME_TYPE_DOC, GROUP_PARQUET, ++order, Width.SHORT, "Time type");
        def.define(PARQUET_FLOAT_COLUMN_ORDER, Type.STRING, PARQUET_FLOAT_COLUMN_ORDER_DEFAULT,
                ConfigDef.CaseInsensitiveValidString.in("type-defined", "ieee754-total"), Importance.LOW,
                PARQUET_FLOAT_COLUMN_ORDER_DOC, GROUP_PARQUET, ++order, Width.SHORT, "Float column order");
        def.define(PARQUET_WIDEST_TYPES, Type.BOOLEAN, false, Importance.LOW, PARQUET_WIDEST_TYPES_DOC,
                GROUP_PARQUET, ++order, Width.SHORT, "Widest types");
        def.define(UPLOAD_PART_BYTES, Type.LONG, UPLOAD_PART_BYTES_DEFAULT,
                ConfigDef.Range.between(5L * 1024 * 1024, 5L * 1024 * 1024 * 1024), Importance.LOW,
                UPLOAD_PART_BYTES_DOC, GROUP_PARQUET, ++order, Width.SHORT, "Upload part bytes");
        return def;
    }

    /** The parsed {@link #STORE_URL}. */
    public StoreUrl storeUrl() {
        return storeUrl;
    }

    public String s3Endpoint() {
        return getString(S3_ENDPOINT).trim();
    }

    public String s3Region() {
        return getString(S3_REGION).trim();
    }

    public boolean s3PathStyleAccess() {
        return getBoolean(S3_PATH_STYLE_ACCESS);
    }

    /** The access key, or null when the default AWS credential chain applies. */
    public Password s3AccessKey() {
        return getPassword(S3_ACCESS_KEY);
    }

    public Password s3SecretKey() {
        return getPassword(S3_SECRET_KEY);
    }

    public long flushMaxRecords() {
        return getLong(FLUSH_MAX_RECORDS);
    }

    public long flushMaxBytes() {
        return getLong(FLUSH_MAX_BYTES);
    }

    public long flushMinBytes() {
        return getLong(FLUSH_MIN_BYTES);
    }

    /**
     * The consumer's max.poll.interval.ms when the connector overrides it ({@code consumer.override.}), else Kafka's
     * default: the worker's own consumer settings are not visible to a task. Bounds how long put() may wait.
     */
    public long maxPollIntervalMs() {
        Object override = originals().get(CONSUMER_MAX_POLL_INTERVAL_OVERRIDE);
        if (override != null) {
            try {
                return Math.max(1, Long.parseLong(override.toString().trim()));
            } catch (NumberFormatException e) {
                // Connect itself refuses such a consumer override; fall back to the default rather than fail here.
            }
        }
        return DEFAULT_MAX_POLL_INTERVAL_MS;
    }

    public int flushThreads() {
        return getInt(FLUSH_THREADS);
    }

    public long bufferMemoryBytes() {
        return getLong(BUFFER_MEMORY_BYTES);
    }

    /** {@link #PARQUET_ROW_GROUP_BYTES} as set; the writer caps it by the budget. */
    public long parquetRowGroupBytes() {
        return getLong(PARQUET_ROW_GROUP_BYTES);
    }

    public long uploadPartBytes() {
        return getLong(UPLOAD_PART_BYTES);
    }

    public long flushIntervalMs() {
        return getLong(FLUSH_INTERVAL_MS);
    }

    /** Lower-case codec name: snappy, zstd, gzip or none. */
    public String parquetCompression() {
        return getString(PARQUET_COMPRESSION).toLowerCase(Locale.ROOT);
    }

    /** The Parquet type choices of {@link #PARQUET_TIME_TYPE}, {@link #PARQUET_FLOAT_COLUMN_ORDER} and
     * {@link #PARQUET_WIDEST_TYPES}. */
    public dev.quiver.parquet.TypeMapping parquetTypes() {
        return new dev.quiver.parquet.TypeMapping(dev.quiver.parquet.TypeMapping.Time.named(getString(PARQUET_TIME_TYPE)),
                dev.quiver.parquet.TypeMapping.FloatOrder.named(getString(PARQUET_FLOAT_COLUMN_ORDER)),
                getBoolean(PARQUET_WIDEST_TYPES));
    }

    /** True when values are decoded straight into columns: Protobuf, or JSON with a declared schema. */
    public static boolean decodesDirectly(String valueFormat, String jsonSchema, String jsonSchemaFile) {
        String format = valueFormat == null ? "" : valueFormat.trim().toLowerCase(Locale.ROOT);
        boolean declared = (jsonSchema != null && !jsonSchema.isBlank()) || (jsonSchemaFile != null && !jsonSchemaFile.isBlank());
        return format.equals("protobuf") || format.equals("avro") || (format.equals("json") && declared);
    }

    /** The path partitioner {@code partition.*} describes. */
    public PathPartitioner pathPartitioner() {
        switch (getString(PARTITION_BY).toLowerCase(Locale.ROOT)) {
            case "time": {
                String source = getString(PARTITION_TIME_SOURCE).trim();
                return PathPartitioner.byTime(source.equals("record") ? null : source,
                        getString(PARTITION_TIME_PATTERN), ZoneId.of(getString(PARTITION_TIME_ZONE).trim()));
            }
            case "field":
                return PathPartitioner.byFields(getList(PARTITION_FIELDS));
            default:
                return PathPartitioner.byKafka();
        }
    }

    /**
     * The cross-field check of partitioning: field partitioning needs fields. Returns the message for
     * {@link #PARTITION_FIELDS}, or null.
     */
    public static String validatePartitioning(String partitionBy, List<?> fields) {
        if ("field".equalsIgnoreCase(partitionBy) && (fields == null || fields.isEmpty())) {
            return "partition.by=field needs at least one field here";
        }
        return null;
    }

    /**
     * Decoders write values straight into columns, so no value object exists to read a partitioning field from.
     * Returns the message for {@link #PARTITION_BY}, or null.
     */
    public static String validatePartitioningWithDecoder(String partitionBy, String timeSource, boolean decoded) {
        if (!decoded) {
            return null;
        }
        if ("field".equalsIgnoreCase(partitionBy)
                || ("time".equalsIgnoreCase(partitionBy) && !"record".equalsIgnoreCase(timeSource.trim()))) {
            return "cannot read value fields for folders when values are decoded directly (value.format=protobuf, or"
                    + " json with a declared schema); use partition.by=kafka, or time with partition.time.source=record";
        }
        return null;
    }

    /** A DateTimeFormatter pattern that formats an instant without error. */
    private static final class TimePatternValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            try {
                DateTimeFormatter.ofPattern((String) value).withZone(ZoneOffset.UTC).format(Instant.EPOCH);
            } catch (IllegalArgumentException | java.time.DateTimeException e) {
                throw new ConfigException(name, value, "is not a usable DateTimeFormatter pattern: " + e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "a DateTimeFormatter pattern";
        }
    }

    /** A time zone id java.time knows. */
    private static final class ZoneValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            try {
                ZoneId.of(((String) value).trim());
            } catch (java.time.DateTimeException e) {
                throw new ConfigException(name, value, "is not a time zone: " + e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "a time zone id, e.g. UTC or Europe/Berlin";
        }
    }

    /** True when values are JSON text or bytes to parse ({@code value.format=json}). */
    public boolean valueFormatJson() {
        return "json".equalsIgnoreCase(getString(VALUE_FORMAT));
    }

    /** The value.* settings a {@link ValueDecoder} is built from. */
    public ValueDecoders.Spec valueDecoderSpec() {
        return new ValueDecoders.Spec(getString(VALUE_FORMAT), getString(VALUE_JSON_SCHEMA),
                getString(VALUE_JSON_SCHEMA_FILE), getString(VALUE_PROTOBUF_DESCRIPTOR_SET),
                getString(VALUE_PROTOBUF_DESCRIPTOR_FILE), getString(VALUE_PROTOBUF_MESSAGE),
                getString(VALUE_PROTOBUF_WIRE_FORMAT), !getList(AvroSettings.REGISTRY_URL).isEmpty());
    }

    /**
     * A new decoder of the values (decoders are not thread-safe: one per task), or null when values are not decoded
     * from raw bytes with a declared schema.
     */
    public ValueDecoder valueDecoder() {
        if (AvroSettings.isAvro(this, "value")) {
            return AvroSettings.decoder(this, "value");
        }
        return ValueDecoders.create("value", valueDecoderSpec(), () -> AvroSettings.registryClient(this));
    }

    /**
     * The cross-field check of value decoding, e.g. a message name the descriptor set does not have. Returns the
     * setting at fault and the message, or null.
     */
    public static String[] validateValueDecoding(ValueDecoders.Spec spec) {
        try {
            ValueDecoders.create(spec);
            return null;
        } catch (ValueDecoders.SettingException e) {
            return new String[] {keyOf(e.setting()), e.getMessage()};
        }
    }

    private static String keyOf(ValueDecoders.Setting setting) {
        switch (setting) {
            case JSON_SCHEMA:
                return VALUE_JSON_SCHEMA;
            case JSON_SCHEMA_FILE:
                return VALUE_JSON_SCHEMA_FILE;
            case DESCRIPTOR_SET:
                return VALUE_PROTOBUF_DESCRIPTOR_SET;
            case DESCRIPTOR_FILE:
                return VALUE_PROTOBUF_DESCRIPTOR_FILE;
            case MESSAGE:
                return VALUE_PROTOBUF_MESSAGE;
            case WIRE_FORMAT:
                return VALUE_PROTOBUF_WIRE_FORMAT;
            default:
                return VALUE_FORMAT;
        }
    }

    /**
     * The key.* settings a key decoder is built from. With neither key descriptor setting set, the value's descriptor
     * settings stand in: one descriptor set usually holds both messages.
     */
    public ValueDecoders.Spec keyDecoderSpec() {
        return keyDecoderSpec(getString(KEY_FORMAT), getString(KEY_JSON_SCHEMA), getString(KEY_JSON_SCHEMA_FILE),
                getString(KEY_PROTOBUF_DESCRIPTOR_SET), getString(KEY_PROTOBUF_DESCRIPTOR_FILE),
                getString(KEY_PROTOBUF_MESSAGE), getString(KEY_PROTOBUF_WIRE_FORMAT),
                getString(VALUE_PROTOBUF_DESCRIPTOR_SET), getString(VALUE_PROTOBUF_DESCRIPTOR_FILE),
                !getList(AvroSettings.REGISTRY_URL).isEmpty());
    }

    /** {@link #keyDecoderSpec()} from raw setting values, for validate(); the value's descriptors are the fallback. */
    public static ValueDecoders.Spec keyDecoderSpec(String format, String jsonSchema, String jsonSchemaFile,
            String descriptorSet, String descriptorFile, String message, String wireFormat,
            String valueDescriptorSet, String valueDescriptorFile) {
        return keyDecoderSpec(format, jsonSchema, jsonSchemaFile, descriptorSet, descriptorFile, message, wireFormat,
                valueDescriptorSet, valueDescriptorFile, false);
    }

    /** The same, {@code registry} true when schema.registry.url is set (Protobuf keys then may come from it). */
    public static ValueDecoders.Spec keyDecoderSpec(String format, String jsonSchema, String jsonSchemaFile,
            String descriptorSet, String descriptorFile, String message, String wireFormat,
            String valueDescriptorSet, String valueDescriptorFile, boolean registry) {
        if (isBlank(descriptorSet) && isBlank(descriptorFile)) {
            descriptorSet = valueDescriptorSet;
            descriptorFile = valueDescriptorFile;
        }
        return new ValueDecoders.Spec(format, jsonSchema, jsonSchemaFile, descriptorSet, descriptorFile, message,
                wireFormat, registry);
    }

    private static boolean isBlank(String text) {
        return text == null || text.isBlank();
    }

    /** How this task's keys become the key column; a new decoder per call, as decoders are not thread-safe. */
    public KeyDecoding keyDecoding() {
        ValueDecoder decoder = AvroSettings.isAvro(this, "key") ? AvroSettings.decoder(this, "key")
                : ValueDecoders.create("key", keyDecoderSpec(), () -> AvroSettings.registryClient(this));
        if (decoder != null) {
            return KeyDecoding.decoded(decoder);
        }
        return "json".equalsIgnoreCase(getString(KEY_FORMAT).trim()) ? KeyDecoding.parsedJson() : KeyDecoding.CONNECT;
    }

    /**
     * The cross-field check of key decoding: a decoder the key.* settings cannot build, or a key.format other than
     * connect without the key column to write into. Returns the setting at fault and the message, or null.
     */
    public static String[] validateKeyDecoding(ValueDecoders.Spec spec, boolean hasKeyColumn) {
        String format = spec.format() == null ? "" : spec.format().trim().toLowerCase(Locale.ROOT);
        if (!format.isEmpty() && !format.equals("connect") && !hasKeyColumn) {
            return new String[] {KEY_FORMAT, "key.format=" + format + " decodes keys into the key metadata column,"
                    + " which metadata.columns does not include; add key to metadata.columns, or use"
                    + " key.format=connect"};
        }
        try {
            ValueDecoders.create("key", spec);
            return null;
        } catch (ValueDecoders.SettingException e) {
            return new String[] {keyKeyOf(e.setting()), e.getMessage()};
        }
    }

    private static String keyKeyOf(ValueDecoders.Setting setting) {
        switch (setting) {
            case JSON_SCHEMA:
                return KEY_JSON_SCHEMA;
            case JSON_SCHEMA_FILE:
                return KEY_JSON_SCHEMA_FILE;
            case DESCRIPTOR_SET:
                return KEY_PROTOBUF_DESCRIPTOR_SET;
            case DESCRIPTOR_FILE:
                return KEY_PROTOBUF_DESCRIPTOR_FILE;
            case MESSAGE:
                return KEY_PROTOBUF_MESSAGE;
            case WIRE_FORMAT:
                return KEY_PROTOBUF_WIRE_FORMAT;
            default:
                return KEY_FORMAT;
        }
    }

    /** A JSON Schema the decoder accepts, inline or in a readable file; empty passes. */
    private static final class JsonSchemaValidator implements ConfigDef.Validator {
        private final boolean file;

        JsonSchemaValidator(boolean file) {
            this.file = file;
        }

        @Override
        public void ensureValid(String name, Object value) {
            String text = value == null ? "" : ((String) value).trim();
            if (text.isEmpty()) {
                return;
            }
            try {
                ValueDecoders.create(new ValueDecoders.Spec("json", file ? null : text, file ? text : null, null,
                        null, null, null));
            } catch (ValueDecoders.SettingException e) {
                throw new ConfigException(name, file ? value : "(JSON Schema)", e.getMessage());
            }
        }

        @Override
        public String toString() {
            return file ? "empty, or the path of a JSON Schema file on the worker" : "empty, or a JSON Schema document";
        }
    }

    /** A FileDescriptorSet that parses and links, base64 or in a readable file; empty passes. */
    private static final class DescriptorSetValidator extends InlineOrFileValidator {
        DescriptorSetValidator(boolean file) {
            super(file, "(descriptor set)", "empty, or a base64 FileDescriptorSet",
                    "empty, or the path of a FileDescriptorSet file on the worker");
        }

        @Override
        String problem(String text, boolean file) {
            try {
                if (file) {
                    // No message to look up yet: any name fails after the file loads, which is all this checks.
                    ValueDecoders.create(new ValueDecoders.Spec("protobuf", null, null, null, text, "\u0000", null));
                } else {
                    ValueDecoders.descriptorSet(text);
                }
                return null;
            } catch (ValueDecoders.SettingException e) {
                return e.setting() != ValueDecoders.Setting.MESSAGE ? e.getMessage() : null;
            }
        }
    }

    /** ignore, fail or write. */
    public String behaviorOnNullValues() {
        return getString(BEHAVIOR_ON_NULL_VALUES).toLowerCase(Locale.ROOT);
    }

    /** The metadata columns and their names, with the tombstone flag when null values are written. */
    public MetadataColumns metadataColumns() {
        Map<String, String> renames = parseRenames(getList(METADATA_COLUMN_NAMES));
        Map<MetadataColumns.Kind, String> names = new EnumMap<>(MetadataColumns.Kind.class);
        for (String entry : getList(METADATA_COLUMNS)) {
            MetadataColumns.Kind kind = MetadataColumns.Kind.valueOf(entry.trim().toUpperCase(Locale.ROOT));
            names.put(kind, renames.getOrDefault(kind.configName(), kind.defaultName()));
        }
        String tombstone = "write".equals(behaviorOnNullValues())
                ? renames.getOrDefault("tombstone", MetadataColumns.DEFAULT_TOMBSTONE_NAME) : null;
        return new MetadataColumns(names, tombstone);
    }

    private static Map<String, String> parseRenames(List<String> entries) {
        Map<String, String> renames = new HashMap<>();
        for (String entry : entries) {
            int colon = entry.indexOf(':');
            renames.put(entry.substring(0, colon).trim().toLowerCase(Locale.ROOT), entry.substring(colon + 1).trim());
        }
        return renames;
    }

    /** Each entry must name a metadata kind, once. */
    private static final class MetadataColumnsValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            Set<String> seen = new HashSet<>();
            for (Object item : (List<?>) value) {
                String kind = String.valueOf(item).trim().toLowerCase(Locale.ROOT);
                if (!KINDS.contains(kind)) {
                    throw new ConfigException(name, value, "'" + item + "' is not a metadata column; use any of " + KINDS);
                }
                if (!seen.add(kind)) {
                    throw new ConfigException(name, value, "'" + item + "' is listed twice");
                }
            }
        }

        @Override
        public String toString() {
            return "any of " + KINDS;
        }
    }

    /** kind:name pairs with known kinds and distinct, non-empty names. */
    private static final class ColumnNamesValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            Set<String> names = new HashSet<>();
            Set<String> kinds = new HashSet<>();
            for (Object item : (List<?>) value) {
                String entry = String.valueOf(item);
                int colon = entry.indexOf(':');
                if (colon <= 0 || colon == entry.length() - 1) {
                    throw new ConfigException(name, value, "'" + entry + "' is not a kind:name pair");
                }
                String kind = entry.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String column = entry.substring(colon + 1).trim();
                if (!KINDS.contains(kind) && !kind.equals("tombstone")) {
                    throw new ConfigException(name, value, "'" + kind + "' is not a metadata kind; use any of " + KINDS
                            + " or tombstone");
                }
                if (!kinds.add(kind)) {
                    throw new ConfigException(name, value, "'" + kind + "' is renamed twice");
                }
                if (column.isEmpty() || !names.add(column)) {
                    throw new ConfigException(name, value, "column name '" + column + "' is empty or used twice");
                }
            }
        }

        @Override
        public String toString() {
            return "kind:name pairs";
        }
    }

    /** Rejects any store URL that {@link StoreUrl#parse} would reject, with the same message. */
    private static final class StoreUrlValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null) {
                throw new ConfigException(name, null, "is required, e.g. s3a://bucket/prefix or file:///data/landing");
            }
            try {
                StoreUrl.parse((String) value);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, UrlCredentials.redact((String) value), e.getMessage());
            }
        }

        @Override
        public String toString() {
            return "s3a://bucket[/prefix] or file:///absolute/dir";
        }
    }

    /** Empty, or an http(s) URL with a host. */
    private static final class EndpointValidator implements ConfigDef.Validator {
        @Override
        public void ensureValid(String name, Object value) {
            String text = value == null ? "" : ((String) value).trim();
            if (text.isEmpty()) {
                return;
            }
            String shown = UrlCredentials.redact(text);
            if (UrlCredentials.hasUserInfo(text)) {
                throw new ConfigException(name, shown, UrlCredentials.refusal());
            }
            try {
                URI uri = new URI(text);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https")) {
                    throw new ConfigException(name, shown, "must start with http:// or https://");
                }
                if (uri.getHost() == null) {
                    throw new ConfigException(name, shown, "has no host name");
                }
            } catch (URISyntaxException e) {
                throw new ConfigException(name, shown, "is not a valid URL: " + e.getReason() + " at index "
                        + e.getIndex());
            }
        }

        @Override
        public String toString() {
            return "empty, or http(s)://host[:port]";
        }
    }
}
