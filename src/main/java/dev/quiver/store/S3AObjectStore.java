package dev.quiver.store;

import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.EtagSource;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.MultipartUploader;
import org.apache.hadoop.fs.PartHandle;
import org.apache.hadoop.fs.UploadHandle;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.s3a.AWSBadRequestException;
import org.apache.hadoop.fs.s3a.RemoteFileChangedException;
import org.apache.hadoop.fs.s3a.UnknownStoreException;

/**
 * S3 and S3-compatible stores (MinIO, s3proxy, Ceph) through Hadoop's S3A file system.
 *
 * <p>S3A is used as a plain key-value client: one PUT per object, no directory markers, no rename. A write is durable
 * once {@link #put} returns, because S3A's output stream completes the upload in {@code close()}.
 */
public final class S3AObjectStore implements ObjectStore {
    private final String bucket;
    private final String root;
    private final FileSystem fs;
    private final String description;
    /** Hadoop's multipart client for this bucket, made on the first upload. */
    private MultipartUploader uploader;

    /** Encryption, object settings, credentials and tags beyond the connection. */
    private final S3Options options;

    /**
     * @param bucket    the bucket every key lives in
     * @param settings  S3A settings: endpoint, region, credentials and tuning
     */
    public S3AObjectStore(String bucket, S3Settings settings) {
        this(bucket, settings, S3Options.NONE);
    }

    /**
     * @param bucket    the bucket every key lives in
     * @param settings  S3A settings: endpoint, region, credentials and tuning
     * @param options   encryption, storage class, ACL, tags, other credential sources, pass-through keys
     */
    public S3AObjectStore(String bucket, S3Settings settings, S3Options options) {
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        this.options = Objects.requireNonNull(options, "options");
        this.root = "s3a://" + bucket + "/";
        this.description = root + (settings.endpoint().isEmpty() ? "" : " via " + settings.endpoint());
        Configuration conf = hadoopConfiguration(settings, options);
        try {
            // newInstance, not get: Hadoop's cache is keyed by URI and user only, so two connectors with different
            // credentials on one worker would otherwise share one client.
            this.fs = FileSystem.newInstance(URI.create(root), conf);
        } catch (IOException e) {
            throw failure("open " + description, e);
        }
    }

    /** The S3A configuration of a store: the connection and tuning, then the options on top. */
    static Configuration hadoopConfiguration(S3Settings settings, S3Options options) {
        Configuration conf = settings.toHadoopConfiguration();
        options.applyTo(conf, settings.accessKey() != null);
        return conf;
    }

    /**
     * Tags the file with PutObjectTagging through the S3 client S3A itself uses (same credentials, endpoint and
     * retries): S3A has no tagging on create, and a multipart upload would have to name its tags before the last
     * offset and row count are known. Until this returns the object is at its key untagged; it is not counted as
     * landed yet, so a failure here fails the flush, which lands the same file again and tags it then.
     */
    @Override
    public void fileLanded(String key, java.util.Map<String, String> facts) {
        if (!options.tagsFiles()) {
            return;
        }
        java.util.List<software.amazon.awssdk.services.s3.model.Tag> tags = new ArrayList<>();
        options.tagsOf(facts).forEach((k, v) -> tags.add(
                software.amazon.awssdk.services.s3.model.Tag.builder().key(k).value(v).build()));
        String what = "tag " + root + key;
        try {
            software.amazon.awssdk.services.s3.S3Client s3 = ((org.apache.hadoop.fs.s3a.S3AFileSystem) fs)
                    .getS3AInternals().getAmazonS3Client("tag landed files");
            s3.putObjectTagging(b -> b.bucket(bucket).key(key).tagging(t -> t.tagSet(tags)));
        } catch (software.amazon.awssdk.awscore.exception.AwsServiceException e) {
            int status = e.statusCode();
            throw new StoreException("cannot " + what + (status == 403 ? " (is s3:PutObjectTagging allowed?)" : "")
                    + ": " + e.getMessage(), e, status != 403 && status != 404 && status != 400 && status != 501);
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            throw new StoreException("cannot " + what + ": " + e.getMessage(), e, true);
        }
    }

