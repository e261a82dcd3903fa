package io.latscope.remote;

import io.latscope.error.ConfigurationException;

/**
 * What a host needs before an agent is started there.
 *
 * @param javaFeatureVersion the least Java feature release the agent runs on (25)
 * @param udpSyncPort        UDP port the clock sync will use, which must be free; 0 = don't check
 */
public record Preflight(int javaFeatureVersion, int udpSyncPort) {
    /** The Java release LatScope's agent is built for. */
    public static final int JAVA_FEATURE = 25;

    public Preflight {
        if (javaFeatureVersion < 8) {
            throw new ConfigurationException("Java feature version " + javaFeatureVersion + " is not a Java release");
        }
        if (udpSyncPort < 0 || udpSyncPort > 65535) {
            throw new ConfigurationException("UDP sync port " + udpSyncPort + " is out of range 0..65535");
        }
    }

    /** Java 25, no sync port check. */
    public static Preflight standard() {
        return new Preflight(JAVA_FEATURE, 0);
    }
}
