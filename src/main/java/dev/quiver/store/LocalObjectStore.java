package dev.quiver.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A directory as an object store, for {@code file:///} URLs: one file per key.
 *
 * <p>A write goes to a hidden temporary file, is forced to disk, then atomically renamed over the key, so a reader or
 * a crash never sees half an object; that is the same all-or-nothing visibility S3 gives a PUT. The key's directory is
 * forced after the rename (and each new directory in its parent), so that a write that returned survives a power
 * loss, as the commit protocol assumes of a store.
 */
public final class LocalObjectStore implements ObjectStore {
    private static final String TEMP_PREFIX = ".quiver-tmp-";
    /** Parts of an unfinished upload: {@code .quiver-tmp-upload-<file name>.<upload id>.<part number>}. */
    private static final String UPLOAD_PREFIX = TEMP_PREFIX + "upload-";

    private final Path root;
    private final Fsync fsync;

    public LocalObjectStore(Path root) {
        this(root, Fsync.SYSTEM);
    }

    /** @param fsync how files and directories are forced to disk; tests pass one that records the calls */
    LocalObjectStore(Path root, Fsync fsync) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        this.fsync = Objects.requireNonNull(fsync, "fsync");
    }

    /** Forces bytes and directory entries to stable storage; a seam so tests can see when it happens. */
    interface Fsync {
        /** Forces a file's bytes and metadata. */
        void file(Path path, FileChannel channel) throws IOException;

        /** Forces a directory, so that the names created, renamed or removed in it survive a power loss. */
        void directory(Path dir) throws IOException;

        Fsync SYSTEM = new Fsync() {
            @Override
            public void file(Path path, FileChannel channel) throws IOException {
                channel.force(true);
            }

            @Override
            public void directory(Path dir) throws IOException {
                forceDirectory(dir);
            }
        };
    }

    /**
     * Opens the directory and forces it (fsync on a directory descriptor): on Linux and macOS this is what makes a
     * rename durable. Windows cannot open a directory this way and makes renames durable on its own.
     */
    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (AccessDeniedException e) {
            if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).startsWith("windows")) {
                throw e;
            }
        }
    }

    private Path resolve(String key) {
        Path path = root.resolve(key).normalize();
        if (!path.startsWith(root) || path.equals(root)) {
            throw new IllegalArgumentException("key escapes the store root: " + key);
        }
        return path;
    }

    @Override
    public void put(String key, byte[] data, int offset, int length) {
        ByteBuffer buffer = ByteBuffer.wrap(data, offset, length);
        write(key, channel -> {
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        });
    }

    /** Streams the bytes to the file through one small buffer: no copy of the whole object on the heap. */
    @Override
    public void put(String key, PartBytes data) {
        write(key, channel -> {
            long written = 0;
            byte[] chunk = new byte[STREAM_BUFFER];
            try (java.io.InputStream in = data.open()) {
                for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
                    ByteBuffer buffer = ByteBuffer.wrap(chunk, 0, n);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                    written += n;
                }
            }
            if (written != data.length()) {
                // Never renamed into place: the key keeps what it had.
                throw new IOException("read " + written + " of " + data.length() + " bytes");
            }
        });
    }

    /** Bytes {@link #put(String, PartBytes)} reads at a time. */
    static final int STREAM_BUFFER = 64 * 1024;

    private interface ChannelWrite {
        void to(FileChannel channel) throws IOException;
    }

    /** Writes a temporary file beside the key, forces it, and renames it onto the key: readers see all or nothing. */
    private void write(String key, ChannelWrite content) {
        Path target = resolve(key);
        Path temp = target.resolveSibling(TEMP_PREFIX + UUID.randomUUID());
        try {
            createDirectories(target.getParent());
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                content.to(channel);
                fsync.file(temp, channel);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            // Durable on return means the name too: until its directory is forced, a power loss can undo the rename.
            fsync.directory(target.getParent());
        } catch (IOException e) {
            deleteQuietly(temp);
            throw failure("write " + target, e);
        }
    }

    /**
     * Creates {@code dir} and its missing parents, and forces the parent of each one created, so that a new folder
     * (a topic's, a partition's) does not vanish with its files after a power loss.
     */
    private void createDirectories(Path dir) throws IOException {
        java.util.ArrayDeque<Path> missing = new java.util.ArrayDeque<>();
        for (Path d = dir; d != null && !Files.isDirectory(d); d = d.getParent()) {
            missing.push(d);
        }
        if (missing.isEmpty()) {
            return;
        }
        Files.createDirectories(dir);
        for (Path created : missing) {
            fsync.directory(created.getParent());
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        Path path = resolve(key);
        try {
            return Optional.of(Files.readAllBytes(path));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("read " + path, e);
        }
    }

    @Override
    public Optional<Versioned> getVersioned(String key) {
        return get(key).map(bytes -> new Versioned(bytes, versionOf(bytes)));
    }

    @Override
    public String putIfVersion(String key, byte[] data, String expectedVersion) {
        Path target = resolve(key);
        Path lockFile = target.resolveSibling(TEMP_PREFIX + "lock-" + target.getFileName());
        try {
            createDirectories(target.getParent());
            // A file lock, so that tasks in other JVMs writing to the same shared directory are fenced too.
            try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock lock = lockChannel.lock()) {
                Optional<byte[]> current = get(key);
                String currentVersion = current.map(LocalObjectStore::versionOf).orElse(null);
                if (!java.util.Objects.equals(currentVersion, expectedVersion)) {
                    throw new StoreConflictException("conditional write of " + target + " refused: expected version "
                            + expectedVersion + ", found " + currentVersion, null);
                }
                put(key, data, 0, data.length);
                return versionOf(data);
            }
        } catch (IOException e) {
            throw failure("write " + target, e);
        }
    }

    /** A content hash stands in for S3's ETag: equal bytes, equal version. */
    private static String versionOf(byte[] bytes) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(resolve(key));
    }

    @Override
    public List<String> list(String prefix) {
        // Walk from the deepest existing directory the prefix names, not the whole root.
        int slash = prefix.lastIndexOf('/');
        Path start = slash < 0 ? root : resolve(prefix.substring(0, slash));
        List<String> keys = new ArrayList<>();
        if (!Files.isDirectory(start)) {
            return keys;
        }
        try (Stream<Path> files = Files.walk(start)) {
            files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith(TEMP_PREFIX))
                    .map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .filter(k -> k.startsWith(prefix))
                    .forEach(keys::add);
        } catch (IOException e) {
            throw failure("list " + start, e);
        }
        return keys;
    }

    @Override
    public void delete(String key) {
        Path path = resolve(key);
        try {
            if (Files.deleteIfExists(path)) {
                // A recovery deletes orphans of a replayed flush: one that came back after a power loss is a duplicate.
                fsync.directory(path.getParent());
            }
        } catch (IOException e) {
            throw failure("delete " + path, e);
        }
    }

    /**
     * Parts go to hidden files beside the key, each forced to disk as it is written; completion concatenates them
     * into a temporary file and renames it over the key, so the object appears whole or not at all.
     */
    @Override
    public Upload startUpload(String key) {
        Path target = resolve(key);
        try {
            createDirectories(target.getParent());
        } catch (IOException e) {
            throw failure("create the folder of " + target, e);
        }
        return new LocalUpload(key, target, UUID.randomUUID().toString());
    }

    @Override
    public void abortUploads(String key) {
        Path target = resolve(key);
        Path dir = target.getParent();
        if (!Files.isDirectory(dir)) {
            return;
        }
        String prefix = UPLOAD_PREFIX + target.getFileName() + ".";
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(p -> p.getFileName().toString().startsWith(prefix)).forEach(LocalObjectStore::deleteQuietly);
        } catch (IOException e) {
            throw failure("list the unfinished uploads of " + target, e);
        }
    }

    private final class LocalUpload implements Upload {
        private final String key;
        private final Path target;
        private final String id;
        private final java.util.TreeSet<Integer> parts = new java.util.TreeSet<>();

        LocalUpload(String key, Path target, String id) {
            this.key = key;
            this.target = target;
            this.id = id;
        }

        private Path part(int number) {
            return target.resolveSibling(UPLOAD_PREFIX + target.getFileName() + "." + id + "." + number);
        }

        @Override
        public String key() {
            return key;
        }

        @Override
        public void uploadPart(int number, PartBytes data, boolean last) {
            Path part = part(number);
            try (FileChannel channel = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
                    java.io.InputStream in = data.open()) {
                long copied = in.transferTo(java.nio.channels.Channels.newOutputStream(channel));
                if (copied != data.length()) {
                    throw new IOException("part " + number + " said " + data.length() + " bytes and held " + copied);
                }
                fsync.file(part, channel);
            } catch (IOException e) {
                deleteQuietly(part);
                throw failure("write part " + number + " of " + target, e);
            }
            parts.add(number);
        }

        @Override
        public void complete() {
            Path temp = target.resolveSibling(TEMP_PREFIX + UUID.randomUUID());
            try {
                try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    for (int number : parts) {
                        try (FileChannel in = FileChannel.open(part(number), StandardOpenOption.READ)) {
                            long size = in.size();
                            long done = 0;
                            while (done < size) {
                                done += in.transferTo(done, size - done, out);
                            }
                        }
                    }
                    fsync.file(temp, out);
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                fsync.directory(target.getParent());
            } catch (IOException e) {
                deleteQuietly(temp);
                throw failure("complete the upload of " + target, e);
            }
            abort();
        }

        @Override
        public void abort() {
            for (int number : parts) {
                deleteQuietly(part(number));
            }
            parts.clear();
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // The temp file name is unique and hidden from list(); a leftover is harmless.
        }
    }

    private static StoreException failure(String what, IOException e) {
        // A denied permission or a read-only file system will not heal by retrying; a full disk or an NFS hiccup may.
        boolean permanent = e instanceof AccessDeniedException
                || (e instanceof FileSystemException && String.valueOf(e.getMessage()).contains("Read-only"));
        return new StoreException("cannot " + what + ": " + e, e, !permanent);
    }

    @Override
    public String describe() {
        return "file://" + root;
    }

    @Override
    public void close() {
        // Nothing held open between calls.
    }
}
