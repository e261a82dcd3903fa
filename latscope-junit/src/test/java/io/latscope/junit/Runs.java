package io.latscope.junit;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

import java.util.List;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/** Runs example test classes through JUnit's EngineTestKit and picks out what a test needs to see. */
final class Runs {
    private Runs() {
    }

    static EngineExecutionResults run(Class<?> testClass) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass)).execute();
    }

    /** What the named test method (or, for null, the class) failed with. */
    static Throwable failure(EngineExecutionResults r, String method) {
        Events events = method == null ? r.containerEvents() : r.testEvents();
        List<Event> failed = events.failed().stream()
                .filter(e -> method == null ? e.getTestDescriptor().isContainer() && e.getTestDescriptor().getParent()
                        .map(p -> p.getParent().isEmpty()).orElse(false)
                        : e.getTestDescriptor().getDisplayName().startsWith(method + "("))
                .toList();
        if (failed.size() != 1) {
            throw new AssertionError("expected " + (method == null ? "the class" : method) + " to fail once; events: "
                    + r.allEvents().list());
        }
        return failed.getFirst().getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
    }

    /** The LatScope reports the extension published, one per test, in order. */
    static List<String> reports(EngineExecutionResults r) {
        return r.allEvents().reportingEntryPublished().stream()
                .map(e -> e.getRequiredPayload(ReportEntry.class).getKeyValuePairs().get("latscope")).toList();
    }
}
