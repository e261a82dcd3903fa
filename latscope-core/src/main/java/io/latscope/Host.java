package io.latscope;

import io.latscope.error.ConfigurationException;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A machine whose stack LatScope probes. {@link #local()} is this process's own host (the
 * probes run in this JVM; no SSH, no Redis); {@link #ssh(String)} is a remote host that
 * LatScope reaches over SSH, where it uploads and starts an agent.
 */
public sealed interface Host permits Host.Local, Host.Ssh {
    /** A label for reports, e.g. "local" or "db-1". */
    String label();

    /** The host this JVM runs on. */
    static Host local() {
        return Local.INSTANCE;
    }

    /**
     * A remote host reached over SSH at {@code address} (name or IP literal), port 22, as
     * this JVM's user, with the default keys and the ssh-agent, checked against
     * {@code ~/.ssh/known_hosts}; change any of that with the withers of {@link Ssh}.
     */
    static Ssh ssh(String address) {
        return Ssh.of(address);
    }

    /** This JVM's own host. */
    record Local(String label) implements Host {
        static final Local INSTANCE = new Local("local");

        @Override
        public String toString() {
            return "Host.local()";
        }
    }

    /** How a host relates to the host it runs on, so VM↔host and container↔host hops can be paired. */
    enum Relation { VM, CONTAINER }

    /** This host is a {@code relation} (VM or container) running on the host labelled {@code label}. */
    record Parent(Relation relation, String label) {
        public Parent {
            Objects.requireNonNull(relation);
            Objects.requireNonNull(label);
        }
    }

    /**
     * A remote host: immutable; every wither returns a changed copy and validates its input
     * ({@link ConfigurationException}).
     *
     * <pre>{@code
     * Host.ssh("10.0.0.2").user("ops").key(Path.of("/home/me/.ssh/id_ed25519")).sudo(true).label("db-1")
     * }</pre>
     *
     * Authentication tries, in order, the {@link #key(Path) key}, the {@link #agentAuth() ssh-agent}
     * and the {@link #password(String) password}; when none is configured, the agent (if
     * {@code SSH_AUTH_SOCK} is set) and the default keys {@code ~/.ssh/id_ed25519},
     * {@code id_ecdsa}, {@code id_rsa} that exist. The host key must be in {@link #knownHosts()}
     * unless {@link #trustUnknownHostKeys()} was called; a changed key is always refused.
     *
     * @param address        DNS name or IP literal
     * @param port           SSH port
     * @param user           login user
     * @param key            private key file, or null
     * @param keyPassphrase  passphrase of {@code key}, or null
     * @param password       password, or null
     * @param useAgent       authenticate with the ssh-agent at {@code SSH_AUTH_SOCK}
     * @param knownHosts     OpenSSH known_hosts file
     * @param trustsUnknownHostKeys accept (and append to {@code knownHosts}) a host key not listed there
     * @param label          name in reports and errors
     * @param interfaces     network interfaces for XDP clock sync (empty: the agent chooses)
     * @param parent         the host this one runs on as VM or container, or null
     * @param javaHome       the remote JDK's home, or null to probe {@code $JAVA_HOME}, {@code java} on
     *                       the PATH, then /usr/lib/jvm/*25*
     * @param sudo           run the agent with {@code sudo -n} when the user is not root
     * @param connectTimeout TCP connect timeout
     */
    record Ssh(String address, int port, String user, Path key, Secret keyPassphrase, Secret password,
               boolean useAgent, Path knownHosts, boolean trustsUnknownHostKeys, String label, List<String> interfaces,
               Parent parent, String javaHome, boolean sudo, Duration connectTimeout) implements Host {
        private static final Pattern IFNAME = Pattern.compile("[^/\\s:]{1,15}");
        private static final Pattern USER = Pattern.compile("[A-Za-z0-9._][A-Za-z0-9._@-]*\\$?");

        public Ssh {
            if (address == null || address.isBlank() || address.chars().anyMatch(Character::isWhitespace)) {
                throw new ConfigurationException("SSH host address must be a host name or IP address, got '" + address + "'");
            }
            if (port < 1 || port > 65535) {
                throw new ConfigurationException("SSH port " + port + " of host " + label + " is out of range 1..65535");
            }
            if (user == null || !USER.matcher(user).matches()) {
                throw new ConfigurationException("SSH user '" + user + "' of host " + label + " is not a valid user name");
            }
            if (label == null || label.isBlank()) {
                throw new ConfigurationException("label of SSH host " + address + " must not be blank");
            }
            interfaces = List.copyOf(interfaces);
            for (String i : interfaces) {
                if (!IFNAME.matcher(i).matches()) {
                    throw new ConfigurationException("'" + i + "' of host " + label + " is not a network interface name");
                }
            }
            if (parent != null && parent.label().equals(label)) {
                throw new ConfigurationException("host " + label + " cannot be a " + parent.relation() + " of itself");
            }
            if (javaHome != null && !javaHome.startsWith("/")) {
                throw new ConfigurationException("javaHome of host " + label + " must be an absolute path, got '" + javaHome + "'");
            }
            if (keyPassphrase != null && key == null) {
                throw new ConfigurationException("a key passphrase for host " + label + " needs a key");
            }
            Objects.requireNonNull(knownHosts, "knownHosts");
            if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new ConfigurationException("connect timeout of host " + label + " must be positive, got " + connectTimeout);
            }
        }

        static Ssh of(String address) {
            return new Ssh(address, 22, System.getProperty("user.name"), null, null, null, false,
                    Path.of(System.getProperty("user.home"), ".ssh", "known_hosts"), false, address, List.of(), null,
                    null, false, Duration.ofSeconds(10));
        }

        public Ssh port(int port) {
            return with(d -> d.port = port);
        }

        public Ssh user(String user) {
            return with(d -> d.user = user);
        }

        /** Authenticate with this private key file (OpenSSH, PEM or PuTTY format), not encrypted. */
        public Ssh key(Path privateKey) {
            return withKey(privateKey, null);
        }

        /** Authenticate with this encrypted private key file. */
        public Ssh key(Path privateKey, char[] passphrase) {
            return withKey(privateKey, Secret.of(new String(Objects.requireNonNull(passphrase, "passphrase"))));
        }

        public Ssh key(Path privateKey, String passphrase) {
            return withKey(privateKey, Secret.of(Objects.requireNonNull(passphrase, "passphrase")));
        }

        private Ssh withKey(Path privateKey, Secret passphrase) {
            Objects.requireNonNull(privateKey, "privateKey");
            return with(d -> {
                d.key = privateKey;
                d.keyPassphrase = passphrase;
            });
        }

        /** Authenticate with a password (after key and agent, if those are configured too). */
        public Ssh password(String password) {
            Secret s = Secret.of(Objects.requireNonNull(password, "password"));
            return with(d -> d.password = s);
        }

        /** Authenticate with the keys of the ssh-agent at {@code SSH_AUTH_SOCK}. */
        public Ssh agentAuth() {
            return with(d -> d.useAgent = true);
        }

        /** Verify the host key against this OpenSSH known_hosts file (default {@code ~/.ssh/known_hosts}). */
        public Ssh knownHosts(Path file) {
            return with(d -> d.knownHosts = file);
        }

        /**
         * Accept a host key that {@link #knownHosts()} does not list, and append it there
         * (trust on first use). Only for hosts whose network path you trust: the first
         * connection is open to a man in the middle. A <em>changed</em> key is still refused.
         */
        public Ssh trustUnknownHostKeys() {
            return with(d -> d.trustsUnknownHostKeys = true);
        }

        public Ssh label(String label) {
            return with(d -> d.label = label);
        }

        /** Network interfaces for XDP clock sync on this host (added to those given before). */
        public Ssh interfaces(String... names) {
            List<String> all = new ArrayList<>(interfaces);
            all.addAll(Arrays.asList(names));
            return with(d -> d.interfaces = all);
        }

        /** This host is a VM running on the host labelled {@code parentLabel}. */
        public Ssh vmOf(String parentLabel) {
            Parent p = new Parent(Relation.VM, requireLabel(parentLabel));
            return with(d -> d.parent = p);
        }

        /** This host is a container running on the host labelled {@code parentLabel}. */
        public Ssh containerOf(String parentLabel) {
            Parent p = new Parent(Relation.CONTAINER, requireLabel(parentLabel));
            return with(d -> d.parent = p);
        }

        private String requireLabel(String parentLabel) {
            if (parentLabel == null || parentLabel.isBlank()) {
                throw new ConfigurationException("parent label of host " + label + " must not be blank");
            }
            return parentLabel;
        }

        /** The remote JDK to run the agent with, e.g. {@code /opt/jdk-25}. */
        public Ssh javaHome(String remotePath) {
            return with(d -> d.javaHome = remotePath);
        }

        /** Run the agent (and the preflight's privilege check) with {@code sudo -n} when the user is not root. */
        public Ssh sudo(boolean useSudo) {
            return with(d -> d.sudo = useSudo);
        }

        public Ssh connectTimeout(Duration timeout) {
            return with(d -> d.connectTimeout = timeout);
        }

        /** A copy with {@code change} applied, validated by the canonical constructor. */
        private Ssh with(Consumer<Draft> change) {
            Draft d = new Draft(this);
            change.accept(d);
            return new Ssh(d.address, d.port, d.user, d.key, d.keyPassphrase, d.password, d.useAgent, d.knownHosts,
                    d.trustsUnknownHostKeys, d.label, d.interfaces, d.parent, d.javaHome, d.sudo, d.connectTimeout);
        }

        /** The components as mutable fields, for {@link #with}. */
        private static final class Draft {
            String address;
            int port;
            String user;
            Path key;
            Secret keyPassphrase;
            Secret password;
            boolean useAgent;
            Path knownHosts;
            boolean trustsUnknownHostKeys;
            String label;
            List<String> interfaces;
            Parent parent;
            String javaHome;
            boolean sudo;
            Duration connectTimeout;

            Draft(Ssh s) {
                address = s.address;
                port = s.port;
                user = s.user;
                key = s.key;
                keyPassphrase = s.keyPassphrase;
                password = s.password;
                useAgent = s.useAgent;
                knownHosts = s.knownHosts;
                trustsUnknownHostKeys = s.trustsUnknownHostKeys;
                label = s.label;
                interfaces = s.interfaces;
                parent = s.parent;
                javaHome = s.javaHome;
                sudo = s.sudo;
                connectTimeout = s.connectTimeout;
            }
        }

        /** {@code user@address:port}, for messages. */
        public String target() {
            String a = address.contains(":") ? "[" + address + "]" : address;
            return user + "@" + a + ":" + port;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder("Host.ssh(").append(target());
            if (!label.equals(address)) {
                sb.append(", label=").append(label);
            }
            if (key != null) {
                sb.append(", key=").append(key).append(keyPassphrase != null ? " (passphrase ****)" : "");
            }
            if (password != null) {
                sb.append(", password=****");
            }
            if (useAgent) {
                sb.append(", agent");
            }
            if (trustsUnknownHostKeys) {
                sb.append(", trustUnknownHostKeys");
            }
            if (!interfaces.isEmpty()) {
                sb.append(", interfaces=").append(interfaces);
            }
            if (parent != null) {
                sb.append(", ").append(parent.relation() == Relation.VM ? "vmOf=" : "containerOf=").append(parent.label());
            }
            if (javaHome != null) {
                sb.append(", javaHome=").append(javaHome);
            }
            if (sudo) {
                sb.append(", sudo");
            }
            return sb.append(')').toString();
        }
    }
}
