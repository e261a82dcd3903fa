package io.latscope.store.mysql;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one thread that writes to the database, so measuring threads never wait on it. It
 * takes the oldest batch, writes it, and on failure keeps it and tries again with
 * exponential back-off (100 ms doubling up to {@code maxBackoff}, ±20 % jitter) until it
 * is written: nothing is dropped. An outage is logged when it starts, every minute while it
 * lasts, and when the database is back.
 */
final class WriterThread implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(WriterThread.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration OUTAGE_REPORT_EVERY = Duration.ofMinutes(1);

    private final String store;
    private final WriteBuffer buffer;
    private final BatchWriter writer;
    private final int batchRows;
    private final Duration maxBackoff;
    private final AtomicLong retries = new AtomicLong();
    private final Thread thread;
    private volatile boolean stopping;
    private volatile String lastError;
    private volatile Instant lastErrorAt;

    WriterThread(String store, WriteBuffer buffer, BatchWriter writer, int batchRows, Duration maxBackoff) {
        this.store = store;
        this.buffer = buffer;
        this.writer = writer;
        this.batchRows = batchRows;
        this.maxBackoff = maxBackoff;
        this.thread = Thread.ofPlatform().daemon().name("latscope-store-writer").unstarted(this);
    }

    void start() {
        thread.start();
    }

    @Override
    public void run() {
        try {
            while (!stopping) {
                List<RowSet> batch = buffer.take(batchRows, Duration.ofMillis(500));
                if (!batch.isEmpty()) {
                    writeUntilDone(batch);
                }
            }
        } catch (InterruptedException e) {
            // close() gave up waiting; what is pending goes to the spill file.
        } catch (IOException | RuntimeException e) {
            lastError = "writer stopped: " + e;
            lastErrorAt = Instant.now();
            LOG.error("result store {}: the writer stopped; pending data is kept for close() to save", store, e);
        }
    }

    private void writeUntilDone(List<RowSet> batch) throws InterruptedException, IOException {
        Duration backoff = FIRST_BACKOFF;
        Instant outageStart = null;
        Instant nextReport = null;
        while (true) {
            try {
                writer.write(batch);
                buffer.batchWritten();
                if (outageStart != null) {
                    LOG.info("result store {}: writing again after {} s; {} items still pending", store,
                            Duration.between(outageStart, Instant.now()).toMillis() / 1000.0, buffer.pending());
                }
                lastError = null;
                return;
            } catch (SQLException e) {
                if (stopping) {
                    // close() interrupted the attempt; that says nothing about the database.
                    throw new InterruptedException("closing");
                }
                retries.incrementAndGet();
                Instant now = Instant.now();
                lastError = SqlErrors.summary(e);
                lastErrorAt = now;
                if (outageStart == null) {
                    outageStart = now;
                    nextReport = now.plus(OUTAGE_REPORT_EVERY);
                    LOG.warn("result store {}: write failed ({}); keeping {} items pending (spilled to disk beyond the"
                            + " memory bound) and retrying with back-off up to {} s", store, lastError, buffer.pending(),
                            maxBackoff.toMillis() / 1000.0);
                } else if (now.isAfter(nextReport)) {
                    nextReport = now.plus(OUTAGE_REPORT_EVERY);
                    LOG.warn("result store {}: still failing after {} s ({}); {} items pending, {} spilled", store,
                            Duration.between(outageStart, now).toSeconds(), lastError, buffer.pending(), buffer.spilled());
                } else {
                    LOG.debug("result store {}: retry failed: {}", store, lastError);
                }
                double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
                Thread.sleep(Math.round(backoff.toMillis() * jitter));
                backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
            }
        }
    }

    long retries() {
        return retries.get();
    }

    String lastError() {
        return lastError;
    }

    Instant lastErrorAt() {
        return lastErrorAt;
    }

    /** Stops after the batch in hand (interrupting a back-off wait); waits up to {@code timeout}. */
    boolean stop(Duration timeout) throws InterruptedException {
        stopping = true;
        thread.interrupt();
        thread.join(timeout);
        return !thread.isAlive();
    }
}
