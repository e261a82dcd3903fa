package io.latscope.bpf;

import io.latscope.error.ConfigurationException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A raw {@code AF_PACKET} socket that sends complete Ethernet frames out of one interface,
 * made in the calling thread's network namespace. Send-only: bound with protocol 0, it
 * receives nothing. Frames go through the device's queueing like any packet of the host
 * ({@code dev_queue_xmit}, so {@code net_dev_start_xmit} sees them), not through an XDP
 * program: where a kernel refuses {@link XdpTestRun.LiveSender live XDP frames}, this is
 * how a frame built in user space still leaves. One thread at a time.
 */
public final class PacketSocket implements AutoCloseable {
    private static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    /** struct sockaddr_ll: family, protocol, ifindex, hatype, pkttype, halen, addr[8]. */
    private static final int SOCKADDR_LL_SIZE = 20;

    private final int fd;
    private final int ifindex;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;
    private boolean closed;

    private PacketSocket(int fd, int ifindex, int maxFrameBytes) {
        this.fd = fd;
        this.ifindex = ifindex;
        this.buffer = arena.allocate(maxFrameBytes, 8);
    }

    /**
     * Opens a socket that sends out of interface {@code ifindex} of the calling thread's namespace.
     *
     * @param ifindex       the interface
     * @param maxFrameBytes the largest frame {@link #send} will take
     * @return the socket; close it
     */
    public static PacketSocket open(int ifindex, int maxFrameBytes) {
        if (maxFrameBytes < 14 || maxFrameBytes > 9000) {
            throw new ConfigurationException("frames sent through a packet socket must be 14..9000 bytes, not " + maxFrameBytes);
        }
        int fd = Native.socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0, "socket(AF_PACKET, SOCK_RAW)");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment sll = a.allocate(SOCKADDR_LL_SIZE, 4);
            sll.set(ValueLayout.JAVA_SHORT, 0, (short) AF_PACKET);
            sll.set(ValueLayout.JAVA_INT, 4, ifindex);
            Native.bind(fd, sll, "binding a packet socket to ifindex " + ifindex);
            return new PacketSocket(fd, ifindex, maxFrameBytes);
        } catch (RuntimeException | Error e) {
            Native.close(fd);
            throw e;
        }
    }

    /**
     * Sends the first {@code length} bytes of {@code frame}: one complete Ethernet frame.
     *
     * @param frame  destination and source MAC, EtherType, payload
     * @param length bytes of it to send
     */
    public void send(byte[] frame, int length) {
        if (closed) {
            throw new IllegalStateException("packet socket on ifindex " + ifindex + " is closed");
        }
        if (length < 14 || length > buffer.byteSize()) {
            throw new IllegalArgumentException("frame of " + length + " bytes; this socket takes 14.." + buffer.byteSize());
        }
        MemorySegment.copy(frame, 0, buffer, ValueLayout.JAVA_BYTE, 0, length);
        Native.send(fd, buffer.asSlice(0, length), "sending a frame out of ifindex " + ifindex);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Native.close(fd);
            arena.close();
        }
    }
}
