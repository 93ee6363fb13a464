package dev.quiver.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * Collects the log events of this JVM that a predicate picks, while open: lets an integration test check what an
 * embedded Connect worker and Quiver's tasks logged (for example, that a storage outage made one WARN, not an ERROR
 * with a stack trace per retry). Events keep their logger, level, thread, message and thrown class.
 */
public final class LogCapture implements AutoCloseable {
    /** One captured event. */
    public record Event(String logger, Level level, String thread, String message, String thrown) {
    }

    private final Appender appender;

    private LogCapture(Predicate<LogEvent> pick) {
        this.appender = new Appender(pick);
        appender.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().addAppender(appender, Level.INFO, null);
        context.updateLoggers();
    }

    /** Starts capturing the events {@code pick} accepts, at INFO and above (as far as the loggers let them through). */
    public static LogCapture start(Predicate<LogEvent> pick) {
        return new LogCapture(pick);
    }

    /** The events captured so far, in order. */
    public List<Event> events() {
        synchronized (appender.events) {
            return List.copyOf(appender.events);
        }
    }

    /** The captured events {@code which} accepts. */
    public List<Event> events(Predicate<Event> which) {
        return events().stream().filter(which).toList();
    }

    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().removeAppender(appender.getName());
        context.updateLoggers();
        appender.stop();
    }

    private static final class Appender extends AbstractAppender {
        private final Predicate<LogEvent> pick;
        private final List<Event> events = new ArrayList<>();

        Appender(Predicate<LogEvent> pick) {
            super("capture-" + UUID.randomUUID(), null, null, true, Property.EMPTY_ARRAY);
            this.pick = pick;
        }

        @Override
        public void append(LogEvent event) {
            if (!pick.test(event)) {
                return;
            }
            Throwable thrown = event.getThrown();
            Event copy = new Event(event.getLoggerName(), event.getLevel(), event.getThreadName(),
                    event.getMessage().getFormattedMessage(), thrown == null ? null : thrown.getClass().getName());
            synchronized (events) {
                events.add(copy);
            }
        }
    }
}
