package dev.quiver.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * A setting that holds a schema either inline or as the path of a file on the worker: empty passes, anything else must
 * load. The Avro schema and the Protobuf descriptor set settings share it; each says only how to load its kind.
 */
abstract class InlineOrFileValidator implements ConfigDef.Validator {
    private final boolean file;
    private final String shownInline;
    private final String inlineDoc;
    private final String fileDoc;

    /**
     * @param shownInline what the error shows instead of an inline value, which may be long
     */
    InlineOrFileValidator(boolean file, String shownInline, String inlineDoc, String fileDoc) {
        this.file = file;
        this.shownInline = shownInline;
        this.inlineDoc = inlineDoc;
        this.fileDoc = fileDoc;
    }

    /** Why {@code text} (a path when {@code file}) does not load, or null when it does. */
    abstract String problem(String text, boolean file);

    @Override
    public final void ensureValid(String name, Object value) {
        String text = value == null ? "" : ((String) value).trim();
        if (text.isEmpty()) {
            return;
        }
        String problem = problem(text, file);
        if (problem != null) {
            throw new ConfigException(name, file ? value : shownInline, problem);
        }
    }

    @Override
    public final String toString() {
        return file ? fileDoc : inlineDoc;
    }
}
