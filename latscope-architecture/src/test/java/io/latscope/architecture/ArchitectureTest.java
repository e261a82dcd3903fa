package io.latscope.architecture;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The module list is the architecture; these rules keep it so, over the classes of every
 * production module (not tests, not the test bed, not the benchmarks).
 */
class ArchitectureTest {
    private static final JavaClasses PRODUCTION = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.latscope");

    private static final String[] API = {"io.latscope", "io.latscope.error", "io.latscope.store"};
    /** Packages jextract generated, each with the one package of hand-written code that may use it. */
    private static final Map<String, String> GENERATED = Map.of(
            "io.latscope.bpf.raw", "io.latscope.bpf",
            "io.latscope.agent.layout", "io.latscope.agent",
            "io.latscope.sync.layout", "io.latscope.sync");

    /** Every package of hand-written code is its own slice: a cycle between any two is a failure. */
    static final SliceAssignment PACKAGES = new SliceAssignment() {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            String p = c.getPackageName();
            return p.startsWith("io.latscope") && !GENERATED.containsKey(p) ? SliceIdentifier.of(p) : SliceIdentifier.ignore();
        }

        @Override
        public String getDescription() {
            return "every package of hand-written code";
        }
    };

    static ArchRule noPackageCycles() {
        return slices().assignedFrom(PACKAGES).should().beFreeOfCycles();
    }

    @Test
    void everyModuleIsImported() {
        for (String p : new String[] {"io.latscope", "io.latscope.bpf", "io.latscope.sync", "io.latscope.agent",
                "io.latscope.transport", "io.latscope.remote.agent", "io.latscope.remote", "io.latscope.store.mysql",
                "io.latscope.junit", "io.latscope.jmh", "io.latscope.config", "io.latscope.report", "io.latscope.cli"}) {
            assertThat(PRODUCTION.containPackage(p)).as(p).isTrue();
        }
        assertThat(PRODUCTION.containPackage("io.latscope.testbed")).as("the test bed is not production code").isFalse();
    }

    @Test
    void noPackageDependsOnItselfThroughAnother() {
        noPackageCycles().check(PRODUCTION);
    }

    @Test
    void theRuleCatchesACycle() {
        JavaClasses cyclic = new ClassFileImporter().importPackages("io.latscope.architecture.cyclic");
        assertThatThrownBy(() -> noPackageCycles().check(cyclic)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("Cycle detected")
                .hasMessageContaining("io.latscope.architecture.cyclic.a")
                .hasMessageContaining("io.latscope.architecture.cyclic.b");
    }

    @Test
    void theApiNamesOnlyItsOwnTypes() {
        classes().that().resideInAnyPackage(API)
                .should().onlyDependOnClassesThat().resideInAnyPackage(concat(API, "java..", "org.HdrHistogram..", "org.slf4j.."))
                .because("a user of the API alone pulls LatScope's API, HdrHistogram and SLF4J, and nothing of the engines")
                .check(PRODUCTION);
    }

    @Test
    void harnessesNameOnlyTheApi() {
        noClasses().that().resideInAnyPackage("io.latscope.junit..", "io.latscope.assertj..", "io.latscope.jmh..")
                .should().dependOnClassesThat().resideInAnyPackage("io.latscope.bpf..", "io.latscope.agent..",
                        "io.latscope.sync..", "io.latscope.remote..", "io.latscope.transport..", "io.latscope.store.mysql..")
                .because("engines and stores are found through ServiceLoader, not imported")
                .check(PRODUCTION);
    }

    @Test
    void theCommandLineNamesNoEngine() {
        noClasses().that().resideInAnyPackage("io.latscope.cli..", "io.latscope.config..", "io.latscope.report..")
                .should().dependOnClassesThat().resideInAnyPackage("io.latscope.bpf..", "io.latscope.agent..",
                        "io.latscope.sync..", "io.latscope.remote..", "io.latscope.transport..", "io.latscope.store.mysql..")
                .because("the command line and its libraries build specs and read reports through the API; engines are found")
                .check(PRODUCTION);
    }

    @Test
    void generatedCodeIsUsedOnlyByItsOwnWrapper() {
        GENERATED.forEach((generated, wrapper) -> noClasses().that().resideOutsideOfPackages(wrapper, generated)
                .should().dependOnClassesThat().resideInAPackage(generated)
                .because("jextract's bindings and record layouts are reached only through the hand-written code beside them")
                .check(PRODUCTION));
    }

    @Test
    void everyGeneratedPackageIsImported() {
        GENERATED.keySet().forEach(p -> assertThat(PRODUCTION.containPackage(p)).as(p).isTrue());
    }

    @Test
    void noLibraryUsesTheTestBed() {
        noClasses().that().resideOutsideOfPackages("io.latscope.testbed..", "io.latscope.examples..", "io.latscope.bench..")
                .should().dependOnClassesThat().resideInAPackage("io.latscope.testbed..")
                .check(PRODUCTION);
    }

    @Test
    void onlyTheAgentProcessEndsTheProcess() {
        noClasses().that().resideOutsideOfPackages("io.latscope.remote.agent", "io.latscope.cli", "io.latscope.examples..",
                        "io.latscope.bench..")
                .should().callMethod(System.class, "exit", int.class)
                .because("a library never calls System.exit; the remote agent and the command line are programs")
                .check(PRODUCTION);
    }

    @Test
    void librariesDoNotPrintToStandardOutput() {
        // programs may; the JMH profiler prints its table to JMH's console when its 'table' option asks;
        // jextract's generated tracing prints only with -Djextract.trace.downcalls
        noClasses().that().resideOutsideOfPackages(concat(GENERATED.keySet().toArray(String[]::new),
                        "io.latscope.remote.agent", "io.latscope.cli", "io.latscope.examples..", "io.latscope.bench..", "io.latscope.jmh"))
                .should().accessField(System.class, "out")
                .because("a library prints only to a stream it is given, or when asked")
                .check(PRODUCTION);
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = new String[a.length + b.length];
        System.arraycopy(a, 0, r, 0, a.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

}
