package io.latscope.bpf;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Safety net for owners of kernel resources: if an owner becomes unreachable without
 * {@code close()}, the resource is released anyway and the leak is logged, naming it.
 */
final class Leaks {
    /** Created at the first message: SLF4J's start (a scan of every jar on the class path) stays out of a session's. */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(Leaks.class);
    }
    private static final Cleaner CLEANER = Cleaner.create(Thread.ofPlatform().daemon().name("latscope-cleaner").factory());

    private Leaks() {
    }

    /** Handle an owner keeps; {@link #release()} from {@code close()} is idempotent. */
    static final class Guard {
        private final AtomicBoolean released;
        private final Cleaner.Cleanable cleanable;

        private Guard(AtomicBoolean released, Cleaner.Cleanable cleanable) {
            this.released = released;
            this.cleanable = cleanable;
        }

        /** Releases the resource now. Returns false when it was released before. */
        boolean release() {
            if (!released.compareAndSet(false, true)) {
                return false;
            }
            cleanable.clean();
            return true;
        }

        boolean isReleased() {
            return released.get();
        }
    }

    /** {@code release} must not capture {@code owner}, or the owner never becomes unreachable. */
    static Guard guard(Object owner, String what, Runnable release) {
        AtomicBoolean released = new AtomicBoolean();
        Cleaner.Cleanable c = CLEANER.register(owner, () -> {
            if (!released.getAndSet(true)) {
                Log.LOG.warn("leak: {} was not closed; releasing it now", what);
            }
            try {
                release.run();
            } catch (RuntimeException e) {
                Log.LOG.warn("releasing {} failed: {}", what, e.toString());
            }
        });
        return new Guard(released, c);
    }
}
