package dev.cardvault;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;

/**
 * The package structure the code must keep: {@code web} (the HTTP edge, the only place that
 * knows status codes) on top; capabilities ({@code tokens}, {@code keys}, {@code audit}) below
 * it; infrastructure ({@code database}, {@code logging}, {@code metrics}, which the capabilities report to, {@code telemetry}); {@code card}, {@code crypto},
 * {@code auth}, {@code errors} and {@code time} at the bottom. Production classes only.
 */
@Tag("unit")
class ArchitectureTest {

    private static final JavaClasses PRODUCTION = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages("dev.cardvault");

    @Test
    void packages_haveNoCycles() {
        slices().matching("dev.cardvault.(*)..").should().beFreeOfCycles().check(PRODUCTION);
    }

    @Test
    void dependencies_pointDownwardOnly() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Web").definedBy("dev.cardvault.web..")
                .layer("Startup").definedBy("dev.cardvault.devkeys..", "dev.cardvault.demo..")
                .layer("Capabilities").definedBy("dev.cardvault.tokens..", "dev.cardvault.keys..", "dev.cardvault.audit..", "dev.cardvault.capture..",
                        "dev.cardvault.privacy..")
                .layer("Infrastructure").definedBy("dev.cardvault.database..", "dev.cardvault.logging..", "dev.cardvault.metrics..",
                        "dev.cardvault.telemetry..")
                .layer("Base").definedBy("dev.cardvault.card..", "dev.cardvault.crypto..", "dev.cardvault.auth..", "dev.cardvault.errors..",
                        "dev.cardvault.time..")
                .whereLayer("Web").mayNotBeAccessedByAnyLayer()
                .whereLayer("Startup").mayNotBeAccessedByAnyLayer()
                .whereLayer("Capabilities").mayOnlyBeAccessedByLayers("Web", "Startup")
                .whereLayer("Infrastructure").mayOnlyBeAccessedByLayers("Web", "Startup", "Capabilities")
                .whereLayer("Base").mayOnlyBeAccessedByLayers("Web", "Startup", "Capabilities", "Infrastructure").check(PRODUCTION);
    }

    @Test
    void card_isPureJava() {
        classes().that().resideInAPackage("dev.cardvault.card..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "dev.cardvault.card..", "dev.cardvault.errors..").check(PRODUCTION);
    }

    @Test
    void errors_dependOnNothing() {
        classes().that().resideInAPackage("dev.cardvault.errors..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "dev.cardvault.errors..").check(PRODUCTION);
    }

    @Test
    void crypto_isBouncyCastleAndJdkOnly() {
        classes().that().resideInAPackage("dev.cardvault.crypto..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "javax.crypto..", "org.bouncycastle..", "dev.cardvault.crypto..").check(PRODUCTION);
    }

    @Test
    void exceptions_outsideWeb_knowNoHttp() {
        noClasses().that().areAssignableTo(Throwable.class)
                .and().resideOutsideOfPackage("dev.cardvault.web..")
                .should().dependOnClassesThat().resideInAnyPackage("jakarta.ws.rs..", "io.vertx.ext.web..").check(PRODUCTION);
    }

    @Test
    void onlyWeb_throwsHttpStatusExceptions() {
        noClasses().that().resideOutsideOfPackage("dev.cardvault.web..")
                .should().dependOnClassesThat().areAssignableTo(jakarta.ws.rs.WebApplicationException.class).check(PRODUCTION);
    }
}
