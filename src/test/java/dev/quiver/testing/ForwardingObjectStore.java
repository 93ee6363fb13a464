package dev.quiver.testing;

import dev.quiver.store.ObjectStore;
import java.util.List;
import java.util.Optional;

/** An {@link ObjectStore} that passes every call on; tests override the calls whose behaviour they change. */
public class ForwardingObjectStore implements ObjectStore {
    private final ObjectStore delegate;

    public ForwardingObjectStore(ObjectStore delegate) {
        this.delegate = delegate;
    }

    protected ObjectStore delegate() {
        return delegate;
    }

    @Override
    public void put(String key, byte[] data, int offset, int length) {
        delegate.put(key, data, offset, length);
    }

    @Override
    public Optional<byte[]> get(String key) {
        return delegate.get(key);
    }

    @Override
    public Optional<Versioned> getVersioned(String key) {
        return delegate.getVersioned(key);
    }

    @Override
    public String putIfVersion(String key, byte[] data, String expectedVersion) {
        return delegate.putIfVersion(key, data, expectedVersion);
    }

    @Override
    public boolean exists(String key) {
        return delegate.exists(key);
    }

    @Override
    public List<String> list(String prefix) {
        return delegate.list(prefix);
    }

    @Override
    public void delete(String key) {
        delegate.delete(key);
    }

    @Override
    public Upload startUpload(String key) {
        return delegate.startUpload(key);
    }

    @Override
    public void abortUploads(String key) {
        delegate.abortUploads(key);
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
