package io.latscope.store;

/**
 * A store to open when a session starts: plain configuration, printable, with no open
 * connection. Made by the static factories in {@link Stores}.
 */
public interface StoreSpec {
    ResultStore open();

    /** Without secrets. */
    String description();
}
