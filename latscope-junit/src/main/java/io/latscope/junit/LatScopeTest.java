package io.latscope.junit;

import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A test class that measures itself with LatScope: the extension starts the sessions its
 * {@link Session @Session} members describe — a static one for the whole class, an
 * instance one for each test — and checks every {@link LatencyBudget @LatencyBudget}
 * after each test.
 *
 * <pre>{@code
 * @LatScopeTest
 * class EchoLatencyTest {
 *     TestNetwork net;
 *
 *     @BeforeEach
 *     void network() { net = ...; }
 *
 *     @Session
 *     SessionSpec spec() {                  // one session per test, started after @BeforeEach
 *         return LatScope.builder().namespaces(net.ns("client").spec(), net.ns("server").spec()).ports(7001).build();
 *     }
 *
 *     @Test
 *     @LatencyBudget(hop = "tx.DEV", percentile = 99, max = "200us")
 *     void echo(LatScopeSession session) { ... }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(LatScopeExtension.class)
public @interface LatScopeTest {
}
