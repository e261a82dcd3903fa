package io.latscope.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks where a {@link LatScopeTest} class's LatScope session comes from and where it goes.
 * Static members make one session for the whole class (started before {@code @BeforeAll}
 * methods, closed after {@code @AfterAll}); instance members one session per test (started
 * after {@code @BeforeEach} methods, so they can create what it measures, and closed right
 * after the test method, before {@code @AfterEach}). Per level:
 * <ul>
 *   <li>at most one spec: a {@link io.latscope.SessionSpec} field, or a method without
 *       parameters returning one — the extension starts it;</li>
 *   <li>any number of {@link io.latscope.LatScopeSession} fields (not final) — the extension
 *       puts the live session there. Without a spec at their level they get a session of
 *       {@code LatScope.builder().build()}: this process's network namespace, every layer,
 *       every port.</li>
 * </ul>
 * Any other type is a configuration error. A test method may also take a
 * {@code LatScopeSession} parameter: the test's own session, else the class's.
 */
@Target({ElementType.FIELD, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Session {
}
