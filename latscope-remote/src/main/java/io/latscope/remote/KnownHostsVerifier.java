package io.latscope.remote;

import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Base64;

/**
 * known_hosts verification that remembers why a key was refused, so the error can say
 * "unknown" or "changed" with the fingerprint and what to do. An unknown key is accepted
 * (and appended to the file) only when the caller opted in; a changed key never is.
 */
final class KnownHostsVerifier extends OpenSSHKnownHosts {
    private static final Logger LOG = LoggerFactory.getLogger(KnownHostsVerifier.class);
    /** Parallel preflights may trust several new hosts at once: one writer at a time. */
    private static final Object WRITE_LOCK = new Object();

    private final Path file;
    private final boolean trustUnknown;
    private volatile String refusal;

    KnownHostsVerifier(Path file, boolean trustUnknown) throws IOException {
        super(file.toFile());
        this.file = file;
        this.trustUnknown = trustUnknown;
    }

    /** Why the host key was refused, or null. */
    String refusal() {
        return refusal;
    }

    @Override
    protected boolean hostKeyUnverifiableAction(String hostname, PublicKey key) {
        String type = KeyType.fromKey(key).toString();
        if (!trustUnknown) {
            refusal = "host key unknown: " + hostname + " offers " + type + " " + fingerprint(key) + ", which is not in "
                    + file + "; check the fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and add it"
                    + " to that file, or call trustUnknownHostKeys()";
            return false;
        }
        try {
            synchronized (WRITE_LOCK) {
                Files.createDirectories(file.toAbsolutePath().getParent());
                write(new HostEntry(null, hostname, KeyType.fromKey(key), key));
            }
            LOG.info("trusting the unknown host key of {} ({} {}) and adding it to {}", hostname, type, fingerprint(key), file);
            return true;
        } catch (IOException e) {
            refusal = "host key unknown and cannot be remembered: writing " + file + " failed: " + e.getMessage();
            return false;
        }
    }

    @Override
    protected boolean hostKeyChangedAction(String hostname, PublicKey key) {
        refusal = "host key CHANGED: " + hostname + " offers " + KeyType.fromKey(key) + " " + fingerprint(key)
                + ", which differs from the key in " + file + " — someone may be intercepting the connection; if the host"
                + " was reinstalled, remove the old entry (ssh-keygen -R '" + hostname + "' -f " + file + ")";
        return false;
    }

    /** OpenSSH's fingerprint format: SHA256:base64 of the key blob, unpadded. */
    static String fingerprint(PublicKey key) {
        try {
            byte[] blob = new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
            byte[] d = MessageDigest.getInstance("SHA-256").digest(blob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
