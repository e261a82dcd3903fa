package io.latscope.config;

import io.latscope.Credentials;
import io.latscope.RedisSpec;

import java.util.Map;

/** The environment variables secrets come from instead of YAML. */
final class Env {
    static final String SSH_PASSWORD = "LATSCOPE_SSH_PASSWORD";
    static final String SSH_KEY_PASSPHRASE = "LATSCOPE_SSH_KEY_PASSPHRASE";

    static final String DB_INSTEAD = "set " + Credentials.PASSWORD_ENV + " (and " + Credentials.USER_ENV
            + ") in the environment, or write user= and password= lines to a file named by "
            + Credentials.FILE_ENV + " (default ~/.latscope/db.properties, readable by its owner only)";
    static final String REDIS_INSTEAD = "set " + RedisSpec.PASSWORD_ENV + " in the environment";
    static final String SSH_INSTEAD = "log in with a key file (key: PATH) or the ssh-agent (agent: true); a password"
            + " is taken from " + SSH_PASSWORD + " and a key's passphrase from " + SSH_KEY_PASSPHRASE;

    private Env() {
    }

    static String get(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isEmpty() ? null : v;
    }
}
