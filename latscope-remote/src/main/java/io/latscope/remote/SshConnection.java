package io.latscope.remote;

import io.latscope.error.RemoteHostException;
import io.latscope.Host;
import io.latscope.Secret;
import net.schmizz.keepalive.KeepAliveProvider;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.DisconnectReason;
import net.schmizz.sshj.common.SSHException;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;
import net.schmizz.sshj.userauth.method.AuthMethod;
import net.schmizz.sshj.userauth.method.AuthPassword;
import net.schmizz.sshj.userauth.method.AuthPublickey;
import net.schmizz.sshj.userauth.password.PasswordFinder;
import net.schmizz.sshj.userauth.password.Resource;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One authenticated SSH connection to a host, owning its {@link SSHClient}. {@link #open}
 * turns every way of failing into a {@link RemoteHostException} that names the host and the
 * cause in words (unreachable, host key unknown or changed, authentication failed, …).
 */
final class SshConnection implements AutoCloseable {
    /** Detects a dead host or network: after 5 unanswered keep-alives sshj disconnects. */
    private static final int KEEPALIVE_SECONDS = 5;
    private static final DefaultConfig CONFIG = config();

    private final Host.Ssh host;
    private final SSHClient client;
    private String home;

    private SshConnection(Host.Ssh host, SSHClient client) {
        this.host = host;
        this.client = client;
    }

    /** Connects, verifies the host key and authenticates; closes everything it opened when one step fails. */
    static SshConnection open(Host.Ssh host) {
        SSHClient client = new SSHClient(CONFIG);
        try {
            KnownHostsVerifier verifier;
            try {
                verifier = new KnownHostsVerifier(host.knownHosts(), host.trustsUnknownHostKeys());
            } catch (IOException e) {
                throw fail(host, "cannot read known_hosts file " + host.knownHosts() + ": " + e.getMessage(), e);
            }
            client.addHostKeyVerifier(verifier);
            int timeoutMs = (int) Math.min(Integer.MAX_VALUE, host.connectTimeout().toMillis());
            client.setConnectTimeout(timeoutMs);
            // key exchange and auth replies: a host that accepts TCP but never answers must not hang us
            client.getTransport().setTimeoutMs(Math.max(timeoutMs, 15_000));
            try {
                client.connect(host.address(), host.port());
            } catch (TransportException e) {
                if (e.getDisconnectReason() == DisconnectReason.HOST_KEY_NOT_VERIFIABLE && verifier.refusal() != null) {
                    throw fail(host, verifier.refusal(), null);
                }
                throw fail(host, "SSH handshake failed: " + describe(e), e);
            } catch (IOException e) {
                throw fail(host, "unreachable: " + describeConnect(host, e), e);
            }
            client.getConnection().getKeepAlive().setKeepAliveInterval(KEEPALIVE_SECONDS);
            authenticate(host, client);
            return new SshConnection(host, client);
        } catch (RuntimeException e) {
            closeQuietly(client);
            throw e;
        }
    }

    Host.Ssh host() {
        return host;
    }

    boolean isConnected() {
        return client.isConnected();
    }

    /** A new session channel (the caller owns it). */
    Session session() {
        try {
            return client.startSession();
        } catch (IOException e) {
            throw fail(host, "cannot open an SSH session channel: " + describe(e), e);
        }
    }

    /** The login user's home directory on the host. */
    String home() {
        if (home == null) {
            Result r = exec("printf '\\n%s' \"$HOME\"", null, Duration.ofSeconds(30));
            // the last line: a chatty shell start-up file may have printed before
            String last = r.stdout().substring(r.stdout().lastIndexOf('\n') + 1);
            if (r.exit() != 0 || !last.startsWith("/")) {
                throw new RemoteHostException(host.label(), "cannot find the home directory", r.command(), r.exit(), r.stderr());
            }
            home = last;
        }
        return home;
    }

    record Result(String command, int exit, String stdout, String stderr) {
    }

    /**
     * Runs a command, feeding it {@code stdin} (null: nothing), and collects its output.
     * Throws when it has not finished within {@code timeout} (the channel is then closed).
     */
    Result exec(String command, InputStream stdin, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Session s = session()) {
            Session.Command c = s.exec(command);
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(c.getInputStream()),
                    Thread::startVirtualThread);
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(c.getErrorStream()),
                    Thread::startVirtualThread);
            IOException stdinFailed = null;
            OutputStream in = c.getOutputStream();
            try {
                if (stdin != null) {
                    stdin.transferTo(in);
                    // sshj's close() flushes without waiting for the remote window and silently drops
                    // what does not fit (uploads arrived truncated); flush() waits
                    in.flush();
                }
                in.close(); // sends EOF
            } catch (IOException x) {
                // the command ended before reading all its input: its exit status says how it went
                stdinFailed = x;
            }
            String o = out.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            String e = err.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            c.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), TimeUnit.MILLISECONDS);
            Integer exit = c.getExitStatus();
            if (exit == null && stdinFailed != null) {
                throw stdinFailed;
            }
            return new Result(command, exit == null ? -1 : exit, o, e);
        } catch (TimeoutException e) {
            throw new RemoteHostException(host.label(), "a command did not finish within " + timeout.toSeconds() + " s ["
                    + firstWord(command) + "]", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RemoteHostException(host.label(), "interrupted while running a command", e);
        } catch (IOException | ExecutionException | RuntimeException e) {
            if (e instanceof RemoteHostException re) {
                throw re;
            }
            throw new RemoteHostException(host.label(), "running a command failed: " + describe(e) + " [" + firstWord(command)
                    + "]", e);
        }
    }

    /** Runs a shell script with {@code /bin/sh -s} and arguments, feeding the script on stdin. */
    Result script(String script, List<String> args, Duration timeout) {
        StringBuilder cmd = new StringBuilder("/bin/sh -s --");
        for (String a : args) {
            cmd.append(' ').append(Shell.quote(a));
        }
        return exec(cmd.toString(), new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)), timeout);
    }

    @Override
    public void close() {
        closeQuietly(client);
    }

    private static void authenticate(Host.Ssh host, SSHClient client) {
        List<AuthMethod> methods = new ArrayList<>();
        List<String> tried = new ArrayList<>();
        boolean explicit = host.key() != null || host.useAgent() || host.password() != null;
        if (host.key() != null) {
            methods.add(new AuthPublickey(loadKey(host, client, host.key(), host.keyPassphrase())));
            tried.add("publickey " + host.key());
        }
        String agentSock = System.getenv("SSH_AUTH_SOCK");
        if (host.useAgent() && (agentSock == null || agentSock.isBlank())) {
            throw fail(host, "ssh-agent authentication requested but SSH_AUTH_SOCK is not set in this JVM's environment", null);
        }
        if (host.useAgent() || (!explicit && agentSock != null && !agentSock.isBlank())) {
            try {
                List<SshAgentAuth> ids = SshAgentAuth.identities(Path.of(agentSock));
                methods.addAll(ids);
                tried.add("ssh-agent (" + ids.size() + " keys)");
            } catch (IOException e) {
                if (host.useAgent()) {
                    throw fail(host, "cannot use the ssh-agent at " + agentSock + ": " + e.getMessage(), e);
                }
            }
        }
        if (!explicit) {
            for (String name : List.of("id_ed25519", "id_ecdsa", "id_rsa")) {
                Path p = Path.of(System.getProperty("user.home"), ".ssh", name);
                if (Files.isReadable(p)) {
                    methods.add(new AuthPublickey(loadKey(host, client, p, null)));
                    tried.add("publickey " + p);
                }
            }
        }
        if (host.password() != null) {
            methods.add(new AuthPassword(new SecretPassword(host.password())));
            tried.add("password");
        }
        if (methods.isEmpty()) {
            throw fail(host, "no way to authenticate: no key, ssh-agent or password configured, and no default key"
                    + " in ~/.ssh", null);
        }
        try {
            client.auth(host.user(), methods);
        } catch (UserAuthException e) {
            var allowed = client.getUserAuth().getAllowedMethods();
            throw fail(host, "authentication failed for user '" + host.user() + "' (tried " + String.join(", ", tried)
                    + (allowed == null || allowed.isEmpty() ? "" : "; the server accepts " + String.join(",", allowed)) + ")",
                    null);
        } catch (TransportException e) {
            throw fail(host, "connection lost while authenticating: " + describe(e), e);
        }
    }

    private static KeyProvider loadKey(Host.Ssh host, SSHClient client, Path key, Secret passphrase) {
        if (!Files.isReadable(key)) {
            throw fail(host, "private key " + key + " does not exist or is not readable", null);
        }
        char[] pass = passphrase == null ? null : passphrase.value().toCharArray();
        try {
            KeyProvider kp = pass == null ? client.loadKeys(key.toString()) : client.loadKeys(key.toString(), pass);
            kp.getPrivate(); // decrypt now: a wrong passphrase is a clear error here, not a vague auth failure
            return kp;
        } catch (IOException | RuntimeException e) {
            // the passphrase itself is never part of the message
            throw fail(host, "cannot read private key " + key + (passphrase != null ? " (wrong passphrase?)" : "")
                    + ": " + e.getClass().getSimpleName(), null);
        } finally {
            if (pass != null) {
                Arrays.fill(pass, '\0');
            }
        }
    }

    /** Gives the password once; sshj does not retry with the same one. */
    private record SecretPassword(Secret secret) implements PasswordFinder {
        @Override
        public char[] reqPassword(Resource<?> resource) {
            return secret.value().toCharArray();
        }

        @Override
        public boolean shouldRetry(Resource<?> resource) {
            return false;
        }
    }

    private static String describeConnect(Host.Ssh host, IOException e) {
        String where = host.address() + ":" + host.port();
        return switch (e) {
            case SocketTimeoutException t -> "no answer from " + where + " within " + host.connectTimeout().toMillis() + " ms";
            case ConnectException c -> "connection to " + where + " refused or failed (" + c.getMessage() + ")";
            case NoRouteToHostException n -> "no route to " + where;
            case UnknownHostException u -> "unknown host name " + host.address();
            default -> describe(e);
        };
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        if (e instanceof SSHException s && s.getDisconnectReason() != DisconnectReason.UNKNOWN) {
            m = s.getDisconnectReason() + (m == null ? "" : " " + m);
        }
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    static RemoteHostException fail(Host.Ssh host, String cause, Throwable e) {
        return RemoteFailures.at(host, cause, e);
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String firstWord(String command) {
        int i = command.indexOf(' ');
        return i < 0 ? command : command.substring(0, i);
    }

    private static void closeQuietly(SSHClient c) {
        try {
            c.close();
        } catch (IOException | RuntimeException ignored) {
            // closing: nothing left to do with a failure
        }
    }

    private static DefaultConfig config() {
        DefaultConfig c = new DefaultConfig();
        c.setKeepAliveProvider(KeepAliveProvider.KEEP_ALIVE);
        return c;
    }
}
