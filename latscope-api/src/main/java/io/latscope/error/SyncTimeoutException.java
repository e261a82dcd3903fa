package io.latscope.error;

/**
 * A host did not answer clock-sync probes in time. Names the host and the interface the
 * probes were sent to, so the operator knows where to look (responder not running,
 * wrong address or port, a firewall, a link down).
 */
public class SyncTimeoutException extends LatScopeException {
    /** The host that did not answer. */
    private final String host;
    /** Its interface the probes were addressed to. */
    private final String interfaceName;

    /**
     * An exception for a host that stayed silent.
     *
     * @param host          the host's label
     * @param interfaceName its interface the probes were addressed to
     * @param message       the whole message, naming both and what to check
     */
    public SyncTimeoutException(String host, String interfaceName, String message) {
        super(message);
        this.host = host;
        this.interfaceName = interfaceName;
    }

    /**
     * The host that did not answer.
     *
     * @return its label
     */
    public String host() {
        return host;
    }

    /**
     * Its interface the probes were addressed to.
     *
     * @return e.g. {@code eth0}
     */
    public String interfaceName() {
        return interfaceName;
    }
}
