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
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.s3a.AWSBadRequestException;
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

    /**
     * @param bucket    the bucket every key lives in
     * @param settings  S3A settings: endpoint, region, credentials and tuning
     */
    public S3AObjectStore(String bucket, S3Settings settings) {
        this.bucket = Objects.requireNonNull(bucket, "bucket");
        this.root = "s3a://" + bucket + "/";
        this.description = root + (settings.endpoint().isEmpty() ? "" : " via " + settings.endpoint());
        Configuration conf = settings.toHadoopConfiguration();
        try {
            // newInstance, not get: Hadoop's cache is keyed by URI and user only, so two connectors with different
            // credentials on one worker would otherwise share one client.
            this.fs = FileSystem.newInstance(URI.create(root), conf);
        } catch (IOException e) {
            throw failure("open " + description, e);
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
