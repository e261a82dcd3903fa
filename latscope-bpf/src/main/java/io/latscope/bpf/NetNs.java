package io.latscope.bpf;

import io.latscope.bpf.raw.LibC;
import io.latscope.error.ConfigurationException;
import io.latscope.error.KernelException;
import io.latscope.error.LatScopeException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A network namespace, named by a path to its nsfs file ({@code /run/netns/NAME},
 * {@code /proc/PID/ns/net}). Identified everywhere in LatScope by its inode, which is
 * what BPF programs read from {@code net->ns.inum}.
 *
 * <p>Work that must happen inside the namespace (attaching XDP or tc by interface name,
 * creating netfilter links, opening sockets) runs through {@link #run(Callable)} on a
 * fresh platform thread that enters the namespace and then ends, so no pooled or
 * virtual thread is ever left in a foreign namespace.
 */
public record NetNs(String name, Path path, long inode) {

    private static final Path NETNS_DIR = Path.of("/run/netns");

    /** The namespace of the calling process. */
    public static NetNs current() {
        return ofPath("self", Path.of("/proc/self/ns/net"));
    }

    /** A namespace made by {@code ip netns add NAME}. */
    public static NetNs named(String name) {
        if (name == null || name.isBlank() || name.contains("/")) {
            throw new ConfigurationException("invalid network namespace name: '" + name + "'");
        }
        Path p = NETNS_DIR.resolve(name);
        if (!Files.exists(p)) {
            throw new ConfigurationException("network namespace '" + name + "' does not exist (no " + p
                    + "; create it with: ip netns add " + name + ")");
        }
        return ofPath(name, p);
    }

    /**
     * The live namespace a spec names; fails naming it when it does not exist.
     *
     * @param ns a namespace from a session's spec
     * @return the namespace, with its inode
     */
    public static NetNs of(io.latscope.Namespace ns) {
        if (ns.isCurrent()) {
            return current();
        }
        if (ns.path().getParent() != null && ns.path().getParent().equals(NETNS_DIR)) {
            return named(ns.name());
        }
        if (!Files.exists(ns.path())) {
            throw new ConfigurationException("network namespace " + ns.name() + " does not exist (no " + ns.path() + ")");
        }
        return ofPath(ns.name(), ns.path());
    }

    /** The namespace a process is in. */
    public static NetNs ofPid(long pid) {
        return ofPath("pid:" + pid, Path.of("/proc/" + pid + "/ns/net"));
    }

    public static NetNs ofPath(String name, Path path) {
        return new NetNs(name, path, inodeOf(path));
    }

    /** @return this namespace as a session's spec names it */
    public io.latscope.Namespace spec() {
        if (path.getParent() != null && path.getParent().equals(NETNS_DIR)) {
            return io.latscope.Namespace.named(name);
        }
        return name.equals("self") ? io.latscope.Namespace.current() : new io.latscope.Namespace(name, path);
    }

    /** True when this is the namespace the calling thread is in. */
    public boolean isCurrent() {
        return inode == inodeOf(Path.of("/proc/thread-self/ns/net"));
    }

    /** Runs {@code work} with the calling thread's network namespace set to this one. */
    public <T> T run(Callable<T> work) {
        if (isCurrent()) {
            try {
                return work.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new LatScopeException("in network namespace " + name + ": " + e.getMessage(), e);
            }
        }
        AtomicReference<Object> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = Thread.ofPlatform().name("latscope-netns-" + name).unstarted(() -> {
            try {
                enterOnThisThread();
                result.set(work.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LatScopeException("interrupted while working in network namespace " + name, e);
        }
        Throwable f = failure.get();
        if (f instanceof RuntimeException re) {
            throw re;
        } else if (f instanceof Error er) {
            throw er;
        } else if (f != null) {
            throw new LatScopeException("in network namespace " + name + ": " + f.getMessage(),
                    f instanceof ExecutionException ee && ee.getCause() != null ? ee.getCause() : f);
        }
        @SuppressWarnings("unchecked")
        T r = (T) result.get();
        return r;
    }

    public void run(Runnable work) {
        run(() -> {
            work.run();
            return null;
        });
    }

    /**
     * Moves the calling platform thread into this namespace for good. Only for threads the
     * caller owns (a sender or receiver thread of a test); prefer {@link #run(Callable)}.
     */
    public void enterOnThisThread() {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("cannot enter a network namespace from a virtual thread");
        }
        int fd = Native.open(path.toString(), LibC.O_RDONLY() | LibC.O_CLOEXEC());
        try {
            int err = Native.setns(fd, LibC.CLONE_NEWNET());
            if (err != 0) {
                throw new KernelException("setns into network namespace " + name, err,
                        "needs CAP_SYS_ADMIN; run as root");
            }
        } finally {
            Native.close(fd);
        }
    }

    private static long inodeOf(Path p) {
        try {
            return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
        } catch (IOException | UnsupportedOperationException e) {
            throw new ConfigurationException("cannot read network namespace " + p + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return name + "(netns:" + inode + ")";
    }
}
