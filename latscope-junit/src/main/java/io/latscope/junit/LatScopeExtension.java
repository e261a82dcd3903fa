package io.latscope.junit;

import io.latscope.Durations;
import io.latscope.LatScopeSession;
import io.latscope.LatencyReport;
import io.latscope.error.ConfigurationException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.opentest4j.AssertionFailedError;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;

/**
 * The extension behind {@link LatScopeTest}: starts the class's session before
 * {@code @BeforeAll} methods and closes it after {@code @AfterAll}; starts each test's
 * session after {@code @BeforeEach} and closes it right after the test method; after each
 * test checks its {@link LatencyBudget}s against what was measured during that test (the
 * test's own session, or the class session's share between the test's start and end) and
 * publishes that report as a report entry ({@code latscope}).
 */
public final class LatScopeExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        BeforeTestExecutionCallback, AfterTestExecutionCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(LatScopeExtension.class);
    private static final String MEMBERS = "members";
    private static final String CLASS_SESSION = "class-session";
    private static final String TEST_SESSION = "test-session";
    private static final String TEST_START = "test-start";
    private static final String BUDGETS = "budgets";

    /** Made by JUnit, through {@link LatScopeTest} or {@link LatencyBudget}; keeps its state in the extension context. */
    public LatScopeExtension() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        SessionMembers members = members(context);
        SessionMembers.Level level = members.classLevel();
        if (level.present()) {
            SessionResource r = SessionResource.start(members.spec(level, null), members.source(level));
            context.getStore(NS).put(CLASS_SESSION, r);
            members.inject(level, null, r.session());
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        // Closed here rather than by the store, so before the AfterAll callbacks of extensions
        // registered earlier (e.g. @AutoClose fields holding the namespaces it measures).
        SessionResource r = context.getStore(NS).remove(CLASS_SESSION, SessionResource.class);
        if (r != null) {
            r.close();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        List<Budget> budgets = budgets(context);
        SessionMembers members = members(context);
        if (!budgets.isEmpty() && !members.testLevel().present() && classSession(context) == null) {
            throw new ConfigurationException(context.getRequiredTestMethod().getName() + "() has latency budgets but no"
                    + " session measures it: give " + members.testClass().getSimpleName() + " a @Session member (a"
                    + " SessionSpec field or method, static for one session per class) and annotate it @LatScopeTest");
        }
        context.getStore(NS).put(BUDGETS, budgets);
    }

    @Override
    public void beforeTestExecution(ExtensionContext context) {
        SessionMembers members = members(context);
        SessionMembers.Level level = members.testLevel();
        ExtensionContext.Store store = context.getStore(NS);
        if (level.present()) {
            Object instance = context.getRequiredTestInstance();
            SessionResource r = SessionResource.start(members.spec(level, instance), members.source(level));
            store.put(TEST_SESSION, r);
            members.inject(level, instance, r.session());
        } else {
            SessionResource c = classSession(context);
            if (c != null) {
                store.put(TEST_START, c.session().snapshot());
            }
        }
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        ExtensionContext.Store store = context.getStore(NS);
        SessionResource own = store.get(TEST_SESSION, SessionResource.class);
        LatencyReport report;
        if (own != null) {
            report = own.finish();
        } else {
            LatencyReport start = store.get(TEST_START, LatencyReport.class);
            SessionResource c = classSession(context);
            if (start == null || c == null) {
                return;
            }
            report = c.session().snapshot().since(start);
        }
        context.publishReportEntry("latscope", report.toString());
        @SuppressWarnings("unchecked")
        List<Budget> budgets = store.get(BUDGETS, List.class);
        if (budgets == null || budgets.isEmpty() || context.getExecutionException().isPresent()) {
            return; // a failed test's traffic says nothing about its latency
        }
        check(context.getRequiredTestMethod().getName() + "()", budgets, report);
    }

    private static void check(String test, List<Budget> budgets, LatencyReport report) {
        List<Budget> missed = new ArrayList<>();
        List<String> why = new ArrayList<>();
        for (Budget b : budgets) {
            String v = b.violation(report);
            if (v != null) {
                missed.add(b);
                why.add(v);
            }
        }
        if (missed.isEmpty()) {
            return;
        }
        String head = missed.size() == 1 ? "latency budget missed in " + test + ": " + why.getFirst()
                : missed.size() + " latency budgets missed in " + test + ":\n  " + String.join("\n  ", why);
        String message = head + "\nmeasured during the test:\n" + report;
        if (missed.size() == 1) {
            Budget b = missed.getFirst();
            throw new AssertionFailedError(message, "<= " + Durations.format(b.maxNanos()),
                    Durations.format(b.observedNanos(report)));
        }
        throw new AssertionFailedError(message);
    }

    // ---- parameters -------------------------------------------------------------------

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == LatScopeSession.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        SessionResource own = context.getStore(NS).get(TEST_SESSION, SessionResource.class);
        if (own != null) {
            return own.session();
        }
        if (members(context).testLevel().present()) {
            throw new ParameterResolutionException("the test's own LatScope session starts after @BeforeEach methods and"
                    + " closes before @AfterEach; it can be a parameter of the test method only");
        }
        SessionResource c = classSession(context);
        if (c == null) {
            throw new ParameterResolutionException("no LatScope session for " + parameter.getDeclaringExecutable()
                    + ": declare a @Session member in " + context.getRequiredTestClass().getSimpleName());
        }
        return c.session();
    }

    // ---- helpers ----------------------------------------------------------------------

    private static SessionMembers members(ExtensionContext context) {
        // Computed in the class's own store: a @LatencyBudget may register this extension on a method only.
        Class<?> testClass = context.getRequiredTestClass();
        ExtensionContext classContext = context;
        while (classContext.getElement().orElse(null) != testClass && classContext.getParent().isPresent()) {
            classContext = classContext.getParent().get();
        }
        return classContext.getStore(NS).getOrComputeIfAbsent(MEMBERS + ":" + testClass.getName(),
                k -> SessionMembers.of(testClass), SessionMembers.class);
    }

    private static SessionResource classSession(ExtensionContext context) {
        return context.getStore(NS).get(CLASS_SESSION, SessionResource.class);
    }

    private static List<Budget> budgets(ExtensionContext context) {
        Method m = context.getRequiredTestMethod();
        Class<?> c = context.getRequiredTestClass();
        List<Budget> out = new ArrayList<>();
        for (LatencyBudget a : AnnotationSupport.findRepeatableAnnotations(c, LatencyBudget.class)) {
            out.add(Budget.of(a, c.getSimpleName()));
        }
        for (LatencyBudget a : AnnotationSupport.findRepeatableAnnotations(m, LatencyBudget.class)) {
            out.add(Budget.of(a, c.getSimpleName() + "." + m.getName() + "()"));
        }
        return out;
    }
}
