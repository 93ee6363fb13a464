/**
 * The exactly-once protocol, as one unit: the commit marker written before a flush's files (its intent), recovery
 * and replay on open, one partition's offsets and what {@code preCommit} may report, topic claims that keep two
 * connectors apart, and the hook called once a flush's files have landed. README.md, "Delivery", describes it.
 */
package dev.quiver.commit;
