package io.latscope.error;

/**
 * A host did not answer clock-sync probes in time. Names the host and the interface the
 * probes were sent to, so the operator knows where to look (responder not running,
 * wrong address or port, a firewall, a link down).
 */
public class SyncTimeoutException extends LatScopeException {
    private final String host;
    private final String interfaceName;

    public SyncTimeoutException(String host, String interfaceName, String message) {
        super(message);
        this.host = host;
        this.interfaceName = interfaceName;
    }

    /** The host that did not answer. */
    public String host() {
        return host;
    }

    /** Its interface the probes were addressed to. */
    public String interfaceName() {
        return interfaceName;
    }
}
