package io.latscope.error;

import java.util.Map;

/** Names and descriptions of the errno values BPF and netlink calls return. */
public final class Errno {
    /** Linux errno values (positive, as {@link KernelException#errno()} holds them). */
    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7,
            EBADF = 9, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17,
            ENODEV = 19, EINVAL = 22, ENOSPC = 28, ERANGE = 34, ENOSYS = 38, ELOOP = 40,
            EOPNOTSUPP = 95, EADDRINUSE = 98, ENOBUFS = 105, ETIMEDOUT = 110, ENOTSUPP = 524;

    private static final Map<Integer, String[]> NAMES = Map.ofEntries(
            Map.entry(EPERM, new String[] {"EPERM", "operation not permitted"}),
            Map.entry(ENOENT, new String[] {"ENOENT", "no such file or directory"}),
            Map.entry(ESRCH, new String[] {"ESRCH", "no such process"}),
            Map.entry(EINTR, new String[] {"EINTR", "interrupted system call"}),
            Map.entry(EIO, new String[] {"EIO", "input/output error"}),
            Map.entry(ENXIO, new String[] {"ENXIO", "no such device or address"}),
            Map.entry(E2BIG, new String[] {"E2BIG", "argument list too long"}),
            Map.entry(EBADF, new String[] {"EBADF", "bad file descriptor"}),
            Map.entry(EAGAIN, new String[] {"EAGAIN", "resource temporarily unavailable"}),
            Map.entry(ENOMEM, new String[] {"ENOMEM", "cannot allocate memory"}),
            Map.entry(EACCES, new String[] {"EACCES", "permission denied"}),
            Map.entry(EFAULT, new String[] {"EFAULT", "bad address"}),
            Map.entry(EBUSY, new String[] {"EBUSY", "device or resource busy"}),
            Map.entry(EEXIST, new String[] {"EEXIST", "already exists"}),
            Map.entry(ENODEV, new String[] {"ENODEV", "no such device"}),
            Map.entry(EINVAL, new String[] {"EINVAL", "invalid argument"}),
            Map.entry(ENOSPC, new String[] {"ENOSPC", "no space left"}),
            Map.entry(ERANGE, new String[] {"ERANGE", "result out of range"}),
            Map.entry(ENOSYS, new String[] {"ENOSYS", "function not implemented"}),
            Map.entry(ELOOP, new String[] {"ELOOP", "too many levels of symbolic links"}),
            Map.entry(EOPNOTSUPP, new String[] {"EOPNOTSUPP", "operation not supported"}),
            Map.entry(EADDRINUSE, new String[] {"EADDRINUSE", "address already in use"}),
            Map.entry(ENOBUFS, new String[] {"ENOBUFS", "no buffer space available"}),
            Map.entry(ETIMEDOUT, new String[] {"ETIMEDOUT", "timed out"}),
            Map.entry(ENOTSUPP, new String[] {"ENOTSUPP", "operation not supported by the kernel"}));

    private Errno() {
    }

    /**
     * The symbolic name of an errno value.
     *
     * @param errno an errno value, positive or negated (as libbpf returns it)
     * @return e.g. {@code EPERM}; {@code errno N} for a value this class does not know
     */
    public static String name(int errno) {
        String[] n = NAMES.get(Math.abs(errno));
        return n == null ? "errno " + Math.abs(errno) : n[0];
    }

    /**
     * The name and meaning of an errno value, for messages.
     *
     * @param errno an errno value, positive or negated (as libbpf returns it)
     * @return e.g. {@code EPERM (operation not permitted)}; {@code errno N} for a value this class does not know
     */
    public static String describe(int errno) {
        String[] n = NAMES.get(Math.abs(errno));
        return n == null ? "errno " + Math.abs(errno) : n[0] + " (" + n[1] + ")";
    }
}
