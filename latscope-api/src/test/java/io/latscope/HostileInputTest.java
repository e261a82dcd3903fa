package io.latscope;

import io.latscope.error.ConfigurationException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * Every public builder method checks its input at once and fails with a
 * {@link ConfigurationException} that names the value and what is wanted — never a raw
 * NullPointerException, never a value accepted now that a remote shell or a later step
 * would trip on. Values that reach a remote shell and are legal (a javaHome with a quote)
 * are quoted there: {@code HostileShellInputTest} in latscope-remote runs them.
 */
class HostileInputTest {
    private static final String MEGABYTE = "x".repeat(1 << 20);

    static Stream<Arguments> hostile() {
        Host.Ssh h = Host.ssh("10.0.0.1");
        return Stream.of(
                row("layers((Layer) null)", () -> LatScope.builder().layers((Layer) null), "null element"),
                row("layers((Layer[]) null)", () -> LatScope.builder().layers((Layer[]) null), "layers(...) was given null"),
                row("layers(\"MAC\")", () -> LatScope.builder().layers("MAC"), "unknown layer 'MAC'"),
                row("layers((String) null)", () -> LatScope.builder().layers((String) null), "null element"),
                row("hosts((Host) null)", () -> LatScope.builder().hosts((Host) null), "null element"),
                row("ports(0)", () -> LatScope.builder().ports(0), "port 0 is out of range"),
                row("ports(70000)", () -> LatScope.builder().ports(70000), "port 70000"),
                row("ports((int[]) null)", () -> LatScope.builder().ports((int[]) null), "ports(...) was given null"),
                row("namespaces(\"a/b\")", () -> LatScope.builder().namespaces("a/b"), "invalid network namespace name"),
                row("namespaces((String) null)", () -> LatScope.builder().namespaces((String) null), "null element"),
                row("namespaces((Namespace) null)", () -> LatScope.builder().namespaces((Namespace) null), "null element"),
                row("flows((FlowKey) null)", () -> LatScope.builder().flows((FlowKey) null), "null element"),
                row("stride(1000)", () -> LatScope.builder().stride(1000), "power of two"),
                row("stride(-1)", () -> LatScope.builder().stride(-1), "power of two"),
                row("interval(null)", () -> LatScope.builder().interval(null), "interval must be a positive duration"),
                row("interval(-1 s)", () -> LatScope.builder().interval(Duration.ofSeconds(-1)), "interval"),
                row("interval(1000 days)", () -> LatScope.builder().interval(Duration.ofDays(1000)), "longer than a day"),
                row("markerTimeout(0)", () -> LatScope.builder().markerTimeout(Duration.ZERO), "markerTimeout"),
                row("label(null)", () -> LatScope.builder().label(null), "not null"),
                row("label(1 MB)", () -> LatScope.builder().label(MEGABYTE), "at most 200"),
                row("label(\"a\\nb\")", () -> LatScope.builder().label("a\nb"), "control characters"),
                row("markerSampleEvery(-1)", () -> LatScope.builder().markerSampleEvery(-1), ">= 0"),
                row("ringBufferBytes(1000)", () -> LatScope.builder().ringBufferBytes(1000), "power of two"),
                row("redis(null)", () -> LatScope.builder().redis(null), "Redis URL is null"),
                row("redis(redis://h:99999/0)", () -> LatScope.builder().redis("redis://h:99999/0"), "out of range"),
                row("redis(redis://h:0/0)", () -> LatScope.builder().redis("redis://h:0/0"), "out of range"),
                row("redis(http://h/0)", () -> LatScope.builder().redis("http://h/0"), "redis://host:port/db"),
                row("redis(redis://u:pw@h/0)", () -> LatScope.builder().redis("redis://u:pw@h/0"), "not in the URL"),
                row("redis(redis://$(reboot)/0)", () -> LatScope.builder().redis("redis://$(reboot):6379/0"), "Redis"),
                row("redis(1 MB URL)", () -> LatScope.builder().redis("redis://" + MEGABYTE), "too long"),
                row("outageBudget(null)", () -> LatScope.builder().outageBudget(null), "outage budget"),
                row("outageBudget(0)", () -> LatScope.builder().outageBudget(Duration.ZERO), "outage budget"),
                row("outageBudget(2 days)", () -> LatScope.builder().outageBudget(Duration.ofDays(2)), "longer than a day"),
                row("outageSpillBytes(-1)", () -> LatScope.builder().outageSpillBytes(-1), ">= 0"),
                row("outageBudget without redis", () -> LatScope.builder().outageBudget(Duration.ofMinutes(1)).build(),
                        "set redis"),
                row("sync(null)", () -> LatScope.builder().sync(null), "SyncSpec.none()"),
                row("syncReference(null, ...)", () -> LatScope.builder().syncReference(null, "eth0", "10.0.0.1"),
                        "namespace is null"),
                row("syncReference(eth0;x)", () -> LatScope.builder().syncReference(Namespace.current(), "eth0;x",
                        "10.0.0.1"), "not a network interface name"),
                row("syncReference($(reboot) address)", () -> LatScope.builder().syncReference(Namespace.current(),
                        "eth0", "$(reboot)"), "not an IP address literal"),
                row("Host.ssh(\"$(reboot)\")", () -> Host.ssh("$(reboot)"), "must be a host name or IP address, got '$(reboot)'"),
                row("Host.ssh(\"a;reboot\")", () -> Host.ssh("a;reboot"), "host name or IP address"),
                row("Host.ssh(\"`reboot`\")", () -> Host.ssh("`reboot`"), "host name or IP address"),
                row("Host.ssh(\"-oProxyCommand=x\")", () -> Host.ssh("-oProxyCommand=x"), "host name or IP address"),
                row("Host.ssh(null)", () -> Host.ssh(null), "host name or IP address"),
                row("Host.ssh(1 MB)", () -> Host.ssh(MEGABYTE), "(1048576 characters)"),
                row("interfaces(\"eth0;x\")", () -> h.interfaces("eth0;x"), "'eth0;x' of host 10.0.0.1 is not a network interface"),
                row("interfaces(\"$(reboot)\")", () -> h.interfaces("$(reboot)"), "not a network interface"),
                row("interfaces((String) null)", () -> h.interfaces((String) null), "'null' of host"),
                row("interfaces((String[]) null)", () -> h.interfaces((String[]) null), "interfaces of host"),
                row("label(null) of a host", () -> h.label(null), "label of SSH host"),
                row("label(1 MB) of a host", () -> h.label(MEGABYTE), "1 to 64"),
                row("label(\"h1@x\") of a host", () -> h.label("h1@x"), "1 to 64 letters"),
                row("label(\"a b\") of a host", () -> h.label("a b"), "1 to 64 letters"),
                row("user(\"root;reboot\")", () -> h.user("root;reboot"), "not a valid user name"),
                row("user(null)", () -> h.user(null), "not a valid user name"),
                row("port(0)", () -> h.port(0), "out of range"),
                row("javaHome(\"relative\")", () -> h.javaHome("jdk"), "absolute path"),
                row("javaHome with a newline", () -> h.javaHome("/opt/jdk\n/bin/sh"), "control characters"),
                row("javaHome(1 MB)", () -> h.javaHome("/" + MEGABYTE), "absolute path"),
                row("key(null)", () -> h.key(null), "private key of host"),
                row("key(path, (String) null)", () -> h.key(Path.of("/k"), (String) null), "key passphrase"),
                row("password(null)", () -> h.password(null), "password of host"),
                row("knownHosts(null)", () -> h.knownHosts(null), "known_hosts"),
                row("connectTimeout(null)", () -> h.connectTimeout(null), "connect timeout"),
                row("vmOf(\"a/b\")", () -> h.vmOf("a/b"), "parent label"),
                row("StoreSpec.with(null, 1)", () -> new StoreSpec("memory:x", null, null).with(null, 1), "store option"),
                row("SyncSpec withPort(0)", () -> SyncSpec.xdp().withPort(0), "sync port"),
                row("SyncSpec withInterval(null)", () -> SyncSpec.xdp().withInterval(null), "sync interval"));
    }

    private static Arguments row(String what, Supplier<Object> call, String message) {
        return arguments(what, call, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostile")
    void isRefusedWithAClearConfigurationException(String what, Supplier<Object> call, String message) {
        assertThatThrownBy(call::get).as(what).isInstanceOf(ConfigurationException.class).hasMessageContaining(message)
                .satisfies(e -> org.assertj.core.api.Assertions.assertThat(e.getMessage().length())
                        .as("message length").isLessThan(600));
    }
}
