package io.latscope.remote;

import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.Message;
import net.schmizz.sshj.common.SSHPacket;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.method.AbstractAuthMethod;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * "publickey" authentication with a key held by an ssh-agent (sshj has none built in):
 * the agent protocol's identity list and sign request over the agent's Unix socket. The
 * private key never leaves the agent. One instance per identity; sshj tries them in turn.
 */
final class SshAgentAuth extends AbstractAuthMethod {
    private static final byte REQUEST_IDENTITIES = 11, IDENTITIES_ANSWER = 12, SIGN_REQUEST = 13, SIGN_RESPONSE = 14;
    private static final int RSA_SHA2_256 = 2;

    private final Path socket;
    private final byte[] keyBlob;
    private final String keyType;
    private final String comment;

    private SshAgentAuth(Path socket, byte[] keyBlob, String comment) throws IOException {
        super("publickey");
        this.socket = socket;
        this.keyBlob = keyBlob;
        this.keyType = new Buffer.PlainBuffer(keyBlob).readString();
        this.comment = comment;
    }

    /** One method per identity the agent at {@code socket} holds; empty when it holds none. */
    static List<SshAgentAuth> identities(Path socket) throws IOException {
        Buffer.PlainBuffer reply = call(socket, new Buffer.PlainBuffer().putByte(REQUEST_IDENTITIES));
        if (reply.readByte() != IDENTITIES_ANSWER) {
            throw new IOException("ssh-agent at " + socket + " refused to list its keys");
        }
        int n = reply.readUInt32AsInt();
        List<SshAgentAuth> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] blob = reply.readBytes();
            String comment = reply.readString();
            out.add(new SshAgentAuth(socket, blob, comment));
        }
        return out;
    }

    /** rsa keys sign with SHA-256: OpenSSH servers refuse SHA-1 "ssh-rsa" signatures. */
    private String algorithm() {
        return keyType.equals("ssh-rsa") ? "rsa-sha2-256" : keyType;
    }

    @Override
    protected SSHPacket buildReq() throws UserAuthException {
        return request(false);
    }

    private SSHPacket request(boolean signed) throws UserAuthException {
        return super.buildReq().putBoolean(signed).putString(algorithm()).putString(keyBlob);
    }

    @Override
    public void handle(Message cmd, SSHPacket buf) throws UserAuthException, TransportException {
        if (cmd != Message.USERAUTH_60) { // SSH_MSG_USERAUTH_PK_OK: the server would accept this key
            super.handle(cmd, buf);
            return;
        }
        SSHPacket req = request(true);
        byte[] toSign = new Buffer.PlainBuffer().putString(params.getTransport().getSessionID()).putBuffer(req)
                .getCompactData();
        try {
            Buffer.PlainBuffer sign = new Buffer.PlainBuffer().putByte(SIGN_REQUEST).putString(keyBlob).putString(toSign)
                    .putUInt32(keyType.equals("ssh-rsa") ? RSA_SHA2_256 : 0);
            Buffer.PlainBuffer reply = call(socket, sign);
            if (reply.readByte() != SIGN_RESPONSE) {
                throw new UserAuthException("ssh-agent refused to sign with " + keyType + " key " + comment);
            }
            req.putString(reply.readBytes()); // already an SSH signature: string algorithm, string blob
        } catch (IOException e) {
            throw new UserAuthException("ssh-agent signing with " + comment + " failed: " + e.getMessage(), e);
        }
        params.getTransport().write(req);
    }

    private static Buffer.PlainBuffer call(Path socket, Buffer.PlainBuffer message) throws IOException {
        byte[] body = message.getCompactData();
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            ByteBuffer out = ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).flip();
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ByteBuffer len = readFully(ch, 4);
            int n = len.getInt();
            if (n <= 0 || n > 256 * 1024) {
                throw new IOException("ssh-agent sent a reply of " + n + " bytes");
            }
            return new Buffer.PlainBuffer(readFully(ch, n).array());
        }
    }

    private static ByteBuffer readFully(SocketChannel ch, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (ch.read(b) < 0) {
                throw new IOException("ssh-agent closed the connection");
            }
        }
        return b.flip();
    }

    @Override
    public String toString() {
        return "ssh-agent key " + keyType + " " + comment;
    }
}
