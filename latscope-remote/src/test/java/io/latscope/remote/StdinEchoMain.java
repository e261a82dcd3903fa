package io.latscope.remote;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;

/**
 * A stand-in agent started on SSH test hosts: prints a few lines to stdout and stderr,
 * optionally holds a UDP port, then blocks reading stdin and exits on EOF — the contract
 * of {@link RemoteAgent}. Args: {@code lines=N}, {@code udp=PORT}, {@code ignore-eof}
 * (keeps running after EOF, to test the kill path), {@code exit=N} (exits at once with N),
 * {@code child} (starts a {@code sleep} in its process group and prints its pid).
 */
public final class StdinEchoMain {
    private StdinEchoMain() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        int lines = 3;
        DatagramSocket udp = null;
        boolean ignoreEof = false;
        for (String a : args) {
            if (a.startsWith("lines=")) {
                lines = Integer.parseInt(a.substring(6));
            } else if (a.startsWith("udp=")) {
                udp = new DatagramSocket(new InetSocketAddress(Integer.parseInt(a.substring(4))));
            } else if (a.equals("ignore-eof")) {
                ignoreEof = true;
            } else if (a.equals("child")) {
                Process p = new ProcessBuilder("sleep", "600").redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                System.out.println("child pid " + p.pid());
            } else if (a.startsWith("exit=")) {
                System.out.println("exiting with " + a.substring(5));
                System.exit(Integer.parseInt(a.substring(5)));
            }
        }
        System.out.println("agent started pid " + ProcessHandle.current().pid() + " env " + System.getenv("LS_TEST"));
        if (System.getenv("LS_SECRET") != null) {
            System.out.println("secret length " + System.getenv("LS_SECRET").length()); // the value itself must not print
        }
        for (int i = 0; i < lines; i++) {
            System.out.println("out line " + i);
            System.err.println("err line " + i);
        }
        System.out.flush();
        while (System.in.read() >= 0) {
            // nothing is ever written; EOF is the signal
        }
        System.out.println("stdin closed");
        if (ignoreEof) {
            Thread.sleep(Long.MAX_VALUE);
        }
        if (udp != null) {
            udp.close();
        }
    }
}
