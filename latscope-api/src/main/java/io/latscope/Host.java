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
    /**
     * The host's name in reports, hop scopes and error messages.
     *
     * @return e.g. "local" or "db-1"; an SSH host's address unless {@link Ssh#label(String)} set one
     */
    String label();

    /**
     * The host this JVM runs on.
     *
     * @return the one local host, labelled "local"
     */
    static Host local() {
        return Local.INSTANCE;
    }

    /**
     * A remote host reached over SSH at {@code address} (name or IP literal), port 22, as
     * this JVM's user, with the default keys and the ssh-agent, checked against
     * {@code ~/.ssh/known_hosts}; change any of that with the withers of {@link Ssh}.
     *
     * @param address a DNS name or IP literal, also the host's label until {@link Ssh#label(String)}
     * @return the host, with a 10 s connect timeout and no sudo
     * @throws ConfigurationException when {@code address} is blank or contains white space
     */
    static Ssh ssh(String address) {
        return Ssh.of(address);
    }

    /**
     * This JVM's own host.
     *
     * @param label always "local"
     */
    record Local(String label) implements Host {
        static final Local INSTANCE = new Local("local");

        @Override
        public String toString() {
            return "Host.local()";
        }
    }

    /** How a host relates to the host it runs on, so VM↔host and container↔host hops can be paired. */
    enum Relation {
        /** A virtual machine on its parent host. */
        VM,
        /** A container on its parent host (its own network namespace, the parent's kernel). */
        CONTAINER
    }

    /**
     * This host is a {@code relation} (VM or container) running on the host labelled {@code label}.
     *
     * @param relation VM or container
     * @param label    the parent host's label, as another host of the session names it
     */
    record Parent(Relation relation, String label) {
        /**
         * Checks that both are there.
         *
         * @param relation VM or container
         * @param label    the parent host's label
         * @throws NullPointerException when either is null
         */
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
        /** Interface names as {@code ip link} makes them, without characters a shell or a path would read. */
        private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.@-]{1,15}");
        private static final Pattern USER = Pattern.compile("[A-Za-z0-9._][A-Za-z0-9._@-]{0,63}\\$?");
        /** A DNS name (RFC 1123 labels) or an IPv4 or IPv6 literal (with a zone). */
        private static final Pattern ADDRESS = Pattern.compile(
                "(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?"
                        + "|[0-9A-Fa-f:.]{2,45}(?:%[A-Za-z0-9_.-]{1,15})?");
        /** Labels name hosts in hop scopes ({@code tx.TCP@h1/ns}) and Redis keys: no separators, no spaces. */
        private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_.:%-]{1,64}");
        /** Longest javaHome path. */
        private static final int MAX_PATH = 4096;

        /**
         * Validates every component; prefer {@link Host#ssh(String)} and the withers.
         *
         * @throws ConfigurationException naming the host and the component that is wrong
         */
        public Ssh {
            if (address == null || !ADDRESS.matcher(address).matches()) {
                throw new ConfigurationException("SSH host address must be a host name or IP address, got '"
                        + printable(address) + "'");
            }
            if (port < 1 || port > 65535) {
                throw new ConfigurationException("SSH port " + port + " of host " + label + " is out of range 1..65535");
            }
            if (user == null || !USER.matcher(user).matches()) {
                throw new ConfigurationException("SSH user '" + user + "' of host " + label + " is not a valid user name");
            }
            if (label == null || !LABEL.matcher(label).matches()) {
                throw new ConfigurationException("label of SSH host " + address + " must be 1 to 64 letters, digits or"
                        + " '_.:%-', got '" + printable(label) + "'");
            }
            if (interfaces == null) {
                throw new ConfigurationException("interfaces of host " + label + " must not be null");
            }
            for (String i : interfaces) {
                if (i == null || !IFNAME.matcher(i).matches()) {
                    throw new ConfigurationException("'" + printable(i) + "' of host " + label
                            + " is not a network interface name (1 to 15 letters, digits or '_.@-')");
                }
            }
            interfaces = List.copyOf(interfaces);
            if (parent != null && parent.label().equals(label)) {
                throw new ConfigurationException("host " + label + " cannot be a " + parent.relation() + " of itself");
            }
            if (javaHome != null && (!javaHome.startsWith("/") || javaHome.length() > MAX_PATH
                    || javaHome.chars().anyMatch(Character::isISOControl))) {
                throw new ConfigurationException("javaHome of host " + label + " must be an absolute path without control"
                        + " characters, got '" + printable(javaHome) + "'");
            }
            if (keyPassphrase != null && key == null) {
                throw new ConfigurationException("a key passphrase for host " + label + " needs a key");
            }
            if (knownHosts == null) {
                throw new ConfigurationException("known_hosts file of host " + label + " must not be null");
            }
            if (connectTimeout == null || connectTimeout.isNegative() || connectTimeout.isZero()) {
                throw new ConfigurationException("connect timeout of host " + label + " must be positive, got " + connectTimeout);
            }
        }

        /** For messages: control characters shown as '?', long values cut. */
        private static String printable(String s) {
            if (s == null) {
                return null;
            }
            String p = s.replaceAll("\\p{Cntrl}", "?");
            return p.length() <= 80 ? p : p.substring(0, 80) + "… (" + p.length() + " characters)";
        }

        static Ssh of(String address) {
            return new Ssh(address, 22, System.getProperty("user.name"), null, null, null, false,
                    Path.of(System.getProperty("user.home"), ".ssh", "known_hosts"), false, address, List.of(), null,
                    null, false, Duration.ofSeconds(10));
        }

        /**
         * Connect to another SSH port.
         *
         * @param port 1 to 65535; default 22
         * @return a changed copy
         * @throws ConfigurationException when out of range
         */
        public Ssh port(int port) {
            return with(d -> d.port = port);
        }

        /**
         * Log in as another user (default: this JVM's user).
         *
         * @param user a valid Unix user name
         * @return a changed copy
         * @throws ConfigurationException when {@code user} is not a valid user name
         */
        public Ssh user(String user) {
            return with(d -> d.user = user);
        }

        /**
         * Authenticate with this private key file (OpenSSH, PEM or PuTTY format), not encrypted.
         *
         * @param privateKey the key file on this machine
         * @return a changed copy
         */
        public Ssh key(Path privateKey) {
            return withKey(privateKey, null);
        }

        /**
         * Authenticate with this encrypted private key file. The passphrase is copied; clear
         * the array afterwards if you like.
         *
         * @param privateKey the key file on this machine
         * @param passphrase its passphrase
         * @return a changed copy
         */
        public Ssh key(Path privateKey, char[] passphrase) {
            return withKey(privateKey, Secret.of(new String(notNull(passphrase, "key passphrase"))));
        }

        /**
         * Authenticate with this encrypted private key file.
         *
         * @param privateKey the key file on this machine
         * @param passphrase its passphrase; never printed ({@link #toString()} shows {@code ****})
         * @return a changed copy
         */
        public Ssh key(Path privateKey, String passphrase) {
            return withKey(privateKey, Secret.of(notNull(passphrase, "key passphrase")));
        }

        private <T> T notNull(T value, String what) {
            if (value == null) {
                throw new ConfigurationException(what + " of host " + label + " must not be null");
            }
            return value;
        }

        private Ssh withKey(Path privateKey, Secret passphrase) {
            notNull(privateKey, "private key");
            return with(d -> {
                d.key = privateKey;
                d.keyPassphrase = passphrase;
            });
        }

        /**
         * Authenticate with a password (after key and agent, if those are configured too).
         *
         * @param password the login password; never printed ({@link #toString()} shows {@code ****})
         * @return a changed copy
         */
        public Ssh password(String password) {
            Secret s = Secret.of(notNull(password, "password"));
            return with(d -> d.password = s);
        }

        /**
         * Authenticate with the keys of the ssh-agent at {@code SSH_AUTH_SOCK}.
         *
         * @return a changed copy
         */
        public Ssh agentAuth() {
            return with(d -> d.useAgent = true);
        }

        /**
         * Verify the host key against this OpenSSH known_hosts file (default {@code ~/.ssh/known_hosts}).
         *
         * @param file a known_hosts file on this machine
         * @return a changed copy
         */
        public Ssh knownHosts(Path file) {
            return with(d -> d.knownHosts = file);
        }

        /**
         * Accept a host key that {@link #knownHosts()} does not list, and append it there
         * (trust on first use). Only for hosts whose network path you trust: the first
         * connection is open to a man in the middle. A <em>changed</em> key is still refused.
         *
         * @return a changed copy
         */
        public Ssh trustUnknownHostKeys() {
            return with(d -> d.trustsUnknownHostKeys = true);
        }

        /**
         * Name the host in reports, hop scopes and messages (default: its address).
         *
         * @param label not blank
         * @return a changed copy
         * @throws ConfigurationException when blank
         */
        public Ssh label(String label) {
            return with(d -> d.label = label);
        }

        /**
         * Network interfaces for XDP clock sync on this host (added to those given before).
         *
         * @param names interface names, e.g. {@code eth0}
         * @return a changed copy
         * @throws ConfigurationException when a name is not a valid interface name
         */
        public Ssh interfaces(String... names) {
            List<String> all = new ArrayList<>(interfaces);
            all.addAll(Arrays.asList(notNull(names, "interfaces")));
            return with(d -> d.interfaces = all);
        }

        /**
         * This host is a VM running on the host labelled {@code parentLabel}.
         *
         * @param parentLabel the label of another host of the session
         * @return a changed copy
         * @throws ConfigurationException when blank or this host's own label
         */
        public Ssh vmOf(String parentLabel) {
            Parent p = new Parent(Relation.VM, requireLabel(parentLabel));
            return with(d -> d.parent = p);
        }

        /**
         * This host is a container running on the host labelled {@code parentLabel}.
         *
         * @param parentLabel the label of another host of the session
         * @return a changed copy
         * @throws ConfigurationException when blank or this host's own label
         */
        public Ssh containerOf(String parentLabel) {
            Parent p = new Parent(Relation.CONTAINER, requireLabel(parentLabel));
            return with(d -> d.parent = p);
        }

        private String requireLabel(String parentLabel) {
            if (parentLabel == null || !LABEL.matcher(parentLabel).matches()) {
                throw new ConfigurationException("parent label of host " + label + " must be 1 to 64 letters, digits or"
                        + " '_.:%-', got '" + printable(parentLabel) + "'");
            }
            return parentLabel;
        }

        /**
         * The remote JDK to run the agent with (default: {@code $JAVA_HOME}, else {@code java} on the PATH, else a JDK 25 under /usr/lib/jvm).
         *
         * @param remotePath an absolute path on the remote host, e.g. {@code /opt/jdk-25}
         * @return a changed copy
         * @throws ConfigurationException when not absolute
         */
        public Ssh javaHome(String remotePath) {
            return with(d -> d.javaHome = remotePath);
        }

        /**
         * Run the agent (and the preflight's privilege check) with {@code sudo -n} when the user is not root.
         *
         * @param useSudo true to use sudo; it must not ask for a password
         * @return a changed copy
         */
        public Ssh sudo(boolean useSudo) {
            return with(d -> d.sudo = useSudo);
        }

        /**
         * How long to wait for the SSH connection to open.
         *
         * @param timeout positive; default 10 s
         * @return a changed copy
         * @throws ConfigurationException when not positive
         */
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

        /**
         * Where this host is reached, for messages.
         *
         * @return {@code user@address:port}, an IPv6 address in brackets
         */
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
