package io.latscope.store;

/** A user and password for a store. {@link #toString()} never shows the password. */
public record Credentials(String user, String password) {
    @Override
    public String toString() {
        return "Credentials[user=" + user + ", password=" + (password == null || password.isEmpty() ? "(none)" : "****") + "]";
    }
}
