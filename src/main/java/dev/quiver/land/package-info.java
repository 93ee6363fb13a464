/**
 * Landing batches: flush jobs (intent marker, files, listener) and spill jobs (row groups of an unfinished file),
 * run one at a time per partition on the flush threads, the pending file a batch's rows go to, and its upload with
 * retries that resend only what failed.
 */
package dev.quiver.land;