    private Path path(String key) {
        return new Path(root + key);
    }

    @Override
    public void put(String key, byte[] data, int offset, int length) {
        try (FSDataOutputStream out = fs.create(path(key), true)) {
            out.write(data, offset, length);
        } catch (IOException e) {
            throw failure("upload " + root + key, e);
        }
    }

    /**
     * Streams the bytes into S3A's output stream, whose block buffer (fs.s3a.multipart.size, off-heap) holds them for
     * the PUT: no heap copy of the whole object is made on the way.
     */
    @Override
    public void put(String key, PartBytes data) {
        try (FSDataOutputStream out = fs.create(path(key), true); java.io.InputStream in = data.open()) {
            // transferTo copies through one small buffer, not an array of the object's size.
            in.transferTo(out);
        } catch (IOException e) {
            throw failure("upload " + root + key, e);
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        try (FSDataInputStream in = fs.open(path(key))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return Optional.of(out.toByteArray());
        } catch (UnknownStoreException e) {
            throw failure("read " + root + key, e);
        } catch (FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("read " + root + key, e);
        }
    }

    @Override
    public Optional<Versioned> getVersioned(String key) {
        for (int attempt = 1; ; attempt++) {
            try {
                FileStatus status = fs.getFileStatus(path(key));
                String etag = status instanceof EtagSource ? ((EtagSource) status).getEtag() : null;
                // Opening with the status makes S3A send If-Match with that ETag on the GET, so the bytes and the
                // version are of the same object even if a writer races the read.
                try (FSDataInputStream in = fs.openFile(path(key)).withFileStatus(status).build().get()) {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    in.transferTo(out);
                    return Optional.of(new Versioned(out.toByteArray(), etag));
                }
            } catch (UnknownStoreException e) {
                throw failure("read " + root + key, e);
            } catch (FileNotFoundException e) {
                return Optional.empty();
            } catch (RemoteFileChangedException e) {
                if (attempt >= 3) {
                    throw failure("read " + root + key, e);
                }
            } catch (IOException e) {
                throw failure("read " + root + key, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new StoreException("interrupted reading " + root + key, e, true);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                throw cause instanceof IOException ? failure("read " + root + key, (IOException) cause)
                        : new StoreException("cannot read " + root + key + ": " + cause, cause, true);
            }
        }
    }

    /**
     * One PutObject with If-None-Match or If-Match, sent with S3A's own S3 client and request factory (so the bucket's
     * encryption, storage class and ACL settings apply as to every other write), and the ETag taken from that PUT's
     * response. Not from a HEAD after it: a writer paused between the two would read, and adopt, the version of
     * whoever wrote next, and its next conditional write would then overwrite that writer's marker.
     */
    @Override
    public String putIfVersion(String key, byte[] data, String expectedVersion) {
        org.apache.hadoop.fs.s3a.S3AFileSystem s3a = (org.apache.hadoop.fs.s3a.S3AFileSystem) fs;
        software.amazon.awssdk.services.s3.model.PutObjectRequest.Builder request = s3a.getRequestFactory()
                .newPutObjectRequestBuilder(key, org.apache.hadoop.fs.s3a.impl.PutObjectOptions.defaultOptions(),
                        data.length, false);
        if (expectedVersion == null) {
            request.ifNoneMatch("*");
        } else {
            request.ifMatch(expectedVersion);
        }
        try {
            return s3a.getS3AInternals().getAmazonS3Client("conditional write").putObject(request.build(),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(data)).eTag();
        } catch (software.amazon.awssdk.awscore.exception.AwsServiceException e) {
            if (e.statusCode() == 412) {
                throw new StoreConflictException("conditional write of " + root + key + " refused (HTTP 412): the"
                        + " object changed since version " + expectedVersion + " was read", e);
            }
            if (e.statusCode() == 409) {
                // ConditionalRequestConflict: another conditional write of the key is in progress; try again later.
                throw new StoreException("cannot upload " + root + key + ": a concurrent conditional write is in"
                        + " progress (HTTP 409)", e, true);
            }
            throw failure("upload " + root + key,
                    org.apache.hadoop.fs.s3a.S3AUtils.translateException("upload", root + key, e));
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            throw failure("upload " + root + key,
                    org.apache.hadoop.fs.s3a.S3AUtils.translateException("upload", root + key, e));
        }
    }

    @Override
    public boolean exists(String key) {
        try {
            return fs.getFileStatus(path(key)).isFile();
        } catch (UnknownStoreException e) {
            throw failure("check " + root + key, e);
        } catch (FileNotFoundException e) {
            return false;
        } catch (IOException e) {
            throw failure("check " + root + key, e);
        }
    }

    @Override
    public List<String> list(String prefix) {
        int slash = prefix.lastIndexOf('/');
        String dir = slash < 0 ? "" : prefix.substring(0, slash);
        List<String> keys = new ArrayList<>();
        try {
            RemoteIterator<LocatedFileStatus> files = fs.listFiles(new Path(root + dir), true);
            while (files.hasNext()) {
                String key = files.next().getPath().toUri().getPath();
                key = key.startsWith("/") ? key.substring(1) : key;
                if (key.startsWith(prefix)) {
                    keys.add(key);
                }
            }
        } catch (UnknownStoreException e) {
            throw failure("list " + root + dir, e);
        } catch (FileNotFoundException e) {
            return keys;
        } catch (IOException e) {
            throw failure("list " + root + dir, e);
        }
        return keys;
    }

    @Override
    public void delete(String key) {
        try {
            fs.delete(path(key), false);
        } catch (IOException e) {
            throw failure("delete " + root + key, e);
        }
    }

    private synchronized MultipartUploader uploader() {
        if (uploader == null) {
            try {
                uploader = fs.createMultipartUploader(new Path(root)).build();
            } catch (IOException e) {
                throw failure("start multipart uploads to " + root, e);
            }
        }
        return uploader;
    }

    /**
     * A multipart upload through Hadoop's public {@link MultipartUploader}, which S3A implements with S3's own
     * CreateMultipartUpload, UploadPart and CompleteMultipartUpload: each part is sent as it comes and nothing is
     * visible at the key until completion.
     */
    @Override
    public Upload startUpload(String key) {
        MultipartUploader client = uploader();
        Path path = path(key);
        UploadHandle handle = await("start a multipart upload of " + root + key, () -> client.startUpload(path));
        return new S3AUpload(client, key, path, handle);
    }

    /**
     * Lists the bucket's unfinished uploads under the key with the S3 client S3A itself uses, and aborts those of
     * exactly this key. Hadoop's {@code abortUploadsUnderPath} treats the path as a folder, which would miss the key
     * or, given its folder, abort the uploads of other files being written there.
     */
    @Override
    public void abortUploads(String key) {
        String what = "abort the unfinished uploads of " + root + key;
        try {
            software.amazon.awssdk.services.s3.S3Client s3 = ((org.apache.hadoop.fs.s3a.S3AFileSystem) fs)
                    .getS3AInternals().getAmazonS3Client("abort unfinished uploads");
            for (software.amazon.awssdk.services.s3.model.MultipartUpload upload : s3.listMultipartUploadsPaginator(
                    b -> b.bucket(bucket).prefix(key)).uploads()) {
                if (upload.key().equals(key)) {
                    s3.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(upload.uploadId()));
                }
            }
        } catch (software.amazon.awssdk.services.s3.model.NoSuchUploadException e) {
            // Gone already: completed or aborted by someone else, which is all this wanted.
        } catch (software.amazon.awssdk.awscore.exception.AwsServiceException e) {
            int status = e.statusCode();
            throw new StoreException("cannot " + what + ": " + e.getMessage(), e, status != 403 && status != 404);
        } catch (software.amazon.awssdk.core.exception.SdkException e) {
            throw new StoreException("cannot " + what + ": " + e.getMessage(), e, true);
        }
    }

    private final class S3AUpload implements Upload {
        private final MultipartUploader client;
        private final String key;
        private final Path path;
        private final UploadHandle handle;
        private final java.util.TreeMap<Integer, PartHandle> parts = new java.util.TreeMap<>();

        S3AUpload(MultipartUploader client, String key, Path path, UploadHandle handle) {
            this.client = client;
            this.key = key;
            this.path = path;
            this.handle = handle;
        }

        @Override
        public String key() {
            return key;
        }

        @Override
        public void uploadPart(int number, PartBytes data, boolean last) {
            PartHandle part;
            try {
                part = await("upload part " + number + " of " + root + key,
                        () -> client.putPart(handle, number, last, path, data.open(), data.length()));
            } catch (StoreException e) {
                throw vanishedOr(e);
            }
            parts.put(number, part);
        }

        @Override
        public void complete() {
            try {
                await("complete the upload of " + root + key, () -> client.complete(handle, path, parts));
            } catch (StoreException e) {
                throw vanishedOr(e);
            }
        }

        @Override
        public void abort() {
            try {
                client.abort(handle, path).get();
            } catch (IOException | ExecutionException e) {
                // Left behind, the parts only cost storage until abortUploads or a bucket lifecycle rule clears them.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** {@code e} as an {@link UploadVanishedException} when S3 said the upload does not exist (NoSuchUpload). */
    static StoreException vanishedOr(StoreException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof software.amazon.awssdk.services.s3.model.NoSuchUploadException
                    || (t instanceof software.amazon.awssdk.awscore.exception.AwsServiceException aws
                            && aws.awsErrorDetails() != null
                            && "NoSuchUpload".equals(aws.awsErrorDetails().errorCode()))) {
                return new UploadVanishedException(e.getMessage(), e);
            }
        }
        return e;
    }

    /** An asynchronous Hadoop call awaited, with its failure sorted as {@link #failure} does. */
    private <T> T await(String what, AsyncCall<T> call) {
        try {
            return call.start().get();
        } catch (IOException e) {
            throw failure(what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while trying to " + what, e, true);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof java.io.UncheckedIOException) {
                cause = cause.getCause();
            }
            throw cause instanceof IOException ? failure(what, (IOException) cause)
                    : new StoreException("cannot " + what + ": " + cause, cause, true);
        }
    }

    @FunctionalInterface
    private interface AsyncCall<T> {
        java.util.concurrent.CompletableFuture<T> start() throws IOException;
    }

    /** Sorts an S3A failure into "retry later" (outage, throttling, timeout) or "give up" (auth, missing bucket). */
    static StoreException failure(String what, IOException e) {
        boolean permanent = e instanceof AccessDeniedException
                || e instanceof UnknownStoreException
                || e instanceof AWSBadRequestException
                || (e instanceof FileNotFoundException && !(e instanceof InterruptedIOException));
        String hint = e instanceof UnknownStoreException ? " (does the bucket exist?)"
                : e instanceof AccessDeniedException ? " (check the credentials and the bucket policy)" : "";
        return new StoreException("cannot " + what + hint + ": " + e.getMessage(), e, !permanent);
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        try {
            synchronized (this) {
                if (uploader != null) {
                    uploader.close();
                }
            }
            fs.close();
        } catch (IOException e) {
            // Closing only releases connection pools and threads; nothing durable depends on it.
        }
    }

    /** Which bucket this store writes to. */
    public String bucket() {
        return bucket;
    }
}
