package io.latscope.junit;

import io.latscope.LatScope;
import io.latscope.LatScopeSession;
import io.latscope.SessionSpec;
import io.latscope.error.ConfigurationException;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link Session @Session} members of a test class, checked: where the class's and
 * each test's session come from (a spec field or method) and where they go (session
 * fields).
 */
final class SessionMembers {
    /** One level: static (the class's session) or instance (each test's). */
    record Level(boolean isStatic, Member spec, List<Field> targets) {
        boolean present() {
            return spec != null || !targets.isEmpty();
        }
    }

    private final Class<?> testClass;
    private final Level classLevel;
    private final Level testLevel;

    private SessionMembers(Class<?> testClass, Level classLevel, Level testLevel) {
        this.testClass = testClass;
        this.classLevel = classLevel;
        this.testLevel = testLevel;
    }

    static SessionMembers of(Class<?> testClass) {
        List<Member> specs = new ArrayList<>();
        List<Field> targets = new ArrayList<>();
        for (Field f : AnnotationSupport.findAnnotatedFields(testClass, Session.class, f -> true, HierarchyTraversalMode.TOP_DOWN)) {
            if (f.getType() == SessionSpec.class) {
                specs.add(f);
            } else if (f.getType() == LatScopeSession.class) {
                if (Modifier.isFinal(f.getModifiers())) {
                    throw new ConfigurationException("@Session field " + name(f) + " is final: the extension cannot put the"
                            + " live session there; remove 'final'");
                }
                targets.add(f);
            } else {
                throw new ConfigurationException("@Session field " + name(f) + " has type " + f.getType().getName()
                        + "; a @Session field is either a " + SessionSpec.class.getName() + " (what to measure: the extension"
                        + " starts it) or an " + LatScopeSession.class.getName() + " (where the extension puts the live session)");
            }
        }
        for (Method m : AnnotationSupport.findAnnotatedMethods(testClass, Session.class, HierarchyTraversalMode.TOP_DOWN)) {
            if (m.getParameterCount() != 0 || m.getReturnType() != SessionSpec.class) {
                throw new ConfigurationException("@Session method " + name(m) + " must take no parameters and return "
                        + SessionSpec.class.getName() + " (it returns " + m.getReturnType().getName() + " and takes "
                        + m.getParameterCount() + " parameters)");
            }
            specs.add(m);
        }
        return new SessionMembers(testClass, level(testClass, true, specs, targets), level(testClass, false, specs, targets));
    }

    private static Level level(Class<?> testClass, boolean statics, List<Member> specs, List<Field> targets) {
        List<Member> s = specs.stream().filter(m -> Modifier.isStatic(m.getModifiers()) == statics).toList();
        if (s.size() > 1) {
            throw new ConfigurationException(testClass.getName() + " has " + s.size() + (statics ? " static" : " instance")
                    + " @Session specs (" + s.stream().map(SessionMembers::name).toList() + "); there is at most one session"
                    + (statics ? " per class (static) " : " per test (instance) ") + "and so one spec");
        }
        return new Level(statics, s.isEmpty() ? null : s.getFirst(),
                targets.stream().filter(f -> Modifier.isStatic(f.getModifiers()) == statics).toList());
    }

    Level classLevel() {
        return classLevel;
    }

    Level testLevel() {
        return testLevel;
    }

    /** The spec of a level: its field's value or its method's result ({@code instance} null for static). */
    SessionSpec spec(Level level, Object instance) {
        Member m = level.spec();
        if (m == null) {
            return LatScope.builder().build();
        }
        Object value;
        try {
            if (m instanceof Field f) {
                f.setAccessible(true);
                value = f.get(instance);
            } else {
                Method method = (Method) m;
                method.setAccessible(true);
                value = method.invoke(instance);
            }
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new ConfigurationException("@Session method " + name(m) + " failed: " + cause, cause);
        } catch (IllegalAccessException | RuntimeException e) {
            throw new ConfigurationException("cannot read @Session member " + name(m) + ": " + e.getMessage(), e);
        }
        if (value == null) {
            throw new ConfigurationException("@Session " + (m instanceof Field ? "field " : "method ") + name(m)
                    + (m instanceof Field ? " is" : " returned") + " null when the session starts ("
                    + (level.isStatic() ? "before @BeforeAll methods" : "after @BeforeEach methods") + "); give it a SessionSpec");
        }
        return (SessionSpec) value;
    }

    /** Puts the live session into the level's session fields. */
    void inject(Level level, Object instance, LatScopeSession session) {
        for (Field f : level.targets()) {
            try {
                f.setAccessible(true);
                f.set(instance, session);
            } catch (IllegalAccessException | RuntimeException e) {
                throw new ConfigurationException("cannot set @Session field " + name(f) + ": " + e.getMessage(), e);
            }
        }
    }

    /** Where a level's session comes from, for messages. */
    String source(Level level) {
        if (level.spec() != null) {
            return "@Session " + (level.spec() instanceof Field ? "field " : "method ") + name(level.spec());
        }
        return "@Session field " + name(level.targets().getFirst()) + " (default spec)";
    }

    Class<?> testClass() {
        return testClass;
    }

    private static String name(Member m) {
        return m.getDeclaringClass().getSimpleName() + "." + m.getName() + (m instanceof Method ? "()" : "");
    }
}
